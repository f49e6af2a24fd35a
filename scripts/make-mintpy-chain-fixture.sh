#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_chain/: MintPy 1.6.4's whole smallbaselineApp chain (load_data ..
# velocity, troposphere off) on the committed simulated stack tests/fixtures/mintpy_small/stack,
# and MintPy's modify_network coherence average and drops on that stack (network/).
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: the tests only read the committed files.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
stack="$repo/tests/fixtures/mintpy_small/stack"
fixture="$repo/tests/fixtures/mintpy_chain"

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
rm -rf "$fixture"
mkdir -p "$fixture/network"

# MintPy writes .rsc side-cars next to the ISCE files: run on a copy of the stack.
cp -a "$stack/." "$work/"
mkdir -p "$work/mintpy"
cat > "$fixture/template.txt" <<'TEMPLATE'
## MintPy 1.6.4 template of the sbas mintpy_chain fixture (also read by `sbas run` in tests/run_chain.rs)
mintpy.load.processor      = isce
mintpy.load.metaFile       = ../reference/IW*.xml
mintpy.load.baselineDir    = ../baselines
mintpy.load.unwFile        = ../merged/interferograms/*/filt_fine.unw
mintpy.load.corFile        = ../merged/interferograms/*/filt_fine.cor
mintpy.load.connCompFile   = ../merged/interferograms/*/filt_fine.unw.conncomp
mintpy.load.demFile        = ../merged/geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../merged/geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../merged/geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../merged/geom_reference/los.rdr
mintpy.load.azAngleFile    = ../merged/geom_reference/los.rdr
mintpy.load.shadowMaskFile = ../merged/geom_reference/shadowMask.rdr
mintpy.load.waterMaskFile  = ../merged/geom_reference/waterMask.rdr
mintpy.compute.maxMemory   = 0.2
mintpy.reference.yx        = 20,25
mintpy.troposphericDelay.method = no
mintpy.geocode             = no
mintpy.save.kmz            = no
mintpy.plot                = no
TEMPLATE
cp "$fixture/template.txt" "$work/mintpy/SimSenAT64.txt"

start=$(date +%s.%N)
(
    cd "$work/mintpy"
    "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --end velocity > log.txt 2>&1 \
        || { echo "MintPy failed:" >&2; tail -40 log.txt >&2; exit 1; }
)
end=$(date +%s.%N)
secs=$(printf '%.1f' "$(echo "$end - $start" | bc)")
echo "MintPy load_data .. velocity: $secs s"

for f in demErr.h5 timeseries_demErr.h5 velocity.h5 reference_date.txt exclude_date.txt \
         rms_timeseriesResidual_ramp.txt; do
    if [ -f "$work/mintpy/$f" ]; then cp "$work/mintpy/$f" "$fixture/"; fi
done

# modify_network's coherence rule on the loaded stack, with MintPy's waterMask.h5.
net="$work/net"
mkdir -p "$net"
cp "$work/mintpy/inputs/ifgramStack.h5" "$work/mintpy/waterMask.h5" "$net/"
(
    cd "$net"
    "$venv/bin/modify_network.py" ifgramStack.h5 --reset > /dev/null
    "$venv/bin/modify_network.py" ifgramStack.h5 --coherence-based --min-coherence 0.75 \
        --mask waterMask.h5 > log.txt 2>&1
    "$venv/bin/python" - <<'PY' > "$fixture/network/dropped_coherence_0.75.txt"
import h5py
with h5py.File('ifgramStack.h5', 'r') as f:
    for (a, b), keep in zip(f['date'][:], f['dropIfgram'][:]):
        if not keep:
            print(a.decode() + '_' + b.decode())
PY
)
cp "$net/coherenceSpatialAvg.txt" "$fixture/network/"

# External tropospheric delays: diff.py with an ERA5.h5, tropo_gacos.py with GACOS .ztd files.
"$venv/bin/python" "$repo/scripts/mintpy-tropo-fixture.py" "$repo" "$venv/bin" "$work/tropo" > "$work/tropo.log" 2>&1 \
    || { echo "MintPy tropo fixture failed:" >&2; tail -30 "$work/tropo.log" >&2; exit 1; }

cat > "$fixture/README.md" <<README
# mintpy_chain: MintPy $mintpy_version's smallbaselineApp chain on tests/fixtures/mintpy_small/stack

Made by \`scripts/make-mintpy-chain-fixture.sh\` (do not edit by hand; re-run the script).

- \`template.txt\`: the template (troposphere off, geocode off, reference point 20,25).
- \`demErr.h5\`, \`timeseries_demErr.h5\`, \`velocity.h5\`, \`reference_date.txt\`, \`exclude_date.txt\`,
  \`rms_timeseriesResidual_ramp.txt\`: from \`smallbaselineApp.py template.txt --end velocity\`
  (timeseries_demErr.h5 as left by reference_date, i.e. referenced to the minimum-RMS date).
- \`tropo/\`: see \`scripts/mintpy-tropo-fixture.py\`: a synthetic absolute delay \`ERA5.h5\` (one date
  missing) and MintPy's \`diff.py timeseries.h5 ERA5.h5 --force\` result; synthetic GACOS zenith delays
  \`GACOS/*.ztd\` (one date missing) and MintPy's \`tropo_gacos.py\` results \`GACOS.h5\`,
  \`timeseries_GACOS.h5\` (input: \`mintpy_small/mintpy_var/timeseries.h5\`).
- \`network/\`: \`modify_network.py ifgramStack.h5 --coherence-based --min-coherence 0.75 --mask
  waterMask.h5\`: MintPy's average coherence per pair (\`coherenceSpatialAvg.txt\`) and the pairs it
  dropped.

MintPy wall time for load_data .. velocity: $secs s (2 shared cores).
README
du -sh "$fixture"
