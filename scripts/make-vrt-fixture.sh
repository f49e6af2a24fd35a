#!/usr/bin/env bash
# Rebuilds tests/fixtures/vrt_simplesource/: GDAL VRTs whose bands are <SimpleSource>s, in the
# form ISCE2 writes them (isce-framework/isce2, components/isceobj/TopsProc/VRTManager.py,
# commit 9f9a2b0805beffd80a6539ca247fdaa8898fd8a9, VRTConstructor.initBand/addBurst: a
# <NoDataValue>, then per source SourceFilename relativeToVRT="1" naming the source's own
# `.vrt`, SourceBand, SourceProperties, SrcRect, DstRect), over a small raw raster.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/tests/fixtures/vrt_simplesource"
rm -rf "$out"
mkdir -p "$out"
rows=3 cols=4
# burst.unw: 2 bands float32 little-endian, band-interleaved by line (amplitude, phase), as
# ISCE2's .unw; sample value = band*100 + row*10 + col.
python3 - "$out/burst.unw" "$rows" "$cols" <<'PY'
import struct, sys
path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "wb") as f:
    for r in range(rows):
        for b in (1, 2):
            f.write(struct.pack("<%df" % cols, *[b * 100 + r * 10 + c for c in range(cols)]))
PY
# Its own VRTRawRasterBand sidecar, as ISCE2's Image.renderVrt writes beside each raster.
raw_band() { # $1 band, $2 image offset
    cat <<B
    <VRTRasterBand band="$1" dataType="Float32" subClass="VRTRawRasterBand">
        <SourceFilename relativeToVRT="1">burst.unw</SourceFilename>
        <ByteOrder>LSB</ByteOrder>
        <ImageOffset>$2</ImageOffset>
        <PixelOffset>4</PixelOffset>
        <LineOffset>$((8 * cols))</LineOffset>
    </VRTRasterBand>
B
}
{
    echo "<VRTDataset rasterXSize=\"$cols\" rasterYSize=\"$rows\">"
    raw_band 1 0
    raw_band 2 $((4 * cols))
    echo "</VRTDataset>"
} > "$out/burst.unw.vrt"
# ISCE2's VRTConstructor form: one band per source band, each a <SimpleSource>.
source_xml() { # $1 source band, $2 xOff of the destination
    cat <<S
        <SimpleSource>
            <SourceFilename relativeToVRT="1">burst.unw.vrt</SourceFilename>
            <SourceBand>$1</SourceBand>
            <SourceProperties RasterXSize="$cols" RasterYSize="$rows" DataType="Float32"/>
            <SrcRect xOff="0" yOff="0" xSize="$cols" ySize="$rows"/>
            <DstRect xOff="$2" yOff="0" xSize="$cols" ySize="$rows"/>
        </SimpleSource>
S
}
band() { # $1 band, then the sources' "source-band:xoff"
    local b="$1"; shift
    echo "  <VRTRasterBand dataType=\"Float32\" band=\"$b\">"
    echo "        <NoDataValue>0.0</NoDataValue>"
    for s in "$@"; do source_xml "${s%:*}" "${s#*:}"; done
    echo "    </VRTRasterBand>"
}
{
    echo "<VRTDataset rasterXSize=\"$cols\" rasterYSize=\"$rows\">"
    band 1 1:0
    band 2 2:0
    echo "</VRTDataset>"
} > "$out/merged.unw.vrt"
# A mosaic of two bursts side by side (what VRTManager writes for a swath): not a flat raster.
{
    echo "<VRTDataset rasterXSize=\"$((2 * cols))\" rasterYSize=\"$rows\">"
    band 1 2:0 2:"$cols"
    echo "</VRTDataset>"
} > "$out/mosaic.unw.vrt"
cat > "$out/README.md" <<README
# GDAL VRTs with SimpleSource bands (ISCE2's form)

- \`burst.unw\` + \`burst.unw.vrt\`: a $rows x $cols two-band float32 raster (BIL; value =
  band*100 + row*10 + col) and the VRTRawRasterBand sidecar ISCE2 writes beside a raster.
- \`merged.unw.vrt\`: each band one \`<SimpleSource>\` reading a band of \`burst.unw.vrt\`,
  whole; sbas reads \`merged.unw\` as \`burst.unw\`'s bands.
- \`mosaic.unw.vrt\`: one band made of two sources side by side (a swath of bursts); sbas
  refuses it with an error naming the file.

The SimpleSource form (NoDataValue, SourceFilename relativeToVRT="1" naming the source's
\`.vrt\`, SourceBand, SourceProperties, SrcRect, DstRect) is the one ISCE2 writes in
isce-framework/isce2, components/isceobj/TopsProc/VRTManager.py (commit
9f9a2b0805beffd80a6539ca247fdaa8898fd8a9, \`VRTConstructor.initBand\` / \`addBurst\`).

Remade by \`scripts/make-vrt-fixture.sh\`.
README
