#!/usr/bin/env bash
# Kill-and-resume check: runs `sbas invert` on a small simulated stack, kills it with SIGKILL at
# random moments (once or several times per trial), resumes with the same command until it
# completes, and compares the result with an uninterrupted run by `sbas info --checksum`
# (equal checksums = bit-identical results). Trials alternate between Zarr and HDF5 output.
# Then the same for a whole `sbas run` template chain (inversion, deramp, DEM error, residual
# RMS, reference date, velocity, geocode): every product's checksum must equal the
# uninterrupted chain's.
#
#   scripts/kill-resume.sh [TRIALS] [WORK_DIR] [CHAIN_TRIALS]
#       (defaults: 24 trials, a temporary folder (removed after a run that passes), TRIALS / 3
#       chain trials)
#
# Uses target/release/sbas (built if needed) or $SBAS_BIN. Ends with "N passed, M failed";
# exits non-zero if any trial differs.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-24}
if [ -n "${2:-}" ]; then
  work=$2
else
  # A folder of our own goes when done (213 MB a run); kept, and named, when a trial failed.
  work=$(mktemp -d)
  trap 'status=$?; if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "work folder kept: $work" >&2; fi' EXIT
fi
if [ -z "${SBAS_BIN:-}" ]; then
  cargo build --release --quiet
  SBAS_BIN="${CARGO_TARGET_DIR:-target}/release/sbas"
fi
sbas() { "$SBAS_BIN" "$@"; }
mkdir -p "$work"
stack="$work/stack"
[ -d "$stack" ] || sbas simulate "$stack" --rows 240 --cols 300 --dates 24 --neighbors 3 --seed 42 >/dev/null
# Every chunk made durable as it is written, so that kills leave runs partly done (by default a
# run this short would sync only at its end).
args=(--max-memory 56MiB --quiet --sync-every 0)

declare -A want
for fmt in zarr hdf5; do
  rm -rf "$work/ref-$fmt"
  start=$(date +%s%N)
  sbas invert "$stack" --out "$work/ref-$fmt" --format "$fmt" "${args[@]}"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  want[$fmt]=$(sbas info "$work/ref-$fmt" --checksum | awk '/^checksum:/ {print $2}')
  echo "uninterrupted $fmt run: ${ms} ms, checksum ${want[$fmt]}"
  declare "ms_$fmt=$ms"
done

passed=0; failed=0
for t in $(seq 1 "$trials"); do
  fmt=$([ $((t % 2)) -eq 0 ] && echo hdf5 || echo zarr)
  ms_var="ms_$fmt"; total_ms=${!ms_var}
  run="$work/trial-$t"
  rm -rf "$run"
  kills=0
  # Up to 3 kills per trial at random moments within the uninterrupted run time.
  for k in 1 2 3; do
    "$SBAS_BIN" invert "$stack" --out "$run" --format "$fmt" "${args[@]}" &
    pid=$!
    delay_ms=$(( RANDOM % (total_ms + 1) ))
    sleep "$(awk -v m="$delay_ms" 'BEGIN {printf "%.3f", m / 1000}')"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null || true
    [ $((RANDOM % 2)) -eq 0 ] && break
  done
  state=$(sbas info "$run" 2>/dev/null | sed -n 's/^state: \([^;(]*\).*/\1/p' || true)
  sbas invert "$stack" --out "$run" --format "$fmt" "${args[@]}"
  got=$(sbas info "$run" --checksum | awk '/^checksum:/ {print $2}')
  if [ "$got" = "${want[$fmt]}" ]; then
    passed=$((passed + 1)); verdict=identical
  else
    failed=$((failed + 1)); verdict="DIFFERENT ($got)"
  fi
  echo "trial $t ($fmt): $kills kill(s), state after kills: ${state:-none}; resumed result $verdict"
  rm -rf "$run"
done

# The template chain. Its checksums are the product lines of `sbas info --checksum` (names,
# shapes, finished or not, content checksum per product).
chain_trials=${3:-$((trials / 3))}
cat > "$work/chain.txt" <<'T'
mintpy.troposphericDelay.method = no
mintpy.deramp = linear
mintpy.topographicResidual = yes
mintpy.geocode = yes
mintpy.compute.maxMemory = 0.06
T
chain_sums() { sbas info "$1" --checksum | grep -E '^  [^ ]|^    checksum|^checksum'; }
chain() { "$SBAS_BIN" run "$work/chain.txt" --dir "$1" --stack "$stack" --format "$2" --quiet >/dev/null 2>&1; }
declare -A want_chain
for fmt in zarr hdf5; do
  rm -rf "$work/chain-ref-$fmt"; mkdir -p "$work/chain-ref-$fmt"
  start=$(date +%s%N)
  chain "$work/chain-ref-$fmt" "$fmt"
  declare "chain_ms_$fmt=$(( ($(date +%s%N) - start) / 1000000 ))"
  want_chain[$fmt]=$(chain_sums "$work/chain-ref-$fmt")
  ms_var="chain_ms_$fmt"
  echo "uninterrupted $fmt chain: ${!ms_var} ms, $(echo "${want_chain[$fmt]}" | grep -c checksum) product checksums"
done
for t in $(seq 1 "$chain_trials"); do
  fmt=$([ $((t % 2)) -eq 0 ] && echo hdf5 || echo zarr)
  ms_var="chain_ms_$fmt"; total_ms=${!ms_var}
  run="$work/chain-trial-$t"
  rm -rf "$run"; mkdir -p "$run"
  kills=0
  for k in 1 2 3 4; do
    "$SBAS_BIN" run "$work/chain.txt" --dir "$run" --stack "$stack" --format "$fmt" --quiet >/dev/null 2>&1 &
    pid=$!
    delay_ms=$(( RANDOM % (total_ms + 1) ))
    sleep "$(awk -v m="$delay_ms" 'BEGIN {printf "%.3f", m / 1000}')"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null || true
  done
  chain "$run" "$fmt" || true
  got=$(chain_sums "$run" || true)
  if [ "$got" = "${want_chain[$fmt]}" ]; then
    passed=$((passed + 1)); verdict=identical
  else
    # diff exits 1 on a difference: under `set -e -o pipefail` that would end the script here.
    failed=$((failed + 1)); verdict="DIFFERENT:"$'\n'"$( (diff <(echo "${want_chain[$fmt]}") <(echo "$got") || true) | head -20)"
  fi
  echo "chain trial $t ($fmt): $kills kill(s); resumed products $verdict"
  rm -rf "$run"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
