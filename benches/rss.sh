#!/usr/bin/env bash
# The daemon's memory at scale, and over reloads: one master host with N
# veth links ("VLANs", benches/scale.sh's VLANS layout and configuration:
# 255 VRRPv3 instances on each, one VIP each, advert_int 1) to an idle peer.
# After every VIP is held: VmHWM (peak RSS), VmRSS and its anonymous and
# file-backed parts (/proc/PID/status); then after each of RELOADS SIGHUPs
# (default 20; lines after 1, 5, 10, 20). keepalived is not run: the
# comparison is benches/scale.sh's.
#
# Usage (root): [OURS=BINARY] [RELOADS=N] benches/rss.sh [VLANS]   (default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-16}
RELOADS=${RELOADS:-20}
PREFIX="vrss-$$"
WORK=$(mktemp -d /tmp/vrrp-rss.XXXXXX)
[ "$(id -u)" = 0 ] || { echo "benches/rss.sh needs root (network namespaces)"; exit 2; }
pid=""
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$PREFIX-a" 2>/dev/null || true
    ip netns del "$PREFIX-b" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
# The daemon measured: OURS, or this tree's built (benches/ours.sh).
. benches/ours.sh

ip netns add "$PREFIX-a"
ip netns add "$PREFIX-b"
ip -n "$PREFIX-a" link set lo up
for v in $(seq 1 "$N"); do
    dev="eth0.$((100 + v))"
    ip link add "$dev" netns "$PREFIX-a" type veth peer name "$dev" netns "$PREFIX-b"
    ip -n "$PREFIX-a" addr add "192.0.2.$((8 + 2 * v))/24" dev "$dev" noprefixroute
    ip -n "$PREFIX-b" addr add "192.0.2.$((9 + 2 * v))/24" dev "$dev" noprefixroute
    ip -n "$PREFIX-a" link set "$dev" up
    ip -n "$PREFIX-b" link set "$dev" up
done
# The master's configuration as benches/scale-vlans.sh writes it.
ADVERT_INT=1
# shellcheck source=benches/scale-vlans.sh
source benches/scale-vlans.sh
vlan_config 150 "$N" >"$WORK/master.conf"
total=$((N * 255))

ip netns exec "$PREFIX-a" "$OURS" -n -f "$WORK/master.conf" >"$WORK/log" 2>&1 &
pid=$!
held() { ip -n "$PREFIX-a" -o addr show | grep -c ' 198\.1[89]\.' || true; }
for _ in $(seq 600); do [ "$(held)" = "$total" ] && break; sleep 0.1; done
[ "$(held)" = "$total" ] || { echo "the master holds $(held)/$total VIPs after 60 s" >&2; exit 1; }
sleep 3
memory() { awk '/^(VmHWM|VmRSS|RssAnon|RssFile):/ { printf "%s %s KiB  ", $1, $2 }' "/proc/$pid/status"; echo; }
echo "$total instances ($(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1 /proc/loadavg)), $OURS"
echo "started:          $(memory)"
for i in $(seq 1 "$RELOADS"); do
    kill -HUP "$pid"
    for _ in $(seq 200); do [ "$(grep -c ' reloaded' "$WORK/log")" -ge "$i" ] && break; sleep 0.05; done
    [ "$(grep -c ' reloaded' "$WORK/log")" -ge "$i" ] || { echo "reload $i: no 'reloaded' in 10 s" >&2; exit 1; }
    sleep 0.3
    case $i in 1 | 5 | 10 | 20 | "$RELOADS") printf 'after reload %-4s %s\n' "$i:" "$(memory)" ;; esac
done
