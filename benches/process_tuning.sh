#!/usr/bin/env bash
# What `vrrp_rt_priority` and `vrrp_priority` buy under CPU load: one
# Master (VRRPv3, advert_int 0.05, pinned to CPU 0 by vrrp_cpu_affinity)
# in a namespace of its own, LOAD busy loops at nice -10 on CPU 0, and the
# gaps between its adverts over SECS seconds (tcpdump on the veth's far end):
# how many exceed 60 ms, and the largest, for SCHED_OTHER at nice 0,
# `vrrp_priority -20` and `vrrp_rt_priority 20`.
#
# Usage (root): [OURS=BINARY] [LOAD=4] [SECS=8] benches/process_tuning.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD=${LOAD:-4}
SECS=${SECS:-8}
NS="vtune-$$"
WORK=$(mktemp -d /tmp/vrrp-tune.XXXXXX)
[ "$(id -u)" = 0 ] || { echo "benches/process_tuning.sh needs root (network namespaces)"; exit 2; }
pid=""
hogs=""
cleanup() {
    [ -n "$hogs" ] && kill $hogs 2>/dev/null
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
# The daemon measured: OURS, or this tree's built (benches/ours.sh).
. benches/ours.sh
run() {
    local label=$1 extra=$2
    ip netns add "$NS"
    ip -n "$NS" link add vt0 type veth peer name vt1
    ip -n "$NS" link set vt0 up
    ip -n "$NS" link set vt1 up
    ip -n "$NS" addr add 192.0.2.1/24 dev vt0
    cat > "$WORK/d.conf" <<CONF
global_defs {
    vrrp_cpu_affinity 0
$extra
}
vrrp_instance V {
    interface vt0
    state MASTER
    virtual_router_id 51
    priority 150
    version 3
    advert_int 0.05
    virtual_ipaddress { 192.0.2.100/24 }
}
CONF
    ip netns exec "$NS" "$OURS" -f "$WORK/d.conf" --status-file "$WORK/st.json" > "$WORK/d.log" 2>&1 &
    pid=$!
    sleep 1
    hogs=""
    for _ in $(seq "$LOAD"); do
        nice -n -10 taskset -c 0 sh -c 'while :; do :; done' &
        hogs="$hogs $!"
    done
    ip netns exec "$NS" timeout "$SECS" tcpdump -i vt1 -tt -n -l 'ip proto 112' 2>/dev/null > "$WORK/cap.txt" || true
    kill $hogs; hogs=""
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    ip netns del "$NS"
    awk -v L="$label" '/^[0-9]/ { t = $1; if (p) { g = (t - p) * 1000; n++; if (g > m) m = g; if (g > 60) late++ } p = t }
        END { printf "%-22s adverts %4d  gaps > 60 ms %4d  largest %6.1f ms\n", L, n + 1, late, m }' "$WORK/cap.txt"
}
run "SCHED_OTHER, nice 0" ""
run "vrrp_priority -20" "    vrrp_priority -20"
run "vrrp_rt_priority 20" "    vrrp_rt_priority 20"
