#!/usr/bin/env python3
"""Asserts that two folders' Zarr stores hold the same arrays once decoded: same names, shapes,
dtypes, attributes and values (NaN equal to NaN), whatever their chunks, shards or codecs. Shows
that a change of storage layout (e.g. sharding the time series) kept every value.

    compare-zarr-decoded.py DIR_A DIR_B      (needs zarr>=3 and numpy)
"""
import os
import sys

import numpy as np
import zarr


def stores(root):
    out = []
    for d, dirs, _ in os.walk(root):
        for x in sorted(dirs):
            if x.endswith(".zarr"):
                out.append(os.path.relpath(os.path.join(d, x), root))
        dirs[:] = sorted(x for x in dirs if not x.endswith(".zarr"))
    return sorted(out)


def arrays(group, prefix=""):
    for name, a in sorted(group.arrays()):
        yield prefix + name, a
    for name, g in sorted(group.groups()):
        yield from arrays(g, prefix + name + "/")


def main(a_root, b_root):
    sa, sb = stores(a_root), stores(b_root)
    assert sa == sb, f"different stores: {sorted(set(sa) ^ set(sb))}"
    n_arrays = 0
    for s in sa:
        ga = zarr.open_group(os.path.join(a_root, s), mode="r")
        gb = zarr.open_group(os.path.join(b_root, s), mode="r")
        assert dict(ga.attrs) == dict(gb.attrs), f"{s}: root attributes differ"
        aa, ab = dict(arrays(ga)), dict(arrays(gb))
        assert aa.keys() == ab.keys(), f"{s}: arrays {sorted(aa)} vs {sorted(ab)}"
        for name in aa:
            x, y = aa[name], ab[name]
            assert x.shape == y.shape and x.dtype == y.dtype, f"{s}/{name}: shape or dtype"
            assert dict(x.attrs) == dict(y.attrs), f"{s}/{name}: attributes differ"
            vx, vy = x[...], y[...]
            same = np.array_equal(vx, vy, equal_nan=vx.dtype.kind == "f")
            assert same, f"{s}/{name}: values differ"
            if vx.dtype.kind == "f":
                # Bit patterns too (NaN payloads, signed zeros).
                assert np.array_equal(vx.view(f"u{vx.itemsize}"), vy.view(f"u{vy.itemsize}")), name
            n_arrays += 1
    print(f"{len(sa)} stores, {n_arrays} arrays: decoded values, dtypes and attributes identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
