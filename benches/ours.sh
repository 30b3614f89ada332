# Sourced by the daemon benches (scale.sh, rss.sh, process_tuning.sh), from
# the repository's root: OURS is the daemon they measure. Unset, this
# tree's is built (release) and OURS names it; OURS=/path/to/keepalive-haproxy
# measures another build (the one before a change, say).
if [ -z "${OURS:-}" ]; then
    echo "building the daemon (release)..." >&2
    cargo build -q --release --example keepalive-haproxy
    OURS=$(realpath "${CARGO_TARGET_DIR:-target}")/release/examples/keepalive-haproxy
fi
