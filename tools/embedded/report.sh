#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# After the bare-metal build (tools/embedded/CMakeLists.txt): checks that the firmware
# links with no heap, then prints what synack's core costs on a Cortex-M4 (text, data, bss
# of each core object the linker kept, per part and in total, from the linker map) beside
# the only lwIP figure measurable on this machine.
#   tools/embedded/report.sh BUILD_DIR
set -euo pipefail

dir=${1:?usage: report.sh BUILD_DIR}
prefix=${SYNACK_ARM_PREFIX:-arm-none-eabi-}
elf="$dir/bare_metal.elf"
map="$dir/bare_metal.map"
[ -f "$elf" ] && [ -f "$map" ] || { echo "report.sh: no $elf / $map (build first)" >&2; exit 1; }

# No heap: nothing in the firmware may reach malloc or the sbrk it would grow the heap with.
heap=$("${prefix}nm" "$elf" | awk '$3 ~ /^(_?malloc|_malloc_r|_?free|_free_r|_?calloc|_calloc_r|_?realloc|_realloc_r|_sbrk|_sbrk_r)$/ {print $3}' | sort -u | tr '\n' ' ')
if [ -n "$heap" ]; then
    echo "report.sh: FAIL: bare_metal.elf links the heap: $heap" >&2
    exit 1
fi

cc_version=$("${prefix}gcc" -dumpversion)
echo "synack core on a Cortex-M4: ${prefix}gcc $cc_version, -mthumb -mcpu=cortex-m4 -Os"
echo "-ffunction-sections -fdata-sections, newlib-nano + nosys, linked into bare_metal.elf"
echo "with --gc-sections (what a program that listens and answers a SYN keeps); no malloc."
echo

# Input sections of the memory map that came from libsynack_<part>.a(<object>): text is
# code and read-only data (flash), data is initialised data (flash and RAM), bss is RAM.
# (POSIX awk: no strtonum or asorti, so hex is converted by hand and sort(1) orders.)
awk '
function hex(s,   i, v) {
    s = tolower(substr(s, 3)); v = 0
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function add(sec, size, file,   part, obj, kind) {
    if (file !~ /libsynack_[a-z]+\.a\(/) return
    part = file; sub(/.*libsynack_/, "", part); sub(/\.a\(.*/, "", part)
    obj = file; sub(/.*\.a\(/, "", obj); sub(/\.obj\)$/, "", obj); sub(/\)$/, "", obj)
    if (sec ~ /^\.(text|rodata)/) kind = 1
    else if (sec ~ /^\.data/) kind = 2
    else if (sec ~ /^\.bss/ || sec == "COMMON") kind = 3
    else return
    key = part "/" obj; sz[key, kind] += hex(size); objs[key] = 1
}
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^ [.A-Z][^ ]*$/ { pending = $1; next }
/^ [.A-Z][^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($1, $3, $4); pending = ""; next }
pending != "" && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add(pending, $2, $3); pending = ""; next }
{ pending = "" }
END { for (k in objs) print k, sz[k, 1] + 0, sz[k, 2] + 0, sz[k, 3] + 0 }
' "$map" | sort >"$dir/core_sizes.txt"
[ -s "$dir/core_sizes.txt" ] || { echo "report.sh: FAIL: no libsynack object in $map" >&2; exit 1; }

awk '
BEGIN { printf "%-28s %7s %7s %7s\n", "object", "text", "data", "bss" }
{
    printf "%-28s %7d %7d %7d\n", $1, $2, $3, $4
    p = $1; sub(/\/.*/, "", p); t[p] += $2; d[p] += $3; b[p] += $4
}
END {
    printf "\n%-28s %7s %7s %7s\n", "part", "text", "data", "bss"
    n = split("tcp wire stack util", order, " ")
    for (i = 1; i <= n; i++) {
        p = order[i]
        printf "%-28s %7d %7d %7d\n", p, t[p], d[p], b[p]
        tt += t[p]; td += d[p]; tb += b[p]
    }
    printf "%-28s %7d %7d %7d\n", "core total", tt, td, tb
}' "$dir/core_sizes.txt"

read -r t d b _ < <("${prefix}size" "$elf" | awk 'NR == 2')
printf '%-28s %7d %7d %7d\n' "bare_metal.elf (all)" "$t" "$d" "$b"
echo "  (the core above, plus examples/bare_metal.c with its 24 KiB static arena in bss,"
echo "   libgcc and newlib-nano: memcpy, memset, startup code)"
if [ -f "$dir/libsynack.a" ]; then
    read -r t d b _ < <("${prefix}size" -t "$dir/libsynack.a" | awk 'END { print $1, $2, $3 }')
    printf '%-28s %7d %7d %7d\n' "libsynack.a (every object)" "$t" "$d" "$b"
    echo "  (the whole core archive before --gc-sections: event formatting, every socket call)"
fi
echo

# lwIP: no Cortex-M4 build of it exists on this machine, and none is made here.
lwip=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
    if [ -f "$d/liblwip.so" ]; then lwip="$d/liblwip.so"; break; fi
done
echo "lwIP, for comparison:"
if [ -n "$lwip" ] && command -v size >/dev/null; then
    read -r t d b _ < <(size "$lwip" | awk 'NR == 2')
    ver=$(dpkg-query -W -f '${Version}' liblwip-dev 2>/dev/null || echo "?")
    printf '%-28s %7d %7d %7d\n' "liblwip.so x86-64 (Debian)" "$t" "$d" "$b"
    echo "  ($lwip, liblwip-dev $ver:"
    echo "   x86-64 code, a shared library at -O2 with IPv6, UDP, DHCP, DNS, 6LoWPAN, the"
    echo "   netconn and sockets APIs and the OS port: not comparable with the figures above,"
    echo "   which are Thumb-2 at -Os after --gc-sections)"
else
    echo "  no liblwip.so here (Debian: liblwip-dev), nothing measured"
fi
echo "  A fair comparison builds lwIP for the same target with the same flags and options:"
echo "  arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -Os -ffunction-sections -fdata-sections,"
echo "  NO_SYS=1, an lwipopts.h with IPv4, ARP, ICMP and TCP only (LWIP_UDP, LWIP_IPV6,"
echo "  LWIP_DHCP, LWIP_DNS, LWIP_NETCONN and LWIP_SOCKET off), LWIP_WND_SCALE and"
echo "  LWIP_TCP_SACK_OUT on as synack has them, MEM_SIZE/MEMP_NUM_* sized like the arena; then"
echo "  the same program (listen, answer a SYN) linked with --gc-sections and measured the"
echo "  same way."
