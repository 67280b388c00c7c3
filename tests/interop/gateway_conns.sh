#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` under many connections (issue 15): 1,000 connections from the container,
# 200 at a time, each sending 64 bytes and reading the 64-byte reply from a host server;
# every one must succeed, and afterwards the gateway holds no relay and no host socket.
# With --max-conns 100, half the SYNs of each wave wait held for a relay to end (none is
# refused).
source "$(dirname "$0")/lib/gateway.bash"
require python3

gw_setup
hbg echo python3 -c '
import asyncio, sys
async def serve(r, w):
    w.write(await r.readexactly(64)); await w.drain(); w.close()
async def main():
    s = await asyncio.start_server(serve, sys.argv[1], 7300, backlog=1024)
    print("up", flush=True)
    await s.serve_forever()
asyncio.run(main())' "$SERVER"
wait_for "$WORK/echo.out" up
gw_start --max-conns 100
base=$(gw_fds)

cx timeout 100 python3 - "$SERVER" <<'PY' || fail "1000 connections"
import asyncio, os, sys, time
async def one(i, sem, stats):
    async with sem:
        r, w = await asyncio.wait_for(asyncio.open_connection(sys.argv[1], 7300), 30)
        msg = (b"%063d\n" % i)
        w.write(msg)
        got = await asyncio.wait_for(r.readexactly(64), 30)
        assert got == msg, (i, got)
        w.close()
        await w.wait_closed()
        stats.append(i)
async def main():
    sem = asyncio.Semaphore(200)
    stats = []
    t = time.monotonic()
    res = await asyncio.gather(*(one(i, sem, stats) for i in range(1000)), return_exceptions=True)
    bad = [r for r in res if r is not None]
    assert not bad, "%d failed, first: %r" % (len(bad), bad[0])
    print("1000 connections in %.1f s" % (time.monotonic() - t))
asyncio.run(main())
PY
log "1000 connections, 200 at a time, all echoed"

# The relays are gone once both FINs passed; give the last round a moment.
for _ in $(seq 1 50); do
    [ "$(gw_fds)" -le "$base" ] && break
    sleep 0.1
done
[ "$(gw_fds)" -le "$base" ] || fail "$(gw_fds) fds after the run (base $base)"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(gw_summary)"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["accepted"] == 1000 and s["finished"] == 1000 and s["open"] == 0, s
assert s["limit_refused"] == 0 and s["deferred"] > 0 and s["fds_peak"] <= 100, s
assert s["up_bytes"] == 64000 and s["down_bytes"] == 64000, s
PY
log "gateway summary: $(gw_summary)"
