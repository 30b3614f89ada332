#!/usr/bin/env bash
# Instructions per operation on the advert hot path, for two revisions, with
# callgrind: deterministic where criterion's times on a shared 2-core
# machine are not. Each revision's vrrp-core is built with the release
# profile (fat LTO) into a small harness that runs the bodies of
# `benches/advert.rs` (parse, a Backup's advert, the 255-instance dispatch)
# N times; the count per operation is the difference between two runs
# (20,000 and 120,000 operations) over 100,000, so set-up cancels out.
#
# Usage: benches/instructions.sh [BASE_REV [REV]]   (default: c2104f3 HEAD)
# Needs: valgrind, git.
set -euo pipefail
# A failed build inside $(build ...) must stop the script, not print zeros.
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BASE=${1:-c2104f3}
REV=${2:-HEAD}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 2; }
WORK=$(mktemp -d /tmp/vrrp-instructions.XXXXXX)
cleanup() {
    for tree in "$WORK"/tree-*; do
        [ -d "$tree" ] && git worktree remove --force "$tree" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The harness: the same set-up and loop bodies as benches/advert.rs. The
# Master's timer writes its advert out through the revision's API: the
# caller's `emit_advert` before the layout, `poll_transmit` after it.
harness() { # poll_transmit|emit_advert
    local write_out
    if [ "$1" = poll_transmit ]; then
        write_out='while let Some(transmit) = master.poll_transmit(\&mut buf) { black_box(transmit); }'
    else
        write_out='black_box(master.emit_advert(priority, dst, \&mut buf).unwrap());'
    fi
    sed "s|WRITE_OUT;|$write_out|" <<'RUST'
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::{self, Advertisement, Auth, Family, Packet, Version};
use vrrp_core::{Config, Instance, Received, Router};

fn v4(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn emit(config: &Config, dst: IpAddr) -> Vec<u8> {
    let instance = Instance::new(config.clone()).unwrap();
    let mut buf = [0u8; 128];
    let len = instance.emit_advert(config.priority, dst, &mut buf).unwrap();
    buf[..len].to_vec()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args[2].parse().unwrap();
    let mut v3 = Config::new(198, v4(11), vec![v4(100), v4(101), v4(102)]);
    v3.priority = 150;
    v3.advert_interval = 50;
    let mut v2 = Config::new(25, v4(11), vec![v4(100)]);
    v2.version = Version::V2;
    v2.auth = Auth::simple(b"1cee4b6e");
    let dst: IpAddr = wire::MULTICAST_V4.into();
    match args[1].as_str() {
        which @ ("parse/v3_ipv4_3vips" | "parse/v2_ipv4_pass") => {
            let config = if which.contains("v3") { &v3 } else { &v2 };
            let bytes = emit(config, dst);
            let pseudo = wire::pseudo_header(config.version, false, v4(11), dst);
            for _ in 0..n {
                let packet = Packet::new_checked(black_box(&bytes[..])).unwrap();
                assert!(packet.verify_checksum(pseudo.as_ref()));
                black_box(Advertisement::parse(&packet, Family::Ipv4).unwrap());
            }
        }
        "backup/handle_advert" => {
            let bytes = emit(&v3, dst);
            let mut config = v3.clone();
            config.primary_address = v4(12);
            config.priority = 100;
            let mut backup = Instance::new(config).unwrap();
            let mut now = Instant::ZERO;
            backup.handle_startup(now);
            while backup.poll_action().is_some() {}
            let rx = Received { src: v4(11), dst, ttl: 255 };
            for _ in 0..n {
                now += Duration::from_micros(1);
                assert!(backup.handle_advert(now, &rx, black_box(&bytes)));
            }
        }
        "master/handle_timeout" => {
            let mut master = Instance::new(Config { priority: 255, ..v3.clone() }).unwrap();
            master.handle_startup(Instant::ZERO);
            while master.poll_action().is_some() {}
            let mut buf = [0u8; 128];
            for _ in 0..n {
                let now = master.poll_timeout().unwrap().at;
                master.handle_timeout(now);
                #[allow(irrefutable_let_patterns)]
                while let Some(action) = master.poll_action() {
                    if let vrrp_core::Action::SendAdvert { priority, .. } = action {
                        let _ = priority;
                        WRITE_OUT;
                    }
                }
            }
        }
        "router/dispatch_255" => {
            let mut router = Router::new();
            let master = v4(11);
            let mut packets = Vec::new();
            for vrid in 1..=255u8 {
                let vip = Ipv4Addr::new(198, 18, 0, vrid).into();
                let mut config = Config::new(vrid, v4(12), vec![vip]);
                config.advert_interval = 10;
                router.add(3, Instance::new(config.clone()).unwrap()).unwrap();
                let sender = Config { primary_address: master, priority: 150, ..config };
                packets.push(emit(&sender, dst));
            }
            let mut x = 0x9e37_79b9_u32;
            let order: Vec<usize> = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as usize % 255
                })
                .collect();
            let mut now = Instant::ZERO;
            router.handle_startup(now);
            while router.poll_action().is_some() {}
            let rx = Received { src: master, dst, ttl: 255 };
            let mut i = 0;
            for _ in 0..n {
                i = (i + 1) % order.len();
                now += Duration::from_micros(1);
                black_box(router.handle_packet(now, 3, &rx, &packets[order[i]]));
                router.handle_timeout(now);
                while router.poll_action().is_some() {}
                black_box(router.poll_timeout());
            }
        }
        other => panic!("unknown operation {other}"),
    }
}
RUST
}

build() { # REV -> path of the harness binary
    local rev=$1 tree="$WORK/tree-$1" dir="$WORK/harness-$1"
    git worktree add --detach -q "$tree" "$rev"
    mkdir -p "$dir/src"
    local api=emit_advert
    grep -rq 'pub fn poll_transmit' "$tree/vrrp-core/src" && api=poll_transmit
    harness "$api" >"$dir/src/main.rs"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "instructions"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
vrrp-core = { path = "$tree/vrrp-core" }
[profile.release]
lto = true
codegen-units = 1
[workspace]
TOML
    CARGO_TARGET_DIR="$dir/target" cargo build -q --release --manifest-path "$dir/Cargo.toml" >&2
    echo "$dir/target/release/instructions"
}

count() { # BINARY OP N -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 2>&1 |
        awk '/Collected/ {print $4; found = 1} END {exit !found}'
}

per_op() { # BINARY OP
    local small large
    small=$(count "$1" "$2" 20000)
    large=$(count "$1" "$2" 120000)
    echo $(((large - small) / 100000))
}

base_rev=$(git rev-parse --short "$BASE")
rev=$(git rev-parse --short "$REV")
echo "building $base_rev and $rev..." >&2
base_bin=$(build "$base_rev")
bin=$(build "$rev")
echo "| operation | $base_rev | $rev |"
echo "|---|---|---|"
for op in parse/v2_ipv4_pass parse/v3_ipv4_3vips backup/handle_advert master/handle_timeout router/dispatch_255; do
    echo "| $op | $(per_op "$base_bin" "$op") | $(per_op "$bin" "$op") |"
done
