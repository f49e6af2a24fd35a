#!/usr/bin/env bash
# Out-of-core check: inverts a simulated stack whose input files are at least 8x the memory
# budget and reports peak RSS (from /usr/bin/time) against the budget + 100 MiB allowance.
#
#   scripts/out-of-core.sh [WORK_DIR] [BUDGET_MIB] [FORMAT]
#
# Defaults: WORK_DIR=/tmp/sbas-ooc, BUDGET_MIB=256, FORMAT=zarr. Needs ~2.5 GiB of disk.
# Installs GNU time with apt-get if /usr/bin/time is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/sbas-ooc}
budget_mib=${2:-256}
format=${3:-zarr}
bash scripts/setup.sh
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (apt-get install time) to measure peak RSS" >&2
  apt-get install -y -qq time >/dev/null
fi
cargo build --release --quiet
sbas=target/release/sbas
[ -n "${CARGO_TARGET_DIR:-}" ] && sbas="$CARGO_TARGET_DIR/release/sbas"

# Input bytes per pixel and pair: unw 8 + cor 4 + conncomp 1 = 13; 40 dates x 3 neighbours
# gives 114 pairs, so 1200 x 1300 pixels make ~2.3 GB of interferograms.
if [ ! -f "$work/stack/merged/interferograms/.complete" ]; then
  rm -rf "$work/stack"
  "$sbas" simulate "$work/stack" --rows 1200 --cols 1300 --dates 40 --neighbors 3 --seed 7
  touch "$work/stack/merged/interferograms/.complete"
fi
input_bytes=$(du -sb "$work/stack/merged" | cut -f1)
budget_bytes=$((budget_mib * 1024 * 1024))
rm -rf "$work/run"
/usr/bin/time -v -o "$work/time.txt" "$sbas" invert "$work/stack" --out "$work/run" \
  --format "$format" --max-memory "${budget_mib}MiB" --ref-yx 600,650 --quiet
rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
rss_mib=$((rss_kib / 1024))
limit_mib=$((budget_mib + 100))
ratio=$(awk -v a="$input_bytes" -v b="$budget_bytes" 'BEGIN {printf "%.1f", a / b}')
echo "inputs: $((input_bytes / 1024 / 1024)) MiB = ${ratio}x the ${budget_mib} MiB budget"
echo "format: $format  wall: $wall  peak RSS: ${rss_mib} MiB  (limit ${limit_mib} MiB)"
if [ "$rss_mib" -gt "$limit_mib" ]; then
  echo "FAIL: peak RSS above budget + 100 MiB" >&2
  exit 1
fi
echo "OK: peak RSS within budget + 100 MiB"
