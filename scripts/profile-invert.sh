#!/usr/bin/env bash
# Where `sbas invert` spends its time: perf's CPU-clock samples per thread (reader, inverter
# workers, writer) and the hottest functions. Run scripts/bench-vs-mintpy.sh first (or give any
# stack folder).
#
#   scripts/profile-invert.sh [STACK] [WEIGHT] [SBAS INVERT OPTIONS...]
#   (defaults /tmp/sbas-bench/stack, var; e.g. add --ref-yx 500,500 as the bench uses)
#
# Needs perf (`apt-get install linux-perf`); software CPU-clock events are enough, so it works in
# virtual machines without hardware counters. SBAS=PATH picks the binary (default: release build).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="${1:-/tmp/sbas-bench/stack}"
weight="${2:-var}"
command -v perf > /dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
if [ -z "${SBAS:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    SBAS="${CARGO_TARGET_DIR:-$repo/target}/release/sbas"
fi
[ -d "$stack" ] || { echo "no stack at $stack (run scripts/bench-vs-mintpy.sh)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Warm the page cache so that the profile shows CPU, not the disk.
find "$stack/merged/interferograms" -name 'filt_fine.*' -exec cat {} + > /dev/null
perf record -e cpu-clock -o "$work/perf.data" \
    "$SBAS" invert "$stack" --out "$work/out" --weight "$weight" --quiet "${@:3}" 2> "$work/record.log"
echo "== CPU share per thread (the reader, the rayon workers, the writer)"
perf report -i "$work/perf.data" --no-children -s pid 2> /dev/null | grep -E '^ +[0-9]' | head -8
echo "== CPU share per thread and code (user code vs kernel)"
perf report -i "$work/perf.data" --no-children -s pid,dso 2> /dev/null | grep -E '^ +[0-9]' | head -12
echo "== hottest functions"
perf report -i "$work/perf.data" --no-children -s pid,sym 2> /dev/null | grep -E '^ +[0-9]' | head -30
