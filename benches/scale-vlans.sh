# shellcheck shell=bash
# benches/scale.sh's VLANS mode, sourced by it (it defines lab, start,
# vrrp_pid, cpu_ticks, rss_kb, PREFIX, WORK, HZ, OURS, SECONDS_MEASURED).
#
# VLANS="1 4 16" (one or more counts): for each count N, N 802.1Q
# subinterfaces eth0.101.. on each host's link (veth pairs where the kernel
# has no 802.1Q: see vlan_lab), VRIDs 1..255 on each (N x 255
# VRRPv3 instances, one VIP each from 198.18.0.0/15), master priority 150,
# backup 100, advert_int $ADVERT_INT (default 1). Ours, then keepalived, on
# fresh namespaces; for each:
#   start     time from starting both daemons until the master holds every
#             VIP and the backup none;
#   CPU       utime+stime over SECONDS_MEASURED s on each host (keepalived:
#             its VRRP child process, where the work is; the parent idles);
#   RSS       peak RSS (VmHWM) of the master, before and after a reload
#             (keepalived: the VRRP child alone);
#   reload    SIGHUP to the master: the time until it says it is done (its
#             log, stamped as read) and the largest gap between two adverts
#             of one instance, from a capture on the backup;
#   failover1 one instance's adverts dropped on the backup (tc ingress
#             filter) while the rest run: time from the master's last
#             advert of that instance to its VIP on the backup (RFC:
#             3 x advert_int + skew = 3.609 x advert_int);
#   mass      SIGKILL the master: time until the backup holds every VIP,
#             and the largest gap between two of the backup's adverts of
#             one instance in the 8 s after (GARPs for all VIPs go out too).
# The target for both gaps: one advert_int + 10 ms.
# Results go to $OUT (default: $CARGO_TARGET_DIR/scale or target/scale):
# scale-vlans-int$ADVERT_INT.dat and .png (the cost curve, with gnuplot).

ADVERT_INT=${ADVERT_INT:-1}
# A failed `ip` inside $(vlan_measure ...) must stop the run too.
shopt -s inherit_errexit
OUT=${OUT:-${CARGO_TARGET_DIR:-target}/scale}

command -v nft >/dev/null || { echo "the VLANS mode needs nft (apt-get install nftables)"; exit 2; }
command -v gnuplot >/dev/null || echo "gnuplot missing (apt-get install -y gnuplot-nox): no PNG, numbers only" >&2

# vlan_lab N: the two hosts of `lab`, plus N VLANs on each, eth0.101 ..,
# addresses 192.0.2.(8 + 2v) on A and 192.0.2.(9 + 2v) on B (even: A, odd:
# B). 802.1Q subinterfaces of eth0 where the kernel has them; a kernel built
# without CONFIG_VLAN_8021Q (this lab VM's) gets one veth pair per VLAN
# between A and B instead, named the same: one broadcast domain per VLAN
# either way, which is what VRRP sees (VRIDs 1..255 again on each).
vlan_lab() {
    lab
    local v h addr kind; kind=$(vlan_kind)
    for v in $(seq 1 "$1"); do
        if [ "$kind" = veth ]; then
            ip link add "eth0.$((100 + v))" netns "$PREFIX-a" type veth peer name "eth0.$((100 + v))" netns "$PREFIX-b"
        fi
        for h in a b; do
            addr=$((8 + 2 * v))
            [ "$h" = b ] && addr=$((addr + 1))
            if [ "$kind" = 802.1Q ]; then
                ip -n "$PREFIX-$h" link add link eth0 name "eth0.$((100 + v))" type vlan id $((100 + v))
            fi
            ip -n "$PREFIX-$h" addr add "192.0.2.$addr/24" dev "eth0.$((100 + v))" noprefixroute
            ip -n "$PREFIX-$h" link set "eth0.$((100 + v))" up
        done
    done
}

# vlan_kind: 802.1Q if this kernel makes VLAN subinterfaces, else veth.
vlan_kind() {
    ip netns add "$PREFIX-probe"
    ip -n "$PREFIX-probe" link add p0 type veth peer name p1
    if ip -n "$PREFIX-probe" link add link p0 name p0.5 type vlan id 5 2>/dev/null; then
        echo 802.1Q
    else
        echo veth
    fi
    ip netns del "$PREFIX-probe"
}

# vip K: the VIP of instance K (0-based, over all VLANs).
vip() { echo "198.$((18 + $1 / 62500)).$(($1 / 250 % 250)).$(($1 % 250 + 1))"; }

# vlan_config PRIORITY VLANS
vlan_config() {
    echo "global_defs { router_id scale }"
    local v vrid k=0
    for v in $(seq 1 "$2"); do
        for vrid in $(seq 1 255); do
            cat <<CONF
vrrp_instance VI_${v}_$vrid {
    interface eth0.$((100 + v))
    version 3
    virtual_router_id $vrid
    priority $1
    advert_int $ADVERT_INT
    virtual_ipaddress {
        $(vip $k)/32
    }
}
CONF
            k=$((k + 1))
        done
    done
}

# VIPs on a host, over all its interfaces.
vips_on() { ip -n "$PREFIX-$1" -o addr show 2>/dev/null | grep -c ' 198\.1[89]\.' || true; }
now() { date +%s.%N; }
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (b - a) * 1000}'; }

# The adverts of a capture, one line each: time source vrid (each host's
# source address is its own on each VLAN: the two name the instance).
adverts() {
    tcpdump -n -tt -r "$1" 2>/dev/null | awk '
        / vrid / {
            match($0, /[0-9.]+ > 224\.0\.0\.18/); split(substr($0, RSTART, RLENGTH), s, " ")
            match($0, /vrid [0-9]+/); vrid = substr($0, RSTART + 5, RLENGTH - 5)
            print $1, s[1], vrid
        }'
}

# max_gap ADVERTS HOST FROM TO: the largest gap (ms) between two adverts of
# one instance sent by HOST (a: even last octet, b: odd), the gap ending in
# [FROM, TO] (for B, the new master, both ends in it); and the count of
# instances seen.
max_gap() {
    awk -v host="$2" -v from="$3" -v to="$4" '
        { n = split($2, o, "."); odd = o[n] % 2 }
        (host == "a" && odd) || (host == "b" && !odd) { next }
        $1 > to || (host == "b" && $1 < from) { next }
        {
            key = $2 "/" $3
            if ((key in last) && $1 >= from && $1 - last[key] > gap) gap = $1 - last[key]
            last[key] = $1; seen[key] = 1
        }
        END { n = 0; for (k in seen) n++; printf "%.0f %d\n", gap * 1000, n }' "$1"
}

# vstart DAEMON HOST CONFIG -> pid: scale.sh's start, each log line stamped
# with the time it was read (keepalived's own stamps are whole seconds).
vstart() {
    local daemon=$1 host=$2 conf=$3
    if [ "$daemon" = ours ]; then
        ip netns exec "$PREFIX-$host" "$OURS" -n -f "$conf" > >(stamp >"$WORK/$host.log") 2>&1 &
    else
        local run=$RANDOM$RANDOM
        ip netns exec "$PREFIX-$host" keepalived -n -l -P -f "$conf" \
            -p "$WORK/$host-$run.pid" -r "$WORK/$host-$run-vrrp.pid" > >(stamp >"$WORK/$host.log") 2>&1 &
    fi
    echo $!
}
stamp() { perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_'; }

# reload_ms LOG SIGHUP: from the signal to the daemon saying it is done
# (ours: "reloaded"; keepalived's parent: "Reload complete", once its VRRP
# child has reloaded).
reload_ms() {
    awk -v hup="$2" '$1 >= hup && (/ reloaded/ || /Reload complete/) { printf "%.0f\n", ($1 - hup) * 1000; found = 1; exit }
        END { if (!found) print "-" }' "$1"
}

# vlan_measure DAEMON N: one line of results (see the header's fields).
vlan_measure() {
    local daemon=$1 n=$2 total=$(($2 * 255))
    vlan_lab "$n"
    vlan_config 150 "$n" >"$WORK/master.conf"
    vlan_config 100 "$n" >"$WORK/backup.conf"
    local t0 pa pb
    t0=$(now)
    pa=$(vstart "$daemon" a "$WORK/master.conf")
    pb=$(vstart "$daemon" b "$WORK/backup.conf")
    # keepalived took 5 minutes to hold 4,080 VIPs at advert_int 1: allow
    # START_TIMEOUT s (600); a daemon that never gets there is reported so
    # and the run goes on.
    local converged=""
    while [ "$(elapsed_ms "$t0" "$(now)")" -lt $((${START_TIMEOUT:-600} * 1000)) ]; do
        if [ "$(vips_on a)" = "$total" ] && [ "$(vips_on b)" = 0 ]; then converged=1; break; fi
        sleep 0.1
    done
    local start_ms; start_ms=$(elapsed_ms "$t0" "$(now)")
    if [ -z "$converged" ]; then
        echo "  $daemon: after ${START_TIMEOUT:-600} s the master holds $(vips_on a)/$total VIPs, the backup $(vips_on b): not measured" >&2
        tail -3 "$WORK/a.log" >&2
        kill -TERM "$pa" "$pb" 2>/dev/null || true
        wait "$pa" "$pb" 2>/dev/null || true
        echo "$daemon never - - - - - - - - - -"
        return 0
    fi
    echo "  $daemon, $total instances: every VIP held after $start_ms ms; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    sleep 3 # past the GARP bursts
    local va vb a0 b0 a1 b1
    va=$(vrrp_pid "$daemon" "$pa"); vb=$(vrrp_pid "$daemon" "$pb")
    a0=$(cpu_ticks "$va"); b0=$(cpu_ticks "$vb")
    sleep "$SECONDS_MEASURED"
    a1=$(cpu_ticks "$va"); b1=$(cpu_ticks "$vb")
    local rss; rss=$(rss_kb "$va")
    if [ "$(vips_on a)" != "$total" ] || [ "$(vips_on b)" != 0 ]; then echo "$daemon: mastership moved during the measurement" >&2; exit 1; fi

    # Everything from here is captured on B, on all its VLANs.
    ip netns exec "$PREFIX-b" tcpdump -Z root -n -s 96 -B 65536 -U -i any -w "$WORK/adverts.pcap" 'ip proto 112' 2>"$WORK/tcpdump.log" &
    local capture=$!
    sleep 2

    # Reload: SIGHUP the master, watch 3 intervals + 2 s after.
    local hup; hup=$(now)
    kill -HUP "$pa"
    sleep "$(awk -v i="$ADVERT_INT" 'BEGIN{print 3 * i + 2}')"
    local hup_end; hup_end=$(now)
    local rss_reload; rss_reload=$(rss_kb "$(vrrp_pid "$daemon" "$pa")")
    [ "$(vips_on b)" = 0 ] || echo "  $daemon: the backup took $(vips_on b) VIPs during the master's reload" >&2

    # One instance fails over while the rest run: B stops hearing the last
    # VLAN's VRID 255 (nftables on B's input; @th,8,8 is VRRP's VRID byte).
    local dev="eth0.$((100 + n))" victim_vip; victim_vip=$(vip $((total - 1)))
    ip -n "$PREFIX-b" -ts monitor address >"$WORK/monitor.txt" 2>&1 &
    local monitor=$!
    sleep 0.5
    ip netns exec "$PREFIX-b" nft add table ip vscale
    ip netns exec "$PREFIX-b" nft add chain ip vscale input '{ type filter hook input priority 0; }'
    local cut; cut=$(now)
    ip netns exec "$PREFIX-b" nft add rule ip vscale input iifname "$dev" ip protocol 112 @th,8,8 255 drop
    local t1=""
    for _ in $(seq 200); do
        t1=$(awk -v vip=" $victim_vip/" 'index($0, vip) && !/Deleted/ { gsub(/[\[\]]/, "", $1); sub("T", " ", $1); print $1; exit }' "$WORK/monitor.txt")
        [ -n "$t1" ] && break
        sleep 0.05
    done
    kill "$monitor" 2>/dev/null || true
    [ -n "$t1" ] || { echo "$daemon: instance $victim_vip did not fail over within 10 s" >&2; exit 1; }
    local took; took=$(date -d "$t1" +%s.%N)
    ip netns exec "$PREFIX-b" nft delete table ip vscale
    for _ in $(seq 100); do [ "$(vips_on b)" = 0 ] && break; sleep 0.1; done

    # Mass failover: SIGKILL the master; B takes every VIP.
    sleep 1
    local kill_at; kill_at=$(now)
    # keepalived's VRRP child first, and gone, before its parent: a child
    # that outlives its parent gets SIGTERM and would stop gracefully.
    kill -9 "$va" 2>/dev/null || true
    while [ -e "/proc/$va" ] && [ "$(awk '{print $3}' "/proc/$va/stat" 2>/dev/null)" != Z ]; do sleep 0.001; done
    kill -9 "$pa" 2>/dev/null || true
    for _ in $(seq 600); do [ "$(vips_on b)" = "$total" ] && break; sleep 0.05; done
    local mass_ms; mass_ms=$(elapsed_ms "$kill_at" "$(now)")
    sleep "$(awk -v i="$ADVERT_INT" -v m="$mass_ms" 'BEGIN{s = 8 - m / 1000; print (s < 2 * i ? 2 * i : s)}')"
    local mass_end; mass_end=$(now)
    kill "$capture" 2>/dev/null || true
    wait "$capture" 2>/dev/null || true
    kill -TERM "$pb" 2>/dev/null || true
    wait "$pa" "$pb" 2>/dev/null || true
    local dropped; dropped=$(awk '/dropped by kernel/ {print $1}' "$WORK/tcpdump.log")
    # Netlink overflows either daemon reported (ours: "overflowed";
    # keepalived: "No buffer space", its ENOBUFS).
    local enobufs; enobufs=$(cat "$WORK/a.log" "$WORK/b.log" | grep -ci 'overflowed\|no buffer space\|ENOBUFS' || true)
    adverts "$WORK/adverts.pcap" >"$WORK/adverts.txt"
    [ -z "${KEEP:-}" ] || { mkdir -p "$WORK/$daemon-$n"; cp "$WORK"/*.log "$WORK/adverts.txt" "$WORK/$daemon-$n/"; echo "$hup $cut $kill_at" >"$WORK/$daemon-$n/times"; }

    local reload_gap reload_seen resumed fo_last fo_ms mass_gap mass_seen
    read -r reload_gap reload_seen < <(max_gap "$WORK/adverts.txt" a "$hup" "$hup_end")
    resumed=$(reload_ms "$WORK/a.log" "$hup")
    fo_last=$(awk -v src="192.0.2.$((8 + 2 * n))" -v cut="$cut" '$2 == src && $3 == 255 && $1 <= cut { t = $1 } END { print t }' "$WORK/adverts.txt")
    fo_ms=$(elapsed_ms "${fo_last:-$cut}" "$took")
    read -r mass_gap mass_seen < <(max_gap "$WORK/adverts.txt" b "$kill_at" "$mass_end")
    echo "  $daemon: reload: done ${resumed} ms after SIGHUP, largest gap ${reload_gap} ms ($reload_seen instances seen);" \
        "one failover ${fo_ms} ms from the last advert; mass failover: every VIP on B after ${mass_ms} ms," \
        "largest gap ${mass_gap} ms ($mass_seen instances seen); capture dropped ${dropped:-?}; netlink overflow log lines: $enobufs" >&2
    printf '%s %s %s %s %s %s %s %s %s %s %s %s\n' "$daemon" "$start_ms" \
        "$(awk -v t=$((a1 - a0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz}')" \
        "$(awk -v t=$((b1 - b0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz}')" \
        "$rss" "$rss_reload" "$resumed" "$reload_gap" "$fo_ms" "$mass_ms" "$mass_gap" "${dropped:-0}"
}

vlans_main() {
    mkdir -p "$OUT"
    local kind; kind=$(vlan_kind)
    [ "$kind" = veth ] && echo "this kernel has no 802.1Q VLANs (CONFIG_VLAN_8021Q): one veth pair per VLAN instead" >&2
    local data; data="$OUT/scale-vlans-int$ADVERT_INT.dat"
    echo "# instances ours_master_cpu ours_backup_cpu ka_master_cpu ka_backup_cpu ours_rss ka_child_rss (advert_int $ADVERT_INT, CPU s over $SECONDS_MEASURED s)" >"$data"
    local rows=() n total o k last=""
    for n in $VLANS; do
        total=$((n * 255))
        echo "$n VLANs, $total instances, advert_int $ADVERT_INT (ours, then keepalived); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        o=$(vlan_measure ours "$n")
        # DAEMONS=ours: while working on ours (keepalived takes minutes).
        if [ "${DAEMONS:-ours keepalived}" = ours ]; then
            k="keepalived skipped - - - - - - - - - -"
        else
            k=$(vlan_measure keepalived "$n")
        fi
        rows+=("$total $o $k $(cut -d' ' -f1 /proc/loadavg)")
        # shellcheck disable=SC2086 # word splitting wanted: the fields
        set -- $o $k
        echo "$total $3 $4 ${15} ${16} $5 ${17}" >>"$data"
        last="$total $o $k"
    done
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 == 0 || a == "-") print "-"; else printf "%.2f", a/b }'; }
    echo
    echo "scale: VLANS=\"$VLANS\", advert_int $ADVERT_INT s, CPU over $SECONDS_MEASURED s; $(date -u '+%F %H:%M') UTC on $(nproc) cores, $(uname -r), $(keepalived --version 2>&1 | head -1)"
    echo "VLANs: $kind. keepalived's CPU and RSS are its VRRP child process's (the parent only watches it)."
    printf '%-9s | %-31s | %-31s | %-25s | %-25s | %-21s | %-17s | %s\n' "instances" "start ms (ours/ka)" "master CPU s (ours/ka = ratio)" "backup CPU s (ours/ka)" "peak RSS KiB (ours/ka)" "reload ms: done/gap" "failover ms: 1/all" "mass gap ms   load"
    local row
    for row in "${rows[@]}"; do
        # shellcheck disable=SC2086
        set -- $row
        printf '%-9s | %-31s | %-31s | %-25s | %-25s | %-21s | %-17s | %s\n' "$1" "$3 / ${15}" \
            "$4 / ${16} = $(ratio "$4" "${16}")" "$5 / ${17} = $(ratio "$5" "${17}")" \
            "$6 ($7) / ${18} (${19})" "$8/$9 vs ${20}/${21}" "${10}/${11} vs ${22}/${23}" "${12} vs ${24}   ${26}"
    done
    echo "(RSS in parentheses: after the reload; failover 1: from the master's last advert, RFC $(awk -v i="$ADVERT_INT" 'BEGIN{printf "%.0f", 3609 * i}') ms; target for the gaps: $(awk -v i="$ADVERT_INT" 'BEGIN{printf "%.0f", 1000 * i + 10}') ms)"
    if command -v gnuplot >/dev/null; then
        gnuplot <<PLOT
set terminal pngcairo size 1100,500 font ",10" noenhanced
set output "$OUT/scale-vlans-int$ADVERT_INT.png"
set multiplot layout 1,2 title "VRRPv3, 255 instances per VLAN ($kind), advert_int $ADVERT_INT s; $(nproc) cores, $(date -u +%F)"
set logscale xy
set xlabel "instances"
set key top left box opaque
set grid
set ylabel "CPU seconds over $SECONDS_MEASURED s"
plot "$data" using 1:2 with linespoints title "ours, master", \
     "" using 1:3 with linespoints title "ours, backup", \
     "" using 1:4 with linespoints title "keepalived 2.2.7 VRRP child, master", \
     "" using 1:5 with linespoints title "keepalived, backup"
set ylabel "peak RSS, KiB (master)"
plot "$data" using 1:6 with linespoints title "ours", \
     "" using 1:7 with linespoints title "keepalived VRRP child"
unset multiplot
PLOT
        echo "cost curve: $OUT/scale-vlans-int$ADVERT_INT.png (data $data)"
    fi
    # shellcheck disable=SC2086
    set -- $last
    echo "scale: instances=$1 master_cpu_ratio=$(ratio "$4" "${16}") backup_cpu_ratio=$(ratio "$5" "${17}") rss_kib=$6 keepalived_child_rss_kib=${18} reload_gap_ms=$9 failover_gap_ms=${12}"
}
