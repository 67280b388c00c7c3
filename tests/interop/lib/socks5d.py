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
import argparse
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
        if ver != 5 or cmd != 1:
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
    args = ap.parse_args()
    addr, port = args.listen.rsplit(":", 1)
    ls = socket.socket()
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
