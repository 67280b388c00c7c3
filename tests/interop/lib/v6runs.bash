# SPDX-License-Identifier: MIT
# The IPv6 runs against the kernel shared by ipv6_transfer.sh / ipv6_many_conns.sh (no
# faults) and ipv6_faults.sh (synack's fault injector on, through V6PEER_LOSS and
# V6PEER_REORDER in the environment). Needs lib/common.bash, lib/v6.bash, v6_setup_tap.

# 100 MiB; a sanitizer build (several times slower) moves 25 MiB, unless told otherwise.
[ "${SYNACK_SANITIZE:-0}" = 1 ] && V6_BYTES=${V6_BYTES:-26214400}
V6_BYTES=${V6_BYTES:-104857600}
export V6PEER_SECONDS=${V6PEER_SECONDS:-100}

# v6_faults_seen NAME: with faults on, v6peer's log NAME.out shows that its fault stage lost
# and reordered frames both ways; logs the retransmissions they caused.
v6_faults_seen() {
    [ -n "${V6PEER_LOSS:-}" ] || return 0
    local line
    line=$(grep "^faults:" "$WORK/$1.out") || fail "$1: no fault report"
    grep -Eq "^faults: tx lost [1-9][0-9]* reordered [1-9][0-9]*, rx lost [1-9][0-9]* reordered [1-9]" <<<"$line" ||
        fail "$1: the faults did not act both ways: $line"
    log "  $1 $line; RetransSegs $(out_value "$WORK/$1.out" RetransSegs), TCPTimeouts $(out_value "$WORK/$1.out" TCPTimeouts)"
}

v6_rate() {
    local ms=$(($(now_ms) - $2))
    [ "$ms" -gt 0 ] || ms=1
    log "$1: $V6_BYTES bytes in $ms ms = $((V6_BYTES * 8 / 1000 / ms)) Mbit/s, SHA-256 equal"
}

# v6_transfers: $V6_BYTES of random data by curl -6 from synack's HTTP responder, by socat
# to synack, and from synack to socat; each checked by SHA-256.
v6_transfers() {
    head -c "$V6_BYTES" /dev/urandom >"$WORK/data"
    local want got t
    want=$(sha_of "$WORK/data")

    # 1. curl -6 GET: the body is the file.
    v6peer_bg http serve 80 http 1 "$WORK/data"
    local pid=$BG_PID
    wait_for "$WORK/http.out" listening
    t=$(now_ms)
    got=$(nsx timeout 110 curl -6 -sS --fail "http://[$S6]/data" | sha256sum | cut -d' ' -f1) ||
        fail "curl -6: $(cat "$WORK/http.out" "$WORK/http.err")"
    wait_exit "$pid" 20 || fail "v6peer http: $(cat "$WORK/http.out" "$WORK/http.err")"
    [ "$got" = "$want" ] || fail "curl -6 got a body with another SHA-256"
    grep -q "^served 1 of 1 ok" "$WORK/http.out" || fail "v6peer http: $(cat "$WORK/http.out")"
    v6_rate "curl -6 from synack" "$t"
    v6_faults_seen http

    # 2. kernel -> synack: socat into v6peer's sink.
    v6peer_bg sink sink 8080 "$WORK/received"
    pid=$BG_PID
    wait_for "$WORK/sink.out" listening
    t=$(now_ms)
    nsx timeout 110 socat -u -T 60 "OPEN:$WORK/data" "TCP6:[$S6]:8080" ||
        fail "socat to synack: $(cat "$WORK/sink.out" "$WORK/sink.err")"
    wait_exit "$pid" 20 || fail "v6peer sink: $(cat "$WORK/sink.out" "$WORK/sink.err")"
    [ "$(sha_of "$WORK/received")" = "$want" ] ||
        fail "kernel -> synack: $(stat -c %s "$WORK/received") bytes with another SHA-256"
    grep -q "^received $V6_BYTES from \[$K6\]:" "$WORK/sink.out" || fail "$(cat "$WORK/sink.out")"
    rm -f "$WORK/received"
    v6_rate "kernel -> synack (socat)" "$t"
    v6_faults_seen sink

    # 3. synack -> kernel: v6peer sends to a socat listener.
    bg klisten timeout 110 socat -u -T 60 "TCP6-LISTEN:9090,bind=[$K6],reuseaddr" \
        "CREATE:$WORK/received"
    pid=$BG_PID
    k_wait_listen 9090
    t=$(now_ms)
    v6peer_run send send "$K6" 9090 "$WORK/data" ||
        fail "synack -> kernel: $(cat "$WORK/send.out" "$WORK/send.err")"
    wait_exit "$pid" 20 || fail "kernel socat listener: $(cat "$WORK/klisten.err")"
    [ "$(sha_of "$WORK/received")" = "$want" ] ||
        fail "synack -> kernel: $(stat -c %s "$WORK/received") bytes with another SHA-256"
    rm -f "$WORK/received"
    v6_rate "synack -> kernel (socat)" "$t"
    v6_faults_seen send
}

# k_clients NAME PORT N MODE: N connections by the kernel to [$S6]:PORT (peer.py clients),
# $V6_STREAMS of them at a time (each stream one after another); fails unless all went well.
k_clients() {
    local name=$1 port=$2 n=$3 mode=$4 k pids=()
    local per=$((n / V6_STREAMS))
    for k in $(seq 1 "$V6_STREAMS"); do
        [ "$k" = "$V6_STREAMS" ] && per=$((n - per * (V6_STREAMS - 1)))
        nsx timeout 110 python3 "$V6_PEER" clients "$S6" "$port" "$per" "$mode" \
            >"$WORK/$name.$k.out" 2>&1 &
        pids+=($!)
    done
    for k in "${!pids[@]}"; do
        wait "${pids[$k]}" || fail "kernel clients ($mode): $(tail -3 "$WORK/$name.$((k + 1)).out")"
    done
}

# v6_many_conns N [in|out]: N connections each way (in: only kernel -> synack; out: only
# synack -> kernel), TIME-WAIT on the side that closed first and only there (RFC 9293
# 3.6): the kernel's count from `ss -6`; on synack's side the state of each connection as
# the application closed it, and its table, which is empty again after 2*MSL. V6_STREAMS
# (default 1) connections run at a time, each stream sequential. A kernel TIME-WAIT may be
# recycled when synack reuses its port (RFC 6056 ports are random), so the kernel's
# counts are checked against 90%.
V6_STREAMS=${V6_STREAMS:-1}
V6_PEER="$(dirname "$0")/lib/peer.py"
v6_many_conns() {
    local n=$1 ways=${2:-both}
    export V6PEER_STREAMS=$V6_STREAMS PEER_THREADS=1
    # Under loss one connection may meet several backed-off timeouts in a row.
    if [ -n "${V6PEER_LOSS:-}" ]; then
        export PEER_TIMEOUT=30
    fi

    [ "$ways" = out ] || v6_conns_in "$n"
    [ "$ways" = in ] || v6_conns_out "$n"
    # A kernel LAST-ACK whose final ACK was lost ends when its FIN's retransmission is
    # answered from synack's TIME-WAIT (RFC 9293 3.10.7.4): under loss that takes a few
    # backed-off timeouts, so wait for it (bounded).
    local live _
    for _ in $(seq 1 150); do
        live=$(nsx ss -Htan state all exclude listening exclude time-wait | wc -l)
        [ "$live" = 0 ] && break
        sleep 0.1
    done
    [ "$live" = 0 ] || fail "the kernel has connections that are not TIME-WAIT: $(nsx ss -Htan state all exclude listening exclude time-wait | head)"
}

v6_conns_in() {
    local n=$1 msl=1000 t pid tw_k tw_s closed low=$(($1 * 9 / 10))
    # 1. kernel -> synack echo; the kernel closes first.
    v6peer_bg echo serve 7 echo "$n"
    pid=$BG_PID
    wait_for "$WORK/echo.out" listening
    t=$(now_ms)
    k_clients c1 7 "$n" echo
    wait_exit "$pid" 30 || fail "v6peer echo: $(tail -5 "$WORK/echo.out")"
    tw_k=$(k_tw6 7)
    closed=$(grep "^closed in TIME-WAIT" "$WORK/echo.out")
    log "kernel -> synack echo: $n connections in $(($(now_ms) - t)) ms; TIME-WAIT kernel $tw_k; synack $closed"
    grep -q "^served $n of $n ok" "$WORK/echo.out" || fail "v6peer echo: $(grep served "$WORK/echo.out")"
    [ "$tw_k" -ge "$low" ] || fail "the kernel holds $tw_k TIME-WAIT connections, not about $n"
    [ "$closed" = "closed in TIME-WAIT 0 of $n" ] || fail "synack: $closed, after passive closes"
    [ "$(out_value "$WORK/echo.out" time-wait)" = 0 ] || fail "synack's table holds TIME-WAIT"
    [ "$(out_value "$WORK/echo.out" PassiveOpens)" = "$n" ] || fail "PassiveOpens is not $n"
    v6_faults_seen echo

    # 2. kernel -> synack http with "Connection: close"; synack closes first. 2*MSL is 2 s:
    #    the table is empty again after it.
    echo "hello over IPv6" >"$WORK/page"
    V6PEER_MSL_MS=$msl V6PEER_HOLD_MS=$((2 * msl + 500)) v6peer_bg http serve 80 http "$n" "$WORK/page"
    pid=$BG_PID
    wait_for "$WORK/http.out" listening
    t=$(now_ms)
    k_clients c2 80 "$n" http
    tw_k=$(k_tw6 80)
    wait_exit "$pid" 30 || fail "v6peer http: $(tail -5 "$WORK/http.out")"
    tw_s=$(awk '$1 == "closed" {print $4}' "$WORK/http.out")
    log "kernel -> synack http: $n connections in $(($(now_ms) - t)) ms (2*MSL hold included); synack closed $tw_s in TIME-WAIT, kernel holds $tw_k"
    grep -q "^served $n of $n ok" "$WORK/http.out" || fail "v6peer http: $(grep served "$WORK/http.out")"
    [ "${tw_s:-0}" -ge "$low" ] || fail "synack: $(grep '^closed' "$WORK/http.out"), not about $n"
    [ "$tw_k" = 0 ] || fail "the kernel holds $tw_k TIME-WAIT connections to port 80"
    grep -q "^after hold: time-wait 0, other 0$" "$WORK/http.out" ||
        fail "after 2*MSL: $(grep 'after hold' "$WORK/http.out")"
    log "after 2*MSL synack's table holds only the listener"
    v6_faults_seen http

}

v6_conns_out() {
    local n=$1 t pid tw_k tw_s closed low=$(($1 * 9 / 10))
    # 3. synack -> kernel; synack sends a line and closes first. TIME-WAIT lasts 120 s here,
    #    so the table still holds every one at the end.
    bg ksink python3 "$V6_PEER" server 5002 "$n" sink ::
    pid=$BG_PID
    wait_for "$WORK/ksink.out" listening
    t=$(now_ms)
    V6PEER_MSL_MS=60000 v6peer_run c3 conns "$K6" 5002 "$n" close ||
        fail "synack conns (close): $(tail -5 "$WORK/c3.out")"
    wait_exit "$pid" 30 || fail "kernel sink: $(cat "$WORK/ksink.out" "$WORK/ksink.err")"
    tw_s=$(out_value "$WORK/c3.out" time-wait)
    tw_k=$(k_tw6 5002)
    log "synack -> kernel: $(grep 'connections to' "$WORK/c3.out") in $(($(now_ms) - t)) ms; TIME-WAIT synack $tw_s ($(grep '^closed' "$WORK/c3.out")), kernel $tw_k"
    [ "$tw_s" -ge "$low" ] || fail "synack holds $tw_s TIME-WAIT connections, not about $n"
    [ "$tw_k" = 0 ] || fail "the kernel holds $tw_k TIME-WAIT connections to port 5002"
    [ "$(out_value "$WORK/c3.out" ActiveOpens)" = "$n" ] || fail "ActiveOpens is not $n"
    v6_faults_seen c3

    # 4. synack -> kernel; the kernel greets and closes first.
    bg kgreet python3 "$V6_PEER" server 5003 "$n" greet ::
    pid=$BG_PID
    wait_for "$WORK/kgreet.out" listening
    t=$(now_ms)
    v6peer_run c4 conns "$K6" 5003 "$n" wait ||
        fail "synack conns (wait): $(tail -5 "$WORK/c4.out")"
    wait_exit "$pid" 30 || fail "kernel greeter: $(cat "$WORK/kgreet.out" "$WORK/kgreet.err")"
    closed=$(grep "^closed in TIME-WAIT" "$WORK/c4.out")
    tw_k=$(k_tw6 5003)
    log "synack -> kernel (kernel closes): $(grep 'connections to' "$WORK/c4.out") in $(($(now_ms) - t)) ms; TIME-WAIT kernel $tw_k; synack $closed"
    [ "$tw_k" -ge "$low" ] || fail "the kernel holds $tw_k TIME-WAIT connections, not about $n"
    [ "$closed" = "closed in TIME-WAIT 0 of $n" ] || fail "synack: $closed, after passive closes"
    [ "$(out_value "$WORK/c4.out" time-wait)" = 0 ] || fail "synack's table holds TIME-WAIT"
    v6_faults_seen c4
}
