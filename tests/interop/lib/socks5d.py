#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A small SOCKS5 server (RFC 1928 CONNECT, RFC 1929 username/password) for the interop
# tests, python3 stdlib only. Bounded: at most --max-clients connections at once (more are
# closed at once), a handshake must finish within --handshake-timeout seconds, and the
# server exits by itself after --lifetime seconds. Each CONNECT is logged on stdout as
# "CONNECT HOST:PORT rep=N" so a test can assert the traffic went through it. Outbound
# connections leave from --source, so the destination sees the proxy, not the client.
# Replies rotate through the three bound-address forms (IPv4, domain, IPv6) so a client
# parses each of them. Half-close is passed on (shutdown(SHUT_WR)); a reset is passed on
# as a reset (SO_LINGER {1, 0}). CONNECTs to --stall-port never get a reply (a proxy stuck in its
# own connect), until the client closes or the handshake timeout.
# UDP ASSOCIATE (RFC 1928 section 7): a relay socket on the address the client reached the
# proxy at, logged as "UDP ASSOCIATE relay ADDR:PORT"; datagrams from the client's address
# go out (from --source for IPv4) as "UDP OUT HOST:PORT N", replies come back with the
# header naming their source, "UDP IN HOST:PORT N"; the association ends with its control
# connection ("UDP ASSOCIATE closed") or after --udp-idle seconds without a datagram.
# --udp-refuse answers UDP ASSOCIATE with 7 (command not supported), as CONNECT-only proxies
# do; a reply from --udp-frag-port is relayed with FRAG 1, one from --udp-spoof-port with
# the header naming the next port (the client must drop both).
import argparse
import select
import errno
import os
import socket
import struct
import sys
import threading

LOG_LOCK = threading.Lock()


def log(msg):
    with LOG_LOCK:
        print(msg, flush=True)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("client closed in the handshake")
        b += chunk
    return b


def abort(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


class Relay:
    """Two pumps; the sockets close when both directions ended."""

    def __init__(self, a, b, done):
        self.a, self.b, self.done = a, b, done
        self.left = 2
        self.lock = threading.Lock()
        self.reset = False

    def pump(self, src, dst):
        try:
            while True:
                data = src.recv(262144)
                if not data:
                    break
                dst.sendall(data)
            with self.lock:
                if not self.reset:
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
        except OSError:
            with self.lock:
                first = not self.reset
                self.reset = True
            if first:
                # Wakes the other pump's recv without sending anything (no FIN).
                for s in (self.a, self.b):
                    try:
                        s.shutdown(socket.SHUT_RD)
                    except OSError:
                        pass
        self.finish()

    def finish(self):
        with self.lock:
            self.left -= 1
            last = self.left == 0
        if not last:
            return
        if self.reset:
            abort(self.a)
            abort(self.b)
        else:
            self.a.close()
            self.b.close()
        self.done()


REPLY_FORMS = ("ipv4", "domain", "ipv6")


def reply(c, rep, form, port):
    if form == "domain":
        name = b"proxy.test"
        bound = bytes([3, len(name)]) + name
    elif form == "ipv6":
        bound = bytes([4]) + bytes(16)
    else:
        bound = bytes([1, 198, 18, 0, 2])
    c.sendall(bytes([5, rep, 0]) + bound + struct.pack("!H", port))


def rep_of(e):
    code = getattr(e, "errno", None)
    if code == errno.ECONNREFUSED:
        return 5
    if code == errno.ENETUNREACH:
        return 3
    if code in (errno.EHOSTUNREACH, errno.ETIMEDOUT) or isinstance(e, socket.timeout):
        return 4
    return 1


def udp_header(host, port, frag=0):
    if ":" in host:
        return bytes([0, 0, frag, 4]) + socket.inet_pton(socket.AF_INET6, host) + struct.pack("!H", port)
    return bytes([0, 0, frag, 1]) + socket.inet_aton(host) + struct.pack("!H", port)


def udp_associate(c, args):
    """Relays datagrams until the control connection closes (or --udp-idle passes)."""
    fam = c.family
    here = c.getsockname()[0]
    client_ip = c.getpeername()[0]
    relay = socket.socket(fam, socket.SOCK_DGRAM)
    relay.bind((here, 0))
    rport = relay.getsockname()[1]
    out4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out4.bind((args.source or "0.0.0.0", 0))
    out6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    out6.bind(("::", 0))
    if fam == socket.AF_INET6:
        c.sendall(bytes([5, 0, 0, 4]) + socket.inet_pton(socket.AF_INET6, here) + struct.pack("!H", rport))
    else:
        c.sendall(bytes([5, 0, 0, 1]) + socket.inet_aton(here) + struct.pack("!H", rport))
    log("UDP ASSOCIATE relay %s:%d" % (here, rport))
    client = None
    c.settimeout(None)
    try:
        while True:
            ready, _, _ = select.select([c, relay, out4, out6], [], [], args.udp_idle)
            if not ready:
                log("UDP ASSOCIATE idle")
                return
            if c in ready and not c.recv(4096):
                log("UDP ASSOCIATE closed")
                return
            if relay in ready:
                d, a = relay.recvfrom(65535)
                if a[0] != client_ip or len(d) < 10 or d[2] != 0:
                    continue  # RFC 1928: from the client only; no reassembly here
                if d[3] == 1:
                    host, at = socket.inet_ntoa(d[4:8]), 8
                elif d[3] == 4:
                    host, at = socket.inet_ntop(socket.AF_INET6, d[4:20]), 20
                else:
                    continue
                (port,) = struct.unpack("!H", d[at:at + 2])
                client = a
                log("UDP OUT %s:%d %d" % (host, port, len(d) - at - 2))
                (out6 if ":" in host else out4).sendto(d[at + 2:], (host, port))
            for o in (out4, out6):
                if o in ready and client:
                    d, a = o.recvfrom(65535)
                    frag = 1 if a[1] == args.udp_frag_port else 0
                    port = a[1] + 1 if a[1] == args.udp_spoof_port else a[1]
                    log("UDP IN %s:%d %d" % (a[0], a[1], len(d)))
                    relay.sendto(udp_header(a[0], port, frag) + d, client)
    except OSError:
        pass
    finally:
        for s in (relay, out4, out6):
            s.close()


def serve_client(c, args, n, done):
    form = REPLY_FORMS[n % 3]
    try:
        c.settimeout(args.handshake_timeout)
        ver, nmethods = recv_exact(c, 2)
        methods = recv_exact(c, nmethods)
        if ver != 5:
            raise EOFError("not SOCKS5")
        want = 2 if args.user else 0
        if want not in methods:
            c.sendall(b"\x05\xff")
            raise EOFError("no acceptable method")
        c.sendall(bytes([5, want]))
        if want == 2:
            _, ulen = recv_exact(c, 2)
            user = recv_exact(c, ulen)
            (plen,) = recv_exact(c, 1)
            pw = recv_exact(c, plen)
            ok = user == args.user.encode() and pw == args.password.encode()
            c.sendall(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                log("AUTH failed for %r" % user)
                raise EOFError("bad credentials")
        ver, cmd, _, atyp = recv_exact(c, 4)
        if atyp == 1:
            host = socket.inet_ntoa(recv_exact(c, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16))
        elif atyp == 3:
            (ln,) = recv_exact(c, 1)
            host = recv_exact(c, ln).decode("ascii", "replace")
        else:
            reply(c, 8, "ipv4", 0)
            raise EOFError("address type %d" % atyp)
        (port,) = struct.unpack("!H", recv_exact(c, 2))
        if ver == 5 and cmd == 3 and not args.udp_refuse:
            udp_associate(c, args)
            c.close()
            done()
            return
        if ver != 5 or cmd != 1:
            log("REFUSED command %d" % cmd)
            reply(c, 7, "ipv4", 0)
            raise EOFError("command %d" % cmd)
        if port == args.stall_port:
            # A proxy whose own connect never ends: no reply until the client gives up.
            log("STALL %s:%d" % (host, port))
            c.settimeout(args.handshake_timeout)
            try:
                while c.recv(4096):
                    pass
            except OSError:
                pass
            raise EOFError("stalled")
        out = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            if args.source and ":" not in host:
                out.bind((args.source, 0))
            out.settimeout(args.handshake_timeout)
            out.connect((host, port))
        except OSError as e:
            out.close()
            rep = rep_of(e)
            log("CONNECT %s:%d rep=%d" % (host, port, rep))
            reply(c, rep, form, 0)
            raise EOFError("connect failed")
        log("CONNECT %s:%d rep=0 form=%s" % (host, port, form))
        reply(c, 0, form, out.getsockname()[1])
        c.settimeout(None)
        out.settimeout(None)
        out.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        r = Relay(c, out, done)
        threading.Thread(target=r.pump, args=(c, out), daemon=True).start()
        threading.Thread(target=r.pump, args=(out, c), daemon=True).start()
        return
    except (OSError, EOFError, ValueError):
        c.close()
    done()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, help="ADDR:PORT")
    ap.add_argument("--source", default="", help="the outbound connections' source address")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    ap.add_argument("--max-clients", type=int, default=256)
    ap.add_argument("--handshake-timeout", type=float, default=10.0)
    ap.add_argument("--lifetime", type=float, default=600.0)
    ap.add_argument("--stall-port", type=int, default=0, help="CONNECTs to it get no reply")
    ap.add_argument("--udp-refuse", action="store_true", help="UDP ASSOCIATE gets reply 7")
    ap.add_argument("--udp-idle", type=float, default=60.0, help="an association's idle limit")
    ap.add_argument("--udp-frag-port", type=int, default=0, help="its replies get FRAG 1")
    ap.add_argument("--udp-spoof-port", type=int, default=0, help="its replies name port+1")
    args = ap.parse_args()
    addr, port = args.listen.rsplit(":", 1)
    addr = addr.strip("[]")
    ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(512)
    slots = threading.BoundedSemaphore(args.max_clients)
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    log("listening on %s" % args.listen)
    n = 0
    while True:
        c, _ = ls.accept()
        if not slots.acquire(blocking=False):
            log("FULL: client closed")
            c.close()
            continue
        n += 1
        threading.Thread(target=serve_client, args=(c, args, n, slots.release), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
