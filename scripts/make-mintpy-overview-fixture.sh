#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_overview/: MintPy 1.6.4's quick_overview step
# (avgPhaseVelocity.h5, numTriNonzeroIntAmbiguity.h5) on the simulated stack of
# tests/fixtures/mintpy_small/stack (unwrapping errors included), reference point 20,25.
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
stack="$repo/tests/fixtures/mintpy_small/stack"
fixture="$repo/tests/fixtures/mintpy_overview"
ref_y=20 ref_x=25

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
cp -a "$stack/." "$work/"
mkdir -p "$work/mintpy"
cat > "$work/mintpy/SimSenAT64.txt" <<TEMPLATE
## MintPy 1.6.4 template for the sbas mintpy_overview fixture
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
mintpy.reference.yx        = $ref_y,$ref_x
mintpy.troposphericDelay.method = no
mintpy.plot                = no
TEMPLATE
(
    cd "$work/mintpy"
    for step in load_data modify_network reference_point quick_overview; do
        start=$(date +%s.%N)
        "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep "$step" > "log_$step.txt" 2>&1 \
            || { echo "MintPy step $step failed:" >&2; tail -30 "log_$step.txt" >&2; exit 1; }
        end=$(date +%s.%N)
        echo "$step: $(printf '%.1f' "$(echo "$end - $start" | bc)") s"
    done
) | tee "$work/timing.txt"

rm -rf "$fixture"
mkdir -p "$fixture"
cp "$work/mintpy/avgPhaseVelocity.h5" "$work/mintpy/numTriNonzeroIntAmbiguity.h5" \
    "$work/mintpy/SimSenAT64.txt" "$fixture/"
ls "$work/mintpy" > "$fixture/work-folder.txt"

cat > "$fixture/README.md" <<README
# mintpy_overview: MintPy $mintpy_version's quick overview of the mintpy_small stack

Made by \`scripts/make-mintpy-overview-fixture.sh\` (do not edit by hand; re-run the script).
MintPy ran \`smallbaselineApp.py SimSenAT64.txt --dostep S\` for S = load_data, modify_network,
reference_point, quick_overview on a copy of \`../mintpy_small/stack\` (reference point y/x
$ref_y/$ref_x; the stack has all simulated effects, two interferograms with a 2 pi unwrapping error
in a patch among them):

- \`avgPhaseVelocity.h5\` (\`temporal_average.py inputs/ifgramStack.h5 --dataset unwrapPhase\`)
- \`numTriNonzeroIntAmbiguity.h5\` (\`unwrap_error_phase_closure.py inputs/ifgramStack.h5
  --water-mask waterMask.h5 --action calculate\`)
- \`SimSenAT64.txt\`: the template; \`work-folder.txt\`: the files of MintPy's work folder then.

Step times on the machine that made it (2 shared cores):
$(sed 's/^/- /' "$work/timing.txt")
README
du -sh "$fixture"
