#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_small/: a small simulated ISCE2 topsStack tree (with ground
# truth) and MintPy 1.6.4's results on it, for weightFunc = var and no.
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...), e.g.
#   python3 -m venv /work/venv && /work/venv/bin/pip install mintpy==1.6.4 h5py
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_small"
rows=40 cols=50 dates=12 neighbors=3 seed=20240601
ref_y=$((rows / 2)) ref_x=$((cols / 2))

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

# (a) simulate, from a clean state
rm -rf "$fixture"
mkdir -p "$fixture"
(cd "$repo" && cargo run --release --quiet -- simulate "$fixture/stack" \
    --rows "$rows" --cols "$cols" --dates "$dates" --neighbors "$neighbors" --seed "$seed")

work="$(mktemp -d)"
# KEEP_WORK=1 keeps MintPy's work folders (and logs) for inspection.
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folders: $work"; else trap 'rm -rf "$work"' EXIT; fi

write_template() { # $1 = weight function, $2 = output file
    cat > "$2" <<TEMPLATE
## MintPy 1.6.4 template for the sbas mintpy_small fixture (weightFunc = $1)
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
mintpy.troposphericDelay.method    = no
mintpy.networkInversion.weightFunc = $1
mintpy.plot                = no
TEMPLATE
}

timing=""
# (b) run MintPy on a copy of the tree (prep_isce writes .rsc files next to the ISCE files)
for weight in var no; do
    run="$work/$weight"
    mkdir -p "$run"
    cp -a "$fixture/stack/." "$run/"
    mkdir -p "$run/mintpy"
    write_template "$weight" "$run/mintpy/SimSenAT64.txt"
    start=$(date +%s.%N)
    (
        cd "$run/mintpy"
        for step in load_data modify_network reference_point invert_network; do
            "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep "$step" > "log_$step.txt" 2>&1 \
                || { echo "MintPy step $step failed (weight $weight):" >&2; tail -30 "log_$step.txt" >&2; exit 1; }
        done
    )
    end=$(date +%s.%N)
    secs=$(printf '%.1f' "$(echo "$end - $start" | bc)")
    echo "MintPy weightFunc=$weight: $secs s"
    timing+="- weightFunc = $weight: $secs s wall time for the four steps"$'\n'


    # (c) keep the results
    out="$fixture/mintpy_$weight"
    mkdir -p "$out"
    for f in timeseries.h5 temporalCoherence.h5 numInvIfgram.h5 avgSpatialCoh.h5 maskTempCoh.h5; do
        cp "$run/mintpy/$f" "$out/"
    done
    cp "$run/mintpy/SimSenAT64.txt" "$out/template.txt"
    if [ "$weight" = var ]; then
        mkdir -p "$fixture/inputs"
        cp "$run/mintpy/inputs/ifgramStack.h5" "$run/mintpy/inputs/geometryRadar.h5" "$fixture/inputs/"
    fi
done

cat > "$fixture/README.md" <<README
# mintpy_small: a simulated stack and MintPy $mintpy_version's results on it

Made by \`scripts/make-mintpy-fixture.sh\` (do not edit by hand; re-run the script).

- \`stack/\`: \`sbas simulate stack --rows $rows --cols $cols --dates $dates --neighbors $neighbors --seed $seed\`
  (all effects on): an ISCE2 topsStack tree (\`merged/interferograms\`, \`merged/geom_reference\`,
  \`baselines\`, \`reference\`) and its ground truth in \`stack/truth/\` (see \`truth.json\`).
- \`inputs/ifgramStack.h5\`, \`inputs/geometryRadar.h5\`: MintPy's \`load_data\` output (weight var run;
  \`ifgramStack.h5\` also holds \`REF_Y/REF_X\` = $ref_y/$ref_x from \`reference_point\`).
- \`mintpy_var/\`, \`mintpy_no/\`: \`timeseries.h5\`, \`temporalCoherence.h5\`, \`numInvIfgram.h5\`,
  \`avgSpatialCoh.h5\`, \`maskTempCoh.h5\` from \`mintpy.networkInversion.weightFunc = var\` / \`no\`,
  and the template used (\`template.txt\`).

MintPy $mintpy_version ran on a copy of \`stack/\` with \`mintpy/SimSenAT64.txt\` (= \`mintpy_*/template.txt\`):

\`\`\`
cd stack/mintpy
for step in load_data modify_network reference_point invert_network; do
    smallbaselineApp.py SimSenAT64.txt --dostep \$step
done
\`\`\`

Run time on the machine that made it (2 shared cores):
$timing
README
du -sh "$fixture"
