#!/usr/bin/env bash
# Checks that GDAL (Debian's gdal-bin) reads sbas' GeoTIFF exports in the right place with the right
# values: simulate a small stack, invert, geocode, export, then `gdalinfo -json` and
# `gdallocationinfo`. Installs gdal-bin (and jq) with apt when missing.
# Usage: scripts/check-geotiff.sh   (builds sbas with cargo; set SBAS=path to use another binary)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v gdalinfo >/dev/null || ! command -v jq >/dev/null; then
    apt-get update -q >/dev/null && apt-get install -y -q gdal-bin jq >/dev/null
fi
if [ -z "${SBAS:-}" ]; then
    (cd "$repo" && cargo build --quiet)
    SBAS="${CARGO_TARGET_DIR:-$repo/target}/debug/sbas"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$SBAS" simulate stack --rows 60 --cols 50 --dates 8 --seed 7 >/dev/null
"$SBAS" invert stack --out run --format hdf5 --ref-yx 30,25 -q
"$SBAS" geocode run timeseries temporalCoherence >/dev/null
"$SBAS" export run geo/geo_temporalCoherence --out tcoh.tif >/dev/null
# The last date of the simulated stack: 8 dates, 12 days apart from 2020-01-01.
last=20200325
"$SBAS" export run geo/geo_timeseries --date "$last" --out disp.tif >/dev/null

fail=0
check() { # $1 = description, $2 = got, $3 = expected, $4 = tolerance
    if awk -v g="$2" -v e="$3" -v t="$4" 'BEGIN { d = g - e; if (d < 0) d = -d; exit !(d <= t) }'; then
        echo "ok   $1: $2"
    else
        echo "FAIL $1: got $2, expected $3" >&2
        fail=1
    fi
}
attr() { # HDF5 root attribute of the geocoded file, through GDAL's metadata
    gdalinfo -json "HDF5:run/geo/geo_temporalCoherence.h5://temporalCoherence" 2>/dev/null \
        | jq -r ".metadata[\"\"][\"$1\"] // empty"
}
xf=$(attr X_FIRST) yf=$(attr Y_FIRST) xs=$(attr X_STEP) ys=$(attr Y_STEP) len=$(attr LENGTH) wid=$(attr WIDTH)
[ -n "$xf" ] && [ -n "$ys" ] || { echo "FAIL cannot read the grid attributes through GDAL" >&2; exit 1; }
info=$(gdalinfo -json -stats tcoh.tif)
echo "$info" | jq -e '.coordinateSystem.wkt | test("WGS 84")' >/dev/null \
    && echo "ok   coordinate system WGS 84" || { echo "FAIL coordinate system" >&2; fail=1; }
epsg=$(gdalsrsinfo -e tcoh.tif 2>/dev/null | grep -o 'EPSG:[0-9]*' | head -1)
check "EPSG" "${epsg#EPSG:}" 4326 0
check "width" "$(echo "$info" | jq '.size[0]')" "$wid" 0
check "length" "$(echo "$info" | jq '.size[1]')" "$len" 0
check "geotransform west edge" "$(echo "$info" | jq '.geoTransform[0]')" "$xf" 1e-12
check "geotransform lon step" "$(echo "$info" | jq '.geoTransform[1]')" "$xs" 1e-15
check "geotransform north edge" "$(echo "$info" | jq '.geoTransform[3]')" "$yf" 1e-12
check "geotransform lat step" "$(echo "$info" | jq '.geoTransform[5]')" "$ys" 1e-15
# gdalinfo prints corners with 7 decimals.
check "upper-left lon" "$(echo "$info" | jq '.cornerCoordinates.upperLeft[0]')" "$xf" 1e-7
check "upper-left lat" "$(echo "$info" | jq '.cornerCoordinates.upperLeft[1]')" "$yf" 1e-7
check "lower-right lon" "$(echo "$info" | jq '.cornerCoordinates.lowerRight[0]')" \
    "$(awk -v a="$xf" -v s="$xs" -v n="$wid" 'BEGIN { printf "%.12f", a + s * n }')" 1e-7
check "lower-right lat" "$(echo "$info" | jq '.cornerCoordinates.lowerRight[1]')" \
    "$(awk -v a="$yf" -v s="$ys" -v n="$len" 'BEGIN { printf "%.12f", a + s * n }')" 1e-7
echo "$info" | jq -e '.bands[0].noDataValue == "NaN"' >/dev/null \
    && echo "ok   nodata NaN" || { echo "FAIL nodata" >&2; fail=1; }
check "band type Float32" "$(echo "$info" | jq -r '.bands[0].type' | sed 's/Float32/1/')" 1 0
# Values: temporal coherence within 0..1 and the same statistics as the HDF5 layer.
stats_h5=$(gdalinfo -json -stats "HDF5:run/geo/geo_temporalCoherence.h5://temporalCoherence" 2>/dev/null)
check "minimum as in HDF5" "$(echo "$info" | jq '.bands[0].minimum')" "$(echo "$stats_h5" | jq '.bands[0].minimum')" 1e-6
check "maximum as in HDF5" "$(echo "$info" | jq '.bands[0].maximum')" "$(echo "$stats_h5" | jq '.bands[0].maximum')" 1e-6
check "mean as in HDF5" "$(echo "$info" | jq '.bands[0].mean')" "$(echo "$stats_h5" | jq '.bands[0].mean')" 1e-6
# The displacement at the reference point, looked up by longitude/latitude, is 0.
rlat=$(gdalinfo -json "HDF5:run/geo/geo_timeseries.h5://timeseries" 2>/dev/null | jq -r '.metadata[""].REF_LAT')
rlon=$(gdalinfo -json "HDF5:run/geo/geo_timeseries.h5://timeseries" 2>/dev/null | jq -r '.metadata[""].REF_LON')
check "displacement at the reference point" "$(gdallocationinfo -valonly -wgs84 disp.tif "$rlon" "$rlat")" 0 0
[ "$fail" = 0 ] && echo "GeoTIFF check passed" || { echo "GeoTIFF check FAILED" >&2; exit 1; }
