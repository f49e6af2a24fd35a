#!/usr/bin/env python3
"""dolphin's own reader (`dolphin.io.load_gdal`) on a simulated dolphin work folder against GDAL on
the ISCE2 topsStack simulation of the same scene (what MintPy's `load_data` and sbas's ISCE2 reader
read, bit-identical: tests/fixtures/mintpy_*). sbas's dolphin reader equals its ISCE2 reader on the
same pair of simulations (tests/readers_dolphin.rs), so agreement here closes the chain: dolphin,
MintPy and sbas read the same arrays.

Usage: check-dolphin-readers.py DOLPHIN_SIM_DIR ISCE_SIM_DIR   (run by scripts/check-dolphin-readers.sh)
Needs dolphin (0.42) in the interpreter running it.
"""
import glob
import os
import sys

import numpy as np
from dolphin.io import load_gdal

dol, isce = sys.argv[1:3]
pairs = sorted(os.path.basename(p)[: -len(".unw.tif")]
               for p in glob.glob(os.path.join(dol, "dolphin/unwrapped/*.unw.tif")))
if not pairs:
    sys.exit(f"no unwrapped/*.unw.tif under {dol}/dolphin")


def isce_band(path, band):
    # Through GDAL (dolphin's load_gdal), by the .vrt sidecar as MintPy's readers open them.
    # (Importing osgeo beside dolphin's rasterio crashed this interpreter: one GDAL user only.)
    return load_gdal(path + ".vrt", band=band)


bad = 0
counts = {"phase": 0, "coherence": 0, "conncomp": 0}
for p in pairs:
    d = os.path.join(isce, "merged/interferograms", p)
    # dolphin writes no data as 0 in the phase and 65535 in the components; the ISCE2 simulation
    # has no missing pixels, so both must hold every value.
    ours = {
        "phase": load_gdal(os.path.join(dol, f"dolphin/unwrapped/{p}.unw.tif")),
        "coherence": load_gdal(os.path.join(dol, f"dolphin/interferograms/{p}.int.cor.tif")),
        "conncomp": load_gdal(os.path.join(dol, f"dolphin/unwrapped/{p}.unw.conncomp.tif")),
    }
    ref = {
        "phase": isce_band(os.path.join(d, "filt_fine.unw"), 2),
        "coherence": isce_band(os.path.join(d, "filt_fine.cor"), 1),
        "conncomp": isce_band(os.path.join(d, "filt_fine.unw.conncomp"), 1),
    }
    for name in ours:
        a, b = np.asarray(ours[name]), np.asarray(ref[name])
        if name == "conncomp":
            a = np.where(a == 65535, 0, a).astype(np.int64)
            b = b.astype(np.int64)
        else:
            a, b = a.astype(np.float32), b.astype(np.float32)
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            diff = np.nanmax(np.abs(a.astype(np.float64) - b)) if a.shape == b.shape else "shape"
            print(f"{p} {name}: dolphin's reader differs from the ISCE2 simulation (max |d| {diff})")
            bad += 1
        else:
            counts[name] += 1
print(f"{len(pairs)} pairs: phase identical in {counts['phase']}, coherence in {counts['coherence']}, "
      f"conncomp in {counts['conncomp']}")
sys.exit(1 if bad else 0)
