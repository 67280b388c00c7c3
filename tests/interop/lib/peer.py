# SPDX-License-Identifier: MIT
"""The Linux kernel's side of the interop tests: small TCP clients and servers on ordinary
sockets, bounded in count and time.

  peer.py clients HOST PORT N MODE   N connections one after the other; MODE
      echo   send a line, read it back, close first (the kernel holds TIME-WAIT)
      http   GET / with "Connection: close", read to EOF (the server closes first)
  peer.py server PORT N MODE [BIND]  accept N connections one after the other on BIND
                                     (default 0.0.0.0; "::" for IPv6); MODE
      sink   read to EOF, then close (the client closed first)
      greet  send a line and close at once (the kernel closes first)
      hold   keep one connection open until the peer goes or 60 s pass
  (PEER_THREADS=1: the server serves each connection in its own thread; PEER_TIMEOUT: a
  client's wait for each step of a connection, 5 s by default)
Prints one summary line; exits 1 when a connection failed.
"""
import os
import socket
import sys
import threading
import time

DEADLINE = time.monotonic() + 120  # no test step runs longer
# Seconds a client waits for each step of one connection (PEER_TIMEOUT): under injected
# loss a SYN and then data lost in a row cost 1 s + 3 s of retransmission timeouts and more.
CONN_TIMEOUT = float(os.environ.get("PEER_TIMEOUT", "5"))


def left():
    return max(0.1, DEADLINE - time.monotonic())


def clients(host, port, n, mode):
    ok = 0
    for i in range(n):
        try:
            with socket.create_connection((host, port), timeout=min(CONN_TIMEOUT, left())) as s:
                if mode == "echo":
                    line = b"hello %d\n" % i
                    s.sendall(line)
                    got = b""
                    while len(got) < len(line):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        got += chunk
                    if got != line:
                        raise RuntimeError("echo mismatch: %r" % got)
                else:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: synack\r\nConnection: close\r\n\r\n")
                    got = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        got += chunk
                    if not got.startswith(b"HTTP/1.1 200 "):
                        raise RuntimeError("bad response: %r" % got[:40])
            ok += 1
        except (OSError, RuntimeError) as e:
            print("connection %d failed: %s" % (i, e), file=sys.stderr)
    print("clients: %d of %d ok" % (ok, n))
    return 0 if ok == n else 1


def server(port, n, mode, bind="0.0.0.0"):
    ls = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, port))
    ls.listen(128)
    print("listening", flush=True)
    done = []  # one True per connection served well (list.append is atomic)

    def serve_one(c, i):
        with c:
            c.settimeout(min(60, left()))
            try:
                if mode == "sink":
                    while c.recv(65536):
                        pass
                elif mode == "greet":
                    c.sendall(b"hello %d\n" % i)
                else:  # hold: until the peer closes or resets, or the time is up
                    while c.recv(65536):
                        pass
                done.append(True)
            except OSError as e:
                print("connection %d: %s" % (i, e), file=sys.stderr)
                if mode == "hold":
                    done.append(True)

    # PEER_THREADS=1: each connection in its own thread, so one slowed by loss does not hold
    # up those behind it (at most N threads, each bounded by the deadline).
    threads = []
    for i in range(n):
        ls.settimeout(left())
        try:
            c, _ = ls.accept()
        except OSError as e:
            print("accept %d failed: %s" % (i, e), file=sys.stderr)
            break
        if os.environ.get("PEER_THREADS") == "1":
            threads.append(threading.Thread(target=serve_one, args=(c, i)))
            threads[-1].start()
        else:
            serve_one(c, i)
    for t in threads:
        t.join(left())
    ok = len(done)
    print("server: %d of %d ok" % (ok, n), flush=True)
    return 0 if ok == n else 1


def main(argv):
    if len(argv) == 5 and argv[0] == "clients":
        return clients(argv[1], int(argv[2]), int(argv[3]), argv[4])
    if len(argv) in (4, 5) and argv[0] == "server":
        return server(int(argv[1]), int(argv[2]), argv[3], *argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
