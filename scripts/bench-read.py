#!/usr/bin/env python3
"""Read speed of a time series, stored three ways: times (ms) and bytes read (MB, from the
process's `rchar`, so page-cache hits count too) of one date's map, one pixel's series and the
whole cube. Each figure is the best of a few repeats (warm page cache: what a user exploring a
run sees after the first look). Used by scripts/bench-read.sh.

    bench-read.py LABEL=PATH [LABEL=PATH ...]

PATH is a Zarr store (its `timeseries` array, read with zarr-python) or an HDF5 file (its
`timeseries` dataset, read with h5py, as MintPy's tsview.py reads it).
"""
import sys
import time

import numpy as np

REPEATS = 3
# Pixels as fractions of the image's rows and columns.
PIXELS = [(0.5, 0.5), (0.123, 0.877), (0.901, 0.042)]


def rchar():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


def best(fn):
    """Best time (ms) and the bytes read by the last repeat (MB)."""
    times, mb = [], 0.0
    for _ in range(REPEATS):
        r0, t0 = rchar(), time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        mb = (rchar() - r0) / 1e6
    return min(times), mb


def opener(path):
    if path.endswith(".h5"):
        import h5py

        f = h5py.File(path, "r")
        return f["timeseries"], f
    import zarr

    g = zarr.open_group(path, mode="r")
    return g["timeseries"], g


def layout(ts, path):
    if path.endswith(".h5"):
        return f"HDF5 chunks {ts.chunks}" if ts.chunks else "HDF5 contiguous"
    shards = getattr(ts, "shards", None)
    if shards:
        return f"shards {tuple(shards)}, subchunks {tuple(ts.chunks)}"
    return f"chunks {tuple(ts.chunks)}"


def main(args):
    print(f"{'layout':<48} {'date map':>18} {'pixel series':>18} {'whole cube':>18}")
    ref = None
    for arg in args:
        label, path = arg.split("=", 1)
        ts, handle = opener(path)
        n = ts.shape[0]
        k = n // 2
        date = best(lambda: np.asarray(ts[k, :, :]))
        rows, cols = ts.shape[1], ts.shape[2]
        pixels = [(int(fy * rows), int(fx * cols)) for fy, fx in PIXELS]
        series = [best(lambda y=y, x=x: np.asarray(ts[:, y, x])) for (y, x) in pixels]
        s_ms = float(np.mean([s[0] for s in series]))
        s_mb = float(np.mean([s[1] for s in series]))
        cube_holder = {}

        def cube():
            cube_holder["a"] = np.asarray(ts[:, :, :])

        whole = best(cube)
        a = cube_holder["a"]
        if ref is None:
            ref = a
        same = np.array_equal(a, ref, equal_nan=True)
        name = f"{label}: {layout(ts, path)}"
        print(
            f"{name:<48} {date[0]:8.1f} ms {date[1]:6.1f} MB"
            f" {s_ms:8.1f} ms {s_mb:6.2f} MB {whole[0]:8.0f} ms {whole[1]:6.0f} MB"
            f"{'' if same else '  VALUES DIFFER'}"
        )
        del handle
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
