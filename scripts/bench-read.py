#!/usr/bin/env python3
"""Read speed of a time series, stored three ways: times (ms) and bytes read (MB, from the
process's `rchar`, so page-cache hits count too) of one date's map, one pixel's series and the
whole cube. Each figure is the best of a few repeats (warm page cache: what a user exploring a
run sees after the first look). Used by scripts/bench-read.sh.

    bench-read.py LABEL=PATH [LABEL=PATH ...]
    bench-read.py --unshard SRC_STORE DST_STORE   (today's layout from a sharded store)
    bench-read.py --reshard SRC_STORE DST_STORE D,R,C   (the same shards, other subchunks)

PATH is a Zarr store (its `timeseries` array, read with zarr-python) or an HDF5 file (its
`timeseries` dataset, read with h5py, as MintPy's tsview.py reads it).
"""
import os
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


def evict(path):
    """Drops the files of `path` (a store folder or a file) from the page cache, so that the
    next read comes from the disk; other files are left alone."""
    paths = [path] if os.path.isfile(path) else [
        os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs
    ]
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def best(path, fn):
    """Cold time (files evicted, freshly opened), best warm time (ms, freshly opened each
    time so no library cache helps) and the bytes one read asks for (MB)."""
    times, mb = [], 0.0
    for k in range(REPEATS + 1):
        if k == 0:
            evict(path)
        ts, handle = opener(path)
        r0, t0 = rchar(), time.perf_counter()
        fn(ts)
        times.append((time.perf_counter() - t0) * 1e3)
        mb = (rchar() - r0) / 1e6
        del handle, ts
    return times[0], min(times[1:]), mb


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


def unshard(src, dst, sub=None):
    """Copies store `src` to `dst` with its time series in the layout sbas wrote before
    sharding: plain chunks of every date of a shard's block of pixels, uncompressed; or, given
    `sub` (dates, rows, cols), the same shards with those subchunks."""
    import shutil

    import zarr

    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    g = zarr.open_group(dst, mode="r+", use_consolidated=False)
    old = g["timeseries"]
    data, attrs = old[...], dict(old.attrs)
    shape, shards = old.shape, old.shards
    dims = old.metadata.dimension_names
    del g["timeseries"]
    new = g.create_array(
        "timeseries", shape=shape, chunks=sub or shards, shards=shards if sub else None,
        dtype="float32", fill_value=np.nan, compressors=None, dimension_names=dims,
        attributes=attrs,
    )
    new[...] = data
    zarr.consolidate_metadata(dst)


def main(args):
    if args and args[0] == "--unshard":
        unshard(args[1], args[2])
        return 0
    if args and args[0] == "--reshard":
        unshard(args[1], args[2], tuple(int(v) for v in args[3].split(",")))
        return 0
    print(f"{'layout':<50} {'date map: cold, warm ms, MB':>30} {'pixel series':>26} {'whole cube':>24}")
    ref = None
    for arg in args:
        label, path = arg.split("=", 1)
        ts, handle = opener(path)
        n, rows, cols = ts.shape
        name = f"{label}: {layout(ts, path)}"
        del ts, handle
        k = n // 2
        date = best(path, lambda ts: np.asarray(ts[k, :, :]))
        pixels = [(int(fy * rows), int(fx * cols)) for fy, fx in PIXELS]
        series = [best(path, lambda ts, y=y, x=x: np.asarray(ts[:, y, x])) for (y, x) in pixels]
        s_mean = [float(np.mean([s[i] for s in series])) for i in range(3)]
        holder = {}

        def cube(ts):
            holder["a"] = np.asarray(ts[:, :, :])

        whole = best(path, cube)
        a = holder["a"]
        if ref is None:
            ref = a
        same = np.array_equal(a, ref, equal_nan=True)
        cell = lambda t: f"{t[0]:8.1f} {t[1]:8.1f} {t[2]:7.2f}"
        print(f"{name:<50} {cell(date):>30} {cell(s_mean):>26} {cell(whole):>24}"
              f"{'' if same else '  VALUES DIFFER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
