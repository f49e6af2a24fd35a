#!/usr/bin/env python3
"""Writes the small GeoTIFFs of tests/fixtures/geotiff/ with GDAL (python3-gdal), one per
storage variant the reader must handle: strips and tiles (with padded edge tiles), LZW, Deflate
and ZSTD, the floating-point and horizontal predictors, BigTIFF, integer and float samples,
PixelIsArea and PixelIsPoint, UTM north/south and EPSG:4326, GDAL_NODATA, and a file without
georeferencing. The pixel values follow a formula the Rust tests recompute
(src/source/raster/geotiff.rs, tests `fixture_*`):

    k(y, x) = (53 y + 29 x) mod 211;  float value = float32(k) * float32(0.37) - float32(20)

Usage: /work/venv/bin/python scripts/make-geotiff-fixtures.py [OUT_DIR]
"""
import os
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
OUT = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/geotiff'
LENGTH, WIDTH = 45, 70


def k_grid():
    y, x = np.mgrid[0:LENGTH, 0:WIDTH]
    return (53 * y + 29 * x) % 211


def float_grid():
    return k_grid().astype(np.float32) * np.float32(0.37) - np.float32(20)


def write(name, data, gdal_type, epsg, origin, step, options, nodata=None, point=False):
    path = os.path.join(OUT, name)
    drv = gdal.GetDriverByName('GTiff')
    ds = drv.Create(path, WIDTH, LENGTH, 1, gdal_type, options=options)
    if epsg is not None:
        if point:
            ds.SetMetadataItem('AREA_OR_POINT', 'Point')
        ds.SetGeoTransform((origin[0], step[0], 0.0, origin[1], 0.0, step[1]))
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(data)
    ds = None
    print('wrote', path)


def main():
    os.makedirs(OUT, exist_ok=True)
    f = float_grid()
    f_nan = f.copy()
    f_nan[3, 5] = np.nan
    write('strip_lzw_fpred_utm11n.tif', f, gdal.GDT_Float32, 32611, (500000.0, 4000000.0),
          (30.0, -30.0), ['COMPRESS=LZW', 'PREDICTOR=3', 'BLOCKYSIZE=7'])
    write('tile_deflate_bigtiff_4326.tif', f_nan, gdal.GDT_Float32, 4326, (-118.5, 35.25),
          (0.001, -0.002), ['TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=32', 'COMPRESS=DEFLATE',
                            'PREDICTOR=3', 'BIGTIFF=YES'], nodata=float('nan'))
    write('tile_zstd_u8_point_utm33s.tif', (k_grid() % 256).astype(np.uint8), gdal.GDT_Byte,
          32733, (300000.0, 7000000.0), (80.0, -80.0),
          ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=16', 'COMPRESS=ZSTD', 'PREDICTOR=2'],
          nodata=0, point=True)
    write('strip_raw_i16_utm11n.tif', (k_grid() - 100).astype(np.int16), gdal.GDT_Int16, 32611,
          (500000.0, 4000000.0), (30.0, -30.0), ['BLOCKYSIZE=10'], nodata=-9999)
    write('strip_deflate_f64_4326.tif', f.astype(np.float64), gdal.GDT_Float64, 4326,
          (10.0, 50.0), (0.5, -0.25), ['COMPRESS=DEFLATE'])
    write('no_georef.tif', f, gdal.GDT_Float32, None, None, None, [])


if __name__ == '__main__':
    main()
