"""Builds tests/fixtures/mintpy_chain/tropo/ with MintPy 1.6.4 (called by
scripts/make-mintpy-chain-fixture.sh; run with MintPy's Python):

- ERA5.h5: a synthetic absolute delay time series (metres, no reference attributes) for all
  dates but one of tests/fixtures/mintpy_small/mintpy_var/timeseries.h5;
- timeseries_ERA5.h5: MintPy's `diff.py timeseries.h5 ERA5.h5 --force` (what smallbaselineApp
  does with an existing inputs/ERA5.h5);
- GACOS/YYYYMMDD.ztd(.rsc): synthetic zenith delays on a lat/lon grid covering the scene;
- GACOS.h5, timeseries_GACOS.h5: MintPy's `tropo_gacos.py` on them with the fixture geometry.
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
from mintpy.utils import readfile, writefile

repo = sys.argv[1]
venv_bin = sys.argv[2]
small = os.path.join(repo, 'tests/fixtures/mintpy_small')
out = os.path.join(repo, 'tests/fixtures/mintpy_chain/tropo')
work = sys.argv[3]
os.makedirs(out, exist_ok=True)
os.makedirs(work, exist_ok=True)
ts_file = os.path.join(work, 'timeseries.h5')
os.makedirs(os.path.join(work, 'inputs'), exist_ok=True)
# tropo_gacos.py writes GACOS.h5 next to the geometry file: use a copy.
geom_file = os.path.join(work, 'inputs/geometryRadar.h5')
shutil.copy(os.path.join(small, 'inputs/geometryRadar.h5'), geom_file)
shutil.copy(os.path.join(small, 'mintpy_var/timeseries.h5'), ts_file)

ts, atr = readfile.read(ts_file)
dates = [d.decode() for d in h5py.File(ts_file, 'r')['date'][:]]
n, length, width = ts.shape
rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:length, 0:width].astype(np.float32)

# ERA5-style delay: all dates but the 4th, absolute (no REF_* attributes).
keep = [i for i in range(n) if i != 3]
delay = np.stack([
    (0.02 * rng.standard_normal() + 0.001 * (yy - 10) * rng.standard_normal()
     + 0.0005 * xx * rng.standard_normal()).astype(np.float32)
    for _ in keep])
meta = dict(atr)
for k in ['REF_DATE', 'REF_X', 'REF_Y', 'REF_LAT', 'REF_LON']:
    meta.pop(k, None)
meta['FILE_TYPE'] = 'timeseries'
meta['UNIT'] = 'm'
era5 = os.path.join(work, 'ERA5.h5')
writefile.write({'timeseries': delay,
                 'date': np.array([dates[i] for i in keep], dtype=np.bytes_),
                 'bperp': np.zeros(len(keep), dtype=np.float32)},
                out_file=era5, metadata=meta)
subprocess.run([os.path.join(venv_bin, 'diff.py'), ts_file, era5, '-o',
                os.path.join(work, 'timeseries_ERA5.h5'), '--force'], check=True, cwd=work)

# GACOS zenith delays on a 0.01-degree grid around the scene (north-up).
lat = readfile.read(geom_file, datasetName='latitude')[0]
lon = readfile.read(geom_file, datasetName='longitude')[0]
s, nth = float(np.nanmin(lat[lat != 0])) - 0.02, float(np.nanmax(lat)) + 0.02
w, e = float(np.nanmin(lon[lon != 0])) - 0.02, float(np.nanmax(lon)) + 0.02
step = 0.003
rows, cols = int(np.ceil((nth - s) / step)), int(np.ceil((e - w) / step))
gdir = os.path.join(work, 'GACOS')
os.makedirs(gdir, exist_ok=True)
gy, gx = np.mgrid[0:rows, 0:cols].astype(np.float32)
for i, d in enumerate(dates):
    if i == 5:
        continue  # one date without a GACOS file
    z = (2.3 + 0.05 * rng.standard_normal() + 0.002 * gy * rng.standard_normal()
         + 0.001 * gx * rng.standard_normal()).astype(np.float32)
    z.tofile(os.path.join(gdir, f'{d}.ztd'))
    with open(os.path.join(gdir, f'{d}.ztd.rsc'), 'w') as f:
        f.write(f'WIDTH {cols}\nFILE_LENGTH {rows}\nXMIN 0\nXMAX {cols - 1}\nYMIN 0\n'
                f'YMAX {rows - 1}\nX_FIRST {w}\nY_FIRST {nth}\nX_STEP {step}\n'
                f'Y_STEP {-step}\nX_UNIT degrees\nY_UNIT degrees\nZ_OFFSET 0\nZ_SCALE 1\n'
                f'PROJECTION LATLON\nDATUM WGS84\n')
subprocess.run([os.path.join(venv_bin, 'tropo_gacos.py'), '-f', ts_file, '-g', geom_file,
                '--dir', gdir, '-o', os.path.join(work, 'timeseries_GACOS.h5')],
               check=True, cwd=work)

for f in ['ERA5.h5', 'timeseries_ERA5.h5', 'timeseries_GACOS.h5']:
    shutil.copy(os.path.join(work, f), out)
shutil.copy(os.path.join(work, 'inputs/GACOS.h5'), out)
if os.path.isdir(os.path.join(out, 'GACOS')):
    shutil.rmtree(os.path.join(out, 'GACOS'))
shutil.copytree(gdir, os.path.join(out, 'GACOS'))
print('tropo fixture written to', out)
