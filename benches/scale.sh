#!/usr/bin/env bash
# The daemon at scale, side by side with keepalived: two hosts on a bridge,
# 255 VRRPv3 instances each (VRIDs 1..255, one VIP each from 198.18.0.0/15),
# advert_int 0.1 s, master priority 150, backup 100. For each daemon: start
# both hosts, wait until the master holds all 255 VIPs, then measure CPU
# seconds (utime+stime from /proc/PID/stat) over 20 s and peak RSS (VmHWM)
# on both hosts. Then failover latency at advert_int 0.01 s, FAILOVER_RUNS
# times (default 5): SIGKILL the master and time until the backup holds the
# VIP, from the kill and from the master's last advert as the backup's
# tcpdump saw it.
#
# Usage (root): [OURS=BINARY] [FAILOVER_RUNS=N] benches/scale.sh [SECONDS]
#
# VLANS mode (benches/scale-vlans.sh says what it measures): thousands of
# instances, 255 on each of N 802.1Q VLANs, at advert_int ADVERT_INT (1):
#   [ADVERT_INT=0.1] [OUT=DIR] VLANS="1 4 16" benches/scale.sh [SECONDS]
# prints a table by size and, last, one machine-readable line:
#   scale: instances=... master_cpu_ratio=... backup_cpu_ratio=... rss_kib=...
#          keepalived_child_rss_kib=... reload_gap_ms=... failover_gap_ms=...
# and draws the cost curve into OUT (default $CARGO_TARGET_DIR/scale).
# SCALE_PREFIX names the namespaces (default vscale, then the PID).
# DAEMONS=ours skips keepalived (minutes at 4,080 instances); START_TIMEOUT
# (600 s) bounds the wait for every VIP; KEEP=1 keeps logs and captures.
#
# Needs: keepalived, iproute2, tcpdump; nftables (nft) for the VLANS mode; gnuplot (gnuplot-nox) for
# the VLANS mode's picture.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED=${1:-20}
INSTANCES=${INSTANCES:-255}
FAILOVER_RUNS=${FAILOVER_RUNS:-5}
PREFIX="${SCALE_PREFIX:-vscale}-$$"
WORK=$(mktemp -d /tmp/vrrp-scale.XXXXXX)
HZ=$(getconf CLK_TCK)

[ "$(id -u)" = 0 ] || { echo "benches/scale.sh needs root (network namespaces)"; exit 2; }
command -v keepalived >/dev/null || { echo "needs keepalived (apt-get install keepalived)"; exit 2; }
command -v tcpdump >/dev/null || { echo "needs tcpdump (apt-get install tcpdump)"; exit 2; }

cleanup() {
    for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX-" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    # KEEP=1 keeps the logs, configurations and captures.
    if [ -n "${KEEP:-}" ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

# The daemon measured: OURS, or this tree's built (benches/ours.sh).
. benches/ours.sh

lab() {
    cleanup_ns() { for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX-" || true); do ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true; ip netns del "$ns"; done; }
    cleanup_ns
    ip netns add "$PREFIX-br"
    ip -n "$PREFIX-br" link add br0 type bridge
    ip -n "$PREFIX-br" link set br0 up
    local i=1
    for h in a b; do
        ip netns add "$PREFIX-$h"
        ip link add eth0 netns "$PREFIX-$h" type veth peer name "$h" netns "$PREFIX-br"
        ip -n "$PREFIX-br" link set dev "$h" master br0
        ip -n "$PREFIX-br" link set dev "$h" up
        ip -n "$PREFIX-$h" link set lo up
        ip -n "$PREFIX-$h" addr add "192.0.2.$i/24" dev eth0
        ip -n "$PREFIX-$h" link set eth0 up
        i=$((i + 1))
    done
}

# config PRIORITY ADVERT_INT COUNT
config() {
    echo "global_defs { router_id scale }"
    for vrid in $(seq 1 "$3"); do
        local n=$((vrid - 1))
        cat <<CONF
vrrp_instance VI_$vrid {
    interface eth0
    version 3
    virtual_router_id $vrid
    priority $1
    advert_int $2
    virtual_ipaddress {
        198.18.$((n / 250)).$((n % 250 + 1))/32
    }
}
CONF
    done
}

# start DAEMON HOST CONFIG -> prints pid
start() {
    local daemon=$1 host=$2 conf=$3
    if [ "$daemon" = ours ]; then
        ip netns exec "$PREFIX-$host" "$OURS" -n -f "$conf" >"$WORK/$host.log" 2>&1 &
    else
        # Fresh pid files every run: keepalived refuses to start over a stale one.
        local run=$RANDOM$RANDOM
        ip netns exec "$PREFIX-$host" keepalived -n -l -P -f "$conf" \
            -p "$WORK/$host-$run.pid" -r "$WORK/$host-$run-vrrp.pid" >"$WORK/$host.log" 2>&1 &
    fi
    echo $!
}

# The process doing the VRRP work: keepalived forks a VRRP child.
vrrp_pid() {
    local daemon=$1 pid=$2
    if [ "$daemon" = ours ]; then echo "$pid"; return; fi
    for _ in $(seq 50); do
        local child; child=$(pgrep -x -P "$pid" keepalived | head -1 || true)
        [ -n "$child" ] && { echo "$child"; return; }
        sleep 0.1
    done
    echo "$pid"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Peak RSS of a process and its children (keepalived's parent and VRRP child).
rss_kb() { local total=0; for p in "$@"; do total=$((total + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo $total; }
vip_count() { ip -n "$PREFIX-$1" -o addr show dev eth0 | grep -c ' 198\.18\.' || true; }

measure() {
    local daemon=$1
    lab
    config 150 0.1 "$INSTANCES" >"$WORK/master.conf"
    config 100 0.1 "$INSTANCES" >"$WORK/backup.conf"
    local pa pb
    pa=$(start "$daemon" a "$WORK/master.conf")
    pb=$(start "$daemon" b "$WORK/backup.conf")
    # keepalived starts 255 instances slowly under load: allow a minute.
    for _ in $(seq 600); do
        [ "$(vip_count a)" = "$INSTANCES" ] && [ "$(vip_count b)" = 0 ] && break
        sleep 0.1
    done
    [ "$(vip_count a)" = "$INSTANCES" ] || { echo "$daemon: master holds $(vip_count a)/$INSTANCES VIPs; logs in $WORK" >&2; tail -5 "$WORK/a.log" >&2; exit 1; }
    sleep 2 # past the GARP bursts
    local va vb
    va=$(vrrp_pid "$daemon" "$pa"); vb=$(vrrp_pid "$daemon" "$pb")
    local a0 b0 a1 b1
    a0=$(cpu_ticks "$va"); b0=$(cpu_ticks "$vb")
    sleep "$SECONDS_MEASURED"
    a1=$(cpu_ticks "$va"); b1=$(cpu_ticks "$vb")
    local rss_a rss_b
    # Ours is one process; keepalived is a parent plus its VRRP child: both count.
    if [ "$daemon" = ours ]; then rss_a=$(rss_kb "$va"); rss_b=$(rss_kb "$vb");
    else rss_a=$(rss_kb "$pa" "$va"); rss_b=$(rss_kb "$pb" "$vb");
        echo "keepalived VRRP child alone: RSS $(rss_kb "$va") / $(rss_kb "$vb") KiB" >&2; fi
    if [ "$(vip_count a)" != "$INSTANCES" ] || [ "$(vip_count b)" != 0 ]; then echo "$daemon: mastership moved during the measurement" >&2; exit 1; fi
    kill -TERM "$pa" "$pb" 2>/dev/null || true
    wait "$pa" "$pb" 2>/dev/null || true
    echo "$daemon: master $((a1 - a0)) ticks, backup $((b1 - b0)) ticks, RSS $rss_a / $rss_b KiB" >&2
    echo "$daemon $(awk -v t=$((a1 - a0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz}') $(awk -v t=$((b1 - b0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz}') $rss_a $rss_b"
}

failover() {
    local daemon=$1
    lab
    config 150 0.01 1 >"$WORK/master.conf"
    config 100 0.01 1 >"$WORK/backup.conf"
    local pa pb
    pa=$(start "$daemon" a "$WORK/master.conf")
    pb=$(start "$daemon" b "$WORK/backup.conf")
    for _ in $(seq 100); do [ "$(vip_count a)" = 1 ] && [ "$(vip_count b)" = 0 ] && break; sleep 0.05; done
    sleep 1
    # The kernel's own timestamp of the VIP appearing on B, not a polling loop.
    ip -n "$PREFIX-b" -ts monitor address >"$WORK/monitor.txt" 2>&1 &
    local monitor=$!
    # The master's adverts as B receives them (-Z root: $WORK is root's).
    ip netns exec "$PREFIX-b" tcpdump -Z root -n -tt -U -i eth0 -w "$WORK/adverts.pcap" ip proto 112 2>/dev/null &
    local capture=$!
    sleep 1
    local victim; victim=$(vrrp_pid "$daemon" "$pa")
    local t0; t0=$(date +%s%N)
    kill -9 "$victim" "$pa" 2>/dev/null || true
    local t1=""
    for _ in $(seq 500); do
        t1=$(awk '/ 198\.18\./ && !/Deleted/ { gsub(/[\[\]]/, "", $1); sub("T", " ", $1); print $1; exit }' "$WORK/monitor.txt")
        [ -n "$t1" ] && break
        sleep 0.01
    done
    kill "$monitor" 2>/dev/null || true
    sleep 0.2
    kill "$capture" 2>/dev/null || true
    wait "$capture" 2>/dev/null || true
    kill -TERM "$pb" 2>/dev/null || true
    wait "$pb" 2>/dev/null || true
    [ -n "$t1" ] || { echo "$daemon: no failover within 5 s; logs in $WORK" >&2; exit 1; }
    local last
    last=$(tcpdump -n -tt -r "$WORK/adverts.pcap" 2>/dev/null | awk '$3 == "192.0.2.1" { t = $1 } END { print t }')
    [ -n "$last" ] || { echo "$daemon: no advert from the master captured; logs in $WORK" >&2; exit 1; }
    local vip; vip=$(date -d "$t1" +%s.%N)
    # "from the kill/from the last advert", in ms.
    awk -v d=$(( $(date -d "$t1" +%s%N) - t0 )) -v a="$last" -v v="$vip" 'BEGIN{printf "%.1f/%.1f", d/1e6, (v - a) * 1000}'
}

if [ -n "${VLANS:-}" ]; then
    # shellcheck source=benches/scale-vlans.sh
    . benches/scale-vlans.sh
    vlans_main
    exit
fi

echo "measuring $INSTANCES instances at advert_int 0.1 for ${SECONDS_MEASURED}s each (ours, then keepalived)..." >&2
read -r _ ours_a ours_b ours_ra ours_rb < <(measure ours)
read -r _ ka_a ka_b ka_ra ka_rb < <(measure keepalived)
echo "failover at advert_int 0.01, $FAILOVER_RUNS runs each (SIGKILL the master, watch the backup's addresses)..." >&2
fo_ours=(); fo_ka=()
for _ in $(seq "$FAILOVER_RUNS"); do fo_ours+=("$(failover ours)"); fo_ka+=("$(failover keepalived)"); done
# median FIELD RUNS...: the median of field 1 (from the kill) or 2 (from the last advert).
median() { local f=$1; shift; printf '%s\n' "$@" | cut -d/ -f"$f" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.2f", a/b }'; }
echo
echo "scale: $INSTANCES VRRPv3 instances, advert_int 0.1 s, ${SECONDS_MEASURED} s; $(date -u +%F) on $(nproc) cores, $(uname -r)"
printf '%-28s %12s %12s %8s\n' "" "ours" "keepalived" "ratio"
printf '%-28s %12s %12s %8s\n' "master CPU s / ${SECONDS_MEASURED} s" "$ours_a" "$ka_a" "$(ratio "$ours_a" "$ka_a")"
printf '%-28s %12s %12s %8s\n' "backup CPU s / ${SECONDS_MEASURED} s" "$ours_b" "$ka_b" "$(ratio "$ours_b" "$ka_b")"
printf '%-28s %12s %12s %8s\n' "master peak RSS KiB" "$ours_ra" "$ka_ra" "$(ratio "$ours_ra" "$ka_ra")"
printf '%-28s %12s %12s %8s\n' "backup peak RSS KiB" "$ours_rb" "$ka_rb" "$(ratio "$ours_rb" "$ka_rb")"
printf '%-28s %12s %12s\n' "failover ms from SIGKILL" "$(median 1 "${fo_ours[@]}")" "$(median 1 "${fo_ka[@]}")"
printf '%-28s %12s %12s\n' "failover ms from last advert" "$(median 2 "${fo_ours[@]}")" "$(median 2 "${fo_ka[@]}")"
echo "failover at advert_int 0.01 s, medians of $FAILOVER_RUNS runs, to the VIP appearing on the backup (ip -ts monitor);"
echo "RFC bound from the master's last advert: 3 x 10 ms + 6.1 ms skew = 36.1 ms (the kill lands 0-10 ms after it)."
echo "every run, from the kill/from the last advert: ours ${fo_ours[*]}; keepalived ${fo_ka[*]}"
