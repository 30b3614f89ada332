#!/usr/bin/env bash
# Criterion medians of `cargo bench --bench advert` for two builds, measured
# in one run: the two bench binaries alternate, ROUNDS times, each pinned to
# one core at real-time priority, and each benchmark's cell is the median of
# its ROUNDS medians. On a shared VM one binary's medians move by tens of
# percent from run to run; alternating many short runs spreads that noise
# over both columns alike.
#
# Usage: benches/advert_ab.sh BASE_REV [REV [ROUNDS]]   (default: HEAD, 7)
#   BASE_EXE=/path/to/bench-binary or NEW_EXE=... skip the build of that side
#   (the path cargo prints as "Executable benches/advert.rs (...)").
#   FILTER=master/ runs only the benchmarks whose id contains it.
# Needs: root (chrt), python3, git.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BASE=${1:?usage: benches/advert_ab.sh BASE_REV [REV [ROUNDS]]}
REV=${2:-HEAD}
ROUNDS=${3:-7}
CORE=${CORE:-1}
WORK=$(mktemp -d /tmp/vrrp-advert-ab.XXXXXX)
cleanup() {
    [ -d "$WORK/tree" ] && git worktree remove --force "$WORK/tree" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

build() { # REV -> the bench binary, copied into $WORK
    local rev=$1 out
    git worktree add --detach -q "$WORK/tree" "$rev"
    out=$(cd "$WORK/tree" && cargo bench --bench advert --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "advert" and m.get("executable"):
        print(m["executable"])')
    [ -x "$out" ] || { echo "no bench binary built for $rev" >&2; exit 1; }
    cp "$out" "$WORK/advert-$rev"
    git worktree remove --force "$WORK/tree"
    echo "$WORK/advert-$rev"
}

base_exe=${BASE_EXE:-$(build "$BASE")}
new_exe=${NEW_EXE:-$(build "$REV")}

run() { # SIDE ROUND EXE: one full criterion run, its medians kept
    local home="$WORK/criterion-$1-$2"
    CRITERION_HOME="$home" chrt -f 50 taskset -c "$CORE" "$3" --bench \
        --warm-up-time 1 --measurement-time 3 --noplot ${FILTER:+"$FILTER"} >/dev/null 2>&1
    find "$home" -path '*/new/estimates.json' | while read -r file; do
        id=${file#"$home"/}
        id=${id%/new/estimates.json}
        python3 -c 'import json,sys; print(sys.argv[2], json.load(open(sys.argv[1]))["median"]["point_estimate"])' \
            "$file" "$id"
    done | sed "s|^|$1 |" >>"$WORK/medians"
}

for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
    # Alternate which side goes first, so neither always follows a build.
    if ((round % 2)); then
        run base "$round" "$base_exe"
        run new "$round" "$new_exe"
    else
        run new "$round" "$new_exe"
        run base "$round" "$base_exe"
    fi
done

python3 - "$WORK/medians" "$BASE" "$REV" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, bench, ns = line.split()
    rows.setdefault(bench, {"base": [], "new": []})[side].append(float(ns))
def show(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.1f} ns"
print(f"| benchmark | {sys.argv[2]} | {sys.argv[3]} | change |")
print("|---|---|---|---|")
for bench in sorted(rows):
    base, new = (statistics.median(rows[bench][s]) for s in ("base", "new"))
    print(f"| {bench} | {show(base)} | {show(new)} | {100 * (new - base) / base:+.0f} % |")
# Each run's median, in run order: how far one binary moves between runs.
print()
for bench in sorted(rows):
    for side, name in (("base", sys.argv[2]), ("new", sys.argv[3])):
        print(f"{bench} {name}: " + ", ".join(show(ns) for ns in rows[bench][side]))
PY
