#!/usr/bin/env bash
# Runs a fixed set of sbas commands on small simulated stacks and the MintPy-chain fixture, then
# prints a content checksum of every output (scripts/checksums.py). Two binaries that print the
# same lines wrote bit-identical outputs: the check behind every refactor that must not change
# results.
#
#   scripts/checksums.sh SBAS_BIN WORK_DIR > sums.txt      (needs python3 with h5py and numpy)
#   diff <(scripts/checksums.sh old/sbas /tmp/a) <(scripts/checksums.sh new/sbas /tmp/b)
set -euo pipefail
bin=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$work"; mkdir -p "$work"
cd "$work"
s() { "$bin" "$@" >>"$work/commands.out" 2>&1 || { echo "FAILED: sbas $*" >&2; tail -5 "$work/commands.out" >&2; exit 1; }; }
s simulate stack --rows 90 --cols 110 --dates 14 --neighbors 3 --seed 5
s simulate stack-ramp --rows 60 --cols 70 --dates 10 --neighbors 2 --seed 9 --ramp
# The inversion, both formats and weights, with subset, network editing and a given reference.
s invert stack --out out/inv-zarr --quiet
s invert stack --out out/inv-h5 --format hdf5 --weight no --mask-dataset connectComponent --quiet
s invert stack --out out/inv-sub --subset-yx 10:70,20:100 --ref-yx 30,40 --quiet
s invert stack-ramp --out out/inv-ramp --format hdf5 --max-memory 50MiB --quiet
# Corrections, time functions, displacement, subset, geocode, export, pictures on one run.
r=out/inv-h5
s correct dem-error "$r"
s correct deramp "$r" --ramp linear
s correct rms "$r"
s correct reference-date "$r"
s velocity "$r"
s displacement "$r" --from 20200113 --to 20200418
s subset "$r" --subset-yx 5:60,10:90 --out out/sub-h5
s geocode "$r"
s export "$r" geo/geo_velocity --out out/velocity.tif
s view "$r" velocity --out out/velocity.png
s ts "$r" --yx 40,50 --out out/ts.png
s correct dem-error out/inv-zarr
s velocity out/inv-zarr
s geocode out/inv-zarr
# MintPy templates: the chain fixture (HDF5) and a fuller chain in Zarr.
fx="$here/tests/fixtures"
mkdir -p out/chain-h5 out/chain-zarr
s run "$fx/mintpy_chain/template.txt" --dir out/chain-h5 --stack "$fx/mintpy_small/stack" --quiet
cat > out/full.txt <<'T'
mintpy.reference.yx = 30,40
mintpy.troposphericDelay.method = no
mintpy.deramp = linear
mintpy.topographicResidual = yes
mintpy.geocode = yes
T
s run out/full.txt --dir out/chain-zarr --stack "$work/stack" --format zarr --quiet
# The results' own checksum, as `sbas info` prints it.
for d in out/inv-zarr out/inv-h5 out/inv-sub out/inv-ramp; do
  "$bin" info "$d" --checksum | grep '^checksum' | sed "s|^|$d |"
done
rm -f out/full.txt
python3 "$here/scripts/checksums.py" out
