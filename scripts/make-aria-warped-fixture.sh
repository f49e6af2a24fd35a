#!/usr/bin/env bash
# Rebuilds tests/fixtures/aria_warped/: the per-pair coherence VRT that ARIA-tools'
# ariaTSsetup.py writes with its default `-of VRT` and no `--mask` (a gdal.Warp VRT of a
# gdal.BuildVRT mosaic of GUNW netCDF-4 subdatasets, cut by the product bounding box), built
# from two tiny GUNW-like frames, and GDAL's read of it (what MintPy's prep_aria reads), which
# tests/readers_aria.rs compares with sbas bit for bit. Also a warped VRT that really resamples
# (bilinear, another pixel size), which sbas must refuse.
#
# ARIA-tools facts (aria-tools/ARIA-tools, commit 7b151f92, tools/ARIAtools/extractProduct.py,
# export_product_worker): gdal.BuildVRT(outname + "_uncropped.vrt", product) over the pair's
# frames, then gdal.Warp(outname + ".vrt", outname + "_uncropped.vrt", format="VRT",
# cutlineDSName=prods_TOTbbox, outputBounds=bounds, xRes/yRes=arrres, targetAlignedPixels=True,
# multithread=True, dstSRS=proj) (no resampleAlg: nearest; no dstNodata).
# GUNW layout (public GUNW readers, e.g. ARIA-tools ARIAtools/product.py reading
# NETCDF:"<file>":/science/grids/data/coherence with nodata=0; MATLAB GUNW tutorials reading
# /science/grids/data/{longitude,latitude,coherence}): float32 coherence beside 1-D longitude
# and latitude pixel-centre coordinates, latitude decreasing.
#
# Needs Python with GDAL and h5py (default /work/venv; override with PYTHON=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-/work/venv/bin/python}"
fixture="$repo/tests/fixtures/aria_warped"
rm -rf "$fixture"
mkdir -p "$fixture"
cd "$fixture"
"$py" - <<'PY'
import json
import h5py
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
rows, cols = 12, 16
d = 1.0 / 1024  # a binary-exact step, so GDAL's geotransform from the centres is exact
wgs84 = osr.SpatialReference()
wgs84.ImportFromEPSG(4326)
rng = np.random.default_rng(3)


def frame(name, north):
    """A GUNW-like netCDF-4 frame of rows x cols pixels whose first row's top is `north`."""
    lon = -118.0 + (np.arange(cols) + 0.5) * d
    lat = north - (np.arange(rows) + 0.5) * d
    coh = rng.uniform(0.05, 1.0, (rows, cols)).astype(np.float32)
    coh[0, :3] = 0.0  # no-data pixels (GUNW's fill value 0)
    coh[-1, -2:] = 0.0
    coh[5, 6] = np.nan  # GDAL's warper takes NaN for no data too
    coh[1, 6] = np.nan  # in the second frame: the first frame's value shows through
    coh[6, 7] = -0.0
    with h5py.File(name, "w") as f:
        g = f.create_group("science/grids/data")
        la = g.create_dataset("latitude", data=lat)
        la.make_scale("latitude")
        la.attrs["units"] = np.bytes_("degrees_north")
        lo = g.create_dataset("longitude", data=lon)
        lo.make_scale("longitude")
        lo.attrs["units"] = np.bytes_("degrees_east")
        crs = g.create_dataset("crs", data=np.int32(0))
        crs.attrs["spatial_ref"] = np.bytes_(wgs84.ExportToWkt())
        crs.attrs["grid_mapping_name"] = np.bytes_("latitude_longitude")
        c = g.create_dataset("coherence", data=coh, fillvalue=np.float32(0))
        c.attrs["_FillValue"] = np.float32(0)
        c.attrs["grid_mapping"] = np.bytes_("crs")
        c.dims[0].attach_scale(la)
        c.dims[1].attach_scale(lo)
    return f'NETCDF:"{name}":/science/grids/data/coherence'


# Two frames along track (the second 8 rows south, overlapping 4 rows), as BuildVRT mosaics them.
frames = [
    frame("S1-GUNW-A-R-064-tops-20190710_20190628-015013-00118W_00035N-PP-a1b9-v2_0_2.nc", 35.0),
    frame("S1-GUNW-A-R-064-tops-20190710_20190628-015038-00118W_00035N-PP-a1b9-v2_0_2.nc", 35.0 - 8 * d),
]
bbox = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[
            [-117.9975, 34.9985], [-117.9870, 34.9975], [-117.9880, 34.9810],
            [-117.9985, 34.9822], [-117.9975, 34.9985]]]}}]}
with open("productBoundingBox.json", "w") as f:
    json.dump(bbox, f)
gdal.BuildVRT("20190710_20190628_uncropped.vrt", frames)
bounds = (-118.0 + 2 * d, 35.0 - 18 * d, -118.0 + 14 * d, 35.0 - 1 * d)
opts = gdal.WarpOptions(format="VRT", cutlineDSName="productBoundingBox.json",
                        outputBounds=bounds, xRes=d, yRes=d, targetAlignedPixels=True,
                        multithread=True, dstSRS="EPSG:4326")
gdal.Warp("20190710_20190628.vrt", "20190710_20190628_uncropped.vrt", options=opts)
ds = gdal.Open("20190710_20190628.vrt")
a = ds.GetRasterBand(1).ReadAsArray().astype("<f4")
a.tofile("gdal_read.f32")
with open("gdal_read.txt", "w") as f:
    f.write(f"{ds.RasterYSize} {ds.RasterXSize}\n")
# A real resampling: bilinear to 1.5 times the pixel size.
ropts = gdal.WarpOptions(format="VRT", outputBounds=bounds, xRes=1.5 * d, yRes=1.5 * d,
                         resampleAlg="bilinear", dstSRS="EPSG:4326")
gdal.Warp("resampled.vrt", "20190710_20190628_uncropped.vrt", options=ropts)
# Nearest neighbour on a grid shifted by half a pixel, and a reprojection: both refused.
sopts = gdal.WarpOptions(format="VRT", outputBounds=tuple(b + d / 2 for b in bounds), xRes=d,
                         yRes=d, dstSRS="EPSG:4326")
gdal.Warp("shifted.vrt", "20190710_20190628_uncropped.vrt", options=sopts)
gdal.Warp("reprojected.vrt", "20190710_20190628_uncropped.vrt",
          options=gdal.WarpOptions(format="VRT", dstSRS="EPSG:32611"))
PY
rm -f ./*.aux.xml

# Part 2: the mintpy_aria folder with each pair's coherence replaced by such a warped VRT over a
# GUNW-like frame 3 pixels larger on every side (the stack's values inside, random outside,
# a quadrilateral cutline), and MintPy 1.6.4's load_data on it (its GDAL reads the warped VRTs).
venv="${MINTPY_VENV:-/work/venv}"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$repo/tests/fixtures/mintpy_aria/stack" "$work/stack"
cat > "$work/warpify.py" <<'PY'
# Replaces each pair's coherence with ariaTSsetup.py's default warped VRT over a GUNW-like frame.
import glob, json, os, sys
import h5py, numpy as np
from osgeo import gdal, osr
gdal.UseExceptions()
os.chdir(sys.argv[1])
wgs84 = osr.SpatialReference(); wgs84.ImportFromEPSG(4326)
rng = np.random.default_rng(5)
pad = 3
for vrt in sorted(glob.glob("coherence/*.vrt")):
    pair = os.path.basename(vrt)[:-4]
    ds = gdal.Open(vrt); a = ds.ReadAsArray().astype(np.float32); gt = ds.GetGeoTransform()
    rows, cols = a.shape; ds = None
    d = gt[1]
    big = rng.uniform(0.05, 1.0, (rows + 2 * pad, cols + 2 * pad)).astype(np.float32)
    big[pad:pad + rows, pad:pad + cols] = a
    lon = gt[0] + (np.arange(cols + 2 * pad) - pad + 0.5) * gt[1]
    lat = gt[3] + (np.arange(rows + 2 * pad) - pad + 0.5) * gt[5]
    nc = f"products/S1-GUNW-A-R-064-tops-{pair}-015013-00118W_00034N-PP-a1b9-v2_0_2.nc"
    os.makedirs("products", exist_ok=True)
    with h5py.File(nc, "w") as f:
        g = f.create_group("science/grids/data")
        la = g.create_dataset("latitude", data=lat); la.make_scale("latitude")
        lo = g.create_dataset("longitude", data=lon); lo.make_scale("longitude")
        crs = g.create_dataset("crs", data=np.int32(0))
        crs.attrs["spatial_ref"] = np.bytes_(wgs84.ExportToWkt())
        crs.attrs["grid_mapping_name"] = np.bytes_("latitude_longitude")
        c = g.create_dataset("coherence", data=big, fillvalue=np.float32(0))
        c.attrs["_FillValue"] = np.float32(0); c.attrs["grid_mapping"] = np.bytes_("crs")
        c.dims[0].attach_scale(la); c.dims[1].attach_scale(lo)
    x0, y0 = gt[0], gt[3]; x1, y1 = x0 + cols * d, y0 - rows * d
    poly = [[x0 + 0.3 * d, y0 - 2.2 * d], [x1 - 1.7 * d, y0 + 0.4 * d], [x1 + 0.2 * d, y1 + 3.6 * d],
            [x0 + 4.1 * d, y1 - 0.5 * d], [x0 + 0.3 * d, y0 - 2.2 * d]]
    json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
               "geometry": {"type": "Polygon", "coordinates": [poly]}}]}, open("productBoundingBox.json", "w"))
    for f in (f"coherence/{pair}", f"coherence/{pair}.hdr", vrt):
        os.remove(f)
    un = f"coherence/{pair}_uncropped.vrt"
    # Relative paths, so the folder can move (ARIA-tools writes absolute ones).
    os.chdir("coherence")
    gdal.BuildVRT(f"{pair}_uncropped.vrt", [f'NETCDF:"../{nc}":/science/grids/data/coherence'])
    os.chdir("..")
    gdal.Warp(vrt, un, options=gdal.WarpOptions(format="VRT", cutlineDSName="productBoundingBox.json",
              outputBounds=(x0 + 1e-6 * d, y1 + 1e-6 * d, x1 - 1e-6 * d, y0 - 1e-6 * d), xRes=d, yRes=d, targetAlignedPixels=True, multithread=True,
              dstSRS="EPSG:4326"))
    b = gdal.Open(vrt)
    assert (b.RasterXSize, b.RasterYSize) == (cols, rows), (b.RasterXSize, b.RasterYSize)
    assert np.allclose(b.GetGeoTransform(), gt, rtol=0, atol=1e-9 * d), (b.GetGeoTransform(), gt)
os.remove("productBoundingBox.json")
print("ok")
PY
"$py" "$work/warpify.py" "$work/stack"
mkdir -p "$work/stack/mintpy"
cp "$repo/tests/fixtures/mintpy_aria/SimAria.txt" "$work/stack/mintpy/"
(cd "$work/stack/mintpy" && "$venv/bin/smallbaselineApp.py" SimAria.txt --dostep load_data > load.log 2>&1) \
    || { cat "$work/stack/mintpy/load.log" >&2; exit 1; }
mkdir -p "$fixture/folder"
cp -a "$work/stack/coherence" "$work/stack/products" "$fixture/folder/"
cp "$work/stack/mintpy/inputs/ifgramStack.h5" "$fixture/folder/"
cat > README.md <<'README'
# aria_warped: ariaTSsetup.py's default per-pair coherence VRT and GDAL's read of it

Made by `scripts/make-aria-warped-fixture.sh` (do not edit by hand; re-run the script; the
ARIA-tools facts it reproduces are noted there).

- `S1-GUNW-*.nc`: two tiny GUNW-like netCDF-4 frames (`/science/grids/data/coherence`, float32,
  fill 0; 1-D `longitude`/`latitude`, latitude decreasing), 12 x 16 pixels of 1/1024 degree,
  the second 8 rows south of the first.
- `20190710_20190628_uncropped.vrt`: `gdal.BuildVRT` of their coherence subdatasets.
- `20190710_20190628.vrt`: `gdal.Warp(format="VRT")` of it with ARIA-tools' options (cutline
  `productBoundingBox.json`, outputBounds, xRes/yRes, targetAlignedPixels, dstSRS EPSG:4326).
- `gdal_read.f32` (`gdal_read.txt`: rows columns): GDAL's read of that VRT, little-endian float32.
- `resampled.vrt`: a warp that resamples (bilinear, 1.5 pixels), `shifted.vrt` (nearest, half a
  pixel off), `reprojected.vrt` (to UTM 11N): warps sbas refuses.
- `folder/`: `coherence/` and `products/` to lay over a copy of `../mintpy_aria/stack` (its
  coherence rasters removed): per pair a GUNW-like frame (1/1200 degree, 3 pixels wider than the
  stack on every side) and ariaTSsetup.py's `<pair>_uncropped.vrt` and warped `<pair>.vrt` (a
  cutline per pair); `ifgramStack.h5`: MintPy 1.6.4's load_data on that folder.
README
ls -la "$fixture" "$fixture/folder"
