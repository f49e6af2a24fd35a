#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_roipac/ and tests/fixtures/mintpy_gamma/: a small simulated
# stack in ROI_PAC's and in GAMMA's layout (`sbas simulate --processor roipac|gamma`) and
# what MintPy 1.6.4's load_data (prep_roipac / prep_gamma) makes of it: inputs/ifgramStack.h5,
# geometryRadar.h5 and geometryGeo.h5.
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# SBAS_BIN=path/to/sbas uses that binary instead of `cargo run --release`.
# CI never runs this: it only reads the committed fixtures.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
rows=12 cols=14 dates=5 neighbors=2 seed=20261206

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixtures are meant for 1.6.4" >&2

sbas() {
    if [ -n "${SBAS_BIN:-}" ]; then "$SBAS_BIN" "$@"; else (cd "$repo" && cargo run --release --quiet -- "$@"); fi
}

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folders: $work"; else trap 'rm -rf "$work"' EXIT; fi

# The MintPy template of each processor (scripts/mintpy-load-templates.sh).
# shellcheck source=scripts/mintpy-load-templates.sh
source "$repo/scripts/mintpy-load-templates.sh"
template() { mintpy_load_template "$1"; }

for proc in roipac gamma; do
    fixture="$repo/tests/fixtures/mintpy_$proc"
    rm -rf "$fixture"
    mkdir -p "$fixture"
    sbas simulate "$fixture/stack" --processor "$proc" --rows "$rows" --cols "$cols" \
        --dates "$dates" --neighbors "$neighbors" --seed "$seed" > /dev/null
    rm -rf "$fixture/stack/truth"
    # MintPy on a copy: prep_roipac / prep_gamma write .rsc files into the tree.
    run="$work/$proc"
    mkdir -p "$run"
    cp -a "$fixture/stack/." "$run/"
    mkdir -p "$run/mintpy"
    template "$proc" > "$run/mintpy/Sim.txt"
    (cd "$run/mintpy" && "$venv/bin/smallbaselineApp.py" Sim.txt --dostep load_data > log_load_data.txt 2>&1) \
        || { echo "MintPy load_data failed for $proc, see $run/mintpy/log_load_data.txt" >&2; exit 1; }
    mkdir -p "$fixture/inputs"
    cp "$run/mintpy/inputs/"{ifgramStack,geometryRadar,geometryGeo}.h5 "$fixture/inputs/"
    template "$proc" > "$fixture/Sim.txt"
    cat > "$fixture/README.md" <<README
# MintPy 1.6.4 load_data on a simulated $proc stack

- \`stack/\`: \`sbas simulate --processor $proc --rows $rows --cols $cols --dates $dates --neighbors $neighbors --seed $seed\`
  (truth removed), as written, before MintPy's prep script adds its \`.rsc\` files.
- \`inputs/\`: what \`smallbaselineApp.py Sim.txt --dostep load_data\` (MintPy $mintpy_version) made
  of a copy of \`stack/\`, with the template \`Sim.txt\` (run from \`stack/mintpy/\`).

Remade by \`scripts/make-mintpy-rawfmt-fixture.sh\`.
README
done
echo "fixtures written: tests/fixtures/mintpy_roipac, tests/fixtures/mintpy_gamma"
