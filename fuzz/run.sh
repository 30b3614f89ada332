#!/usr/bin/env bash
# Runs fuzz targets for a bounded time each, with the committed seeds and
# dictionaries; CI calls it with a short time, people with a long one.
#
#   fuzz/run.sh SECONDS [TARGET...]      (default: every target)
#
# The working corpus grows in fuzz/corpus/TARGET (not committed); a crash
# lands in fuzz/artifacts/TARGET and fails the run. Needs cargo-fuzz; on a
# stable toolchain RUSTC_BOOTSTRAP=1 unlocks the flags it uses.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(wire_parse instance_inputs config_parse)
fi

export RUSTC_BOOTSTRAP=1
# Safe Rust: AddressSanitizer finds nothing the panics don't; skip its 2x cost.
build_log=$(mktemp)
if ! cargo fuzz build --sanitizer none >"$build_log" 2>&1; then
    tail -n 40 "$build_log"
    echo "== fuzz: cargo fuzz build FAILED"
    exit 1
fi
rm -f "$build_log"
passed=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
    # Every input takes well under a millisecond; 30 s means a hang, not a
    # busy machine (a 10 s limit once tripped on a stall nobody could reproduce).
    args=(-max_total_time="$seconds" -timeout=30 -print_final_stats=1)
    if [ -f "dict/$target.dict" ]; then
        args+=(-dict="dict/$target.dict")
    fi
    echo "== fuzz $target for ${seconds}s"
    log=$(mktemp)
    if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- "${args[@]}" >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "== fuzz $target FAILED: reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $target fuzz/artifacts/$target/<file>"
        rm -f "$log"
        exit 1
    fi
    # A run that executed nothing (a toolchain that builds but cannot fuzz)
    # must not pass silently.
    if ! grep -qE '^Done [1-9][0-9]* runs' "$log"; then
        tail -n 30 "$log"
        echo "== fuzz $target FAILED: libFuzzer reported no runs"
        rm -f "$log"
        exit 1
    fi
    grep -E '^Done|^stat::(number_of_executed_units|peak_rss_mb)' "$log"
    rm -f "$log"
    passed=$((passed + 1))
done
echo "fuzz: $passed passed, 0 failed"
