#!/usr/bin/env bash
# L1 against L2 inversion time, whole `sbas invert` (release build), on simulated stacks, and the
# solver alone (the dual start against the primal method, per pixel; the ignored unit test
# bench_l1_pivots in src/invert/l1.rs). Prints one line per stack and thread count.
# CALLGRIND=1 also counts the solver's instructions per pixel (valgrind's callgrind, 2,000 pixels:
# independent of the machine's load, unlike the times).
# Usage: scripts/bench-l1.sh [SBAS_BINARY]   (default target/release/sbas: cargo build --release)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sbas="${1:-$repo/target/release/sbas}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stacks=(
    "--rows 300 --cols 400 --dates 40 --neighbors 4 --seed 1"
    "--rows 500 --cols 500 --dates 30 --neighbors 3 --seed 2"
)
[ -n "${STACKS:-}" ] && IFS=';' read -r -a stacks <<< "$STACKS"
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
for args in "${stacks[@]}"; do
    # shellcheck disable=SC2086
    "$sbas" simulate "$work/s" $args > /dev/null
    cat "$work"/s/merged/interferograms/*/filt_fine.unw > /dev/null   # warm cache
    for threads in 1 2; do
        l2=$(secs "$sbas" invert "$work/s" --out "$work/l2" --format hdf5 -q --threads "$threads")
        l1=$(secs "$sbas" invert "$work/s" --out "$work/l1" --format hdf5 -q --threads "$threads" --norm l1)
        printf '`%s`, %d thread(s): L2 %.2f s, L1 %.2f s, ratio %.1f\n' "$args" "$threads" "$l2" "$l1" "$(echo "$l1 / $l2" | bc -l)"
        rm -rf "$work/l1" "$work/l2"
    done
    rm -rf "$work/s"
done
echo "solver alone (40 dates, 4 neighbours, 20000 pixels):"
(cd "$repo" && cargo test --release --lib bench_l1_pivots -- --ignored --nocapture 2>/dev/null | grep '^dual')
if [ -n "${CALLGRIND:-}" ]; then
    test_bin="$repo/$(cd "$repo" && cargo test --release --lib --no-run 2>&1 | grep -o 'target/release/deps/sbas-[0-9a-f]*' | tail -1)"
    # One dump per Instant::now: the two timed loops (primal, then dual start) are the large ones.
    BENCH_PX=2000 valgrind --tool=callgrind --dump-before='*Instant*' \
        --callgrind-out-file="$work/cg" "$test_bin" --ignored --exact invert::l1::tests::bench_l1_pivots \
        > /dev/null 2>&1
    for f in "$work"/cg.*; do
        echo "${f##*.} $(grep -m1 '^summary:' "$f" | cut -d' ' -f2)"
    done | sort -n | awk '$2 > 1e8 { printf "%s: %.0f k instructions/pixel\n", (n++ ? "dual start" : "primal method"), $2 / 2000 / 1000 }'
fi
