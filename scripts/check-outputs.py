#!/usr/bin/env python3
"""Manual check of an sbas run directory with MintPy 1.6.4, h5py, xarray and zarr (not used by CI).

Usage: check-outputs.py RUN_DIR [OUT_DIR]

For MintPy-layout HDF5 outputs it runs MintPy's own `info.py`, `view.py --nodisplay` and
`tsview.py --nodisplay` on them, reads them through `mintpy.utils.readfile` the way tsview/view do,
and checks dtypes and attribute types with h5py. For the Zarr store it opens it with
`xarray.open_zarr` (warnings are errors) and `zarr.open_consolidated`. PNGs go to OUT_DIR
(default RUN_DIR/check). Exits non-zero on the first failed check.
"""
import os
import subprocess
import sys
import warnings

import numpy as np

H5_FILES = {
    "timeseries.h5": ("timeseries", "timeseries", "m"),
    "temporalCoherence.h5": ("temporalCoherence", "temporalCoherence", "1"),
    "numInvIfgram.h5": ("mask", "mask", "1"),
    "avgSpatialCoh.h5": ("coherence", "coherence", "1"),
    "maskTempCoh.h5": ("mask", "mask", "1"),
}


def check(cond, msg):
    if not cond:
        print(f"FAILED: {msg}")
        sys.exit(1)
    print(f"ok: {msg}")


def run(cmd, cwd):
    """Runs a MintPy command-line tool from the same environment as this interpreter."""
    exe = os.path.join(os.path.dirname(sys.executable), cmd[0])
    print(f"\n$ {' '.join(cmd)}   (in {cwd})")
    res = subprocess.run([exe] + cmd[1:], cwd=cwd, capture_output=True, text=True)
    print(res.stdout.rstrip())
    if res.stderr.strip():
        print("[stderr]", res.stderr.rstrip())
    check(res.returncode == 0, f"{cmd[0]} exited with 0")
    return res.stdout


def check_hdf5(run_dir, out_dir):
    import h5py
    from mintpy.objects import timeseries
    from mintpy.utils import readfile

    for name, (dset, ftype, unit) in H5_FILES.items():
        path = os.path.join(run_dir, name)
        check(os.path.isfile(path), f"{name} exists")
        check(not os.path.exists(path + ".part"), f"{name}.part is gone")
        with h5py.File(path, "r") as f:
            check(dset in f, f"{name} has dataset {dset}")
            for key, value in f.attrs.items():
                if not isinstance(value, str):
                    check(False, f"{name} attribute {key} is a str (got {type(value)})")
                atype = f.attrs.get_id(key).get_type()
                if not (atype.is_variable_str() and atype.get_cset() == h5py.h5t.CSET_UTF8):
                    check(False, f"{name} attribute {key} is a variable-length UTF-8 string")
            check(True, f"{name}: all {len(f.attrs)} attributes are variable-length UTF-8 str")
            check(f.attrs["FILE_TYPE"] == ftype, f"{name} FILE_TYPE = {ftype}")
            check(f.attrs.get("UNIT") == unit, f"{name} UNIT = {unit}")
            ds = f[dset]
            want = np.bool_ if name == "maskTempCoh.h5" else np.float32
            check(ds.dtype == want, f"{name}/{dset} dtype {ds.dtype}")
            check(ds.chunks is not None, f"{name}/{dset} chunked {ds.chunks}")
            if name == "timeseries.h5":
                check(f["date"].dtype == np.dtype("S8"), f"date dtype {f['date'].dtype}")
                dtid = f["date"].id.get_type()
                check(dtid.get_strpad() == h5py.h5t.STR_NULLPAD
                      and dtid.get_cset() == h5py.h5t.CSET_ASCII,
                      "date strings are NULLPAD ASCII, as h5py writes numpy |S8")
                check(f["bperp"].dtype == np.float32, "bperp float32")
                check(ds.maxshape[0] is None, f"timeseries maxshape {ds.maxshape}")
                check("REF_DATE" in f.attrs, f"REF_DATE = {f.attrs['REF_DATE']}")
            if name == "maskTempCoh.h5":
                tid = ds.id.get_type()
                check(isinstance(tid, h5py.h5t.TypeEnumID), "mask stored as an HDF5 enum")
                members = {tid.get_member_name(i): tid.get_member_value(i) for i in range(tid.get_nmembers())}
                check(members == {b"FALSE": 0, b"TRUE": 1}, f"enum members {members}")
                check(tid.get_super().get_size() == 1, "enum base is 1 byte (int8)")
        atr = readfile.read_attribute(path)
        check(atr["FILE_TYPE"] == ftype, f"readfile FILE_TYPE of {name} = {atr['FILE_TYPE']}")
        data, _ = readfile.read(path)
        print(f"   readfile.read({name}) -> {data.dtype} {data.shape}, "
              f"min {np.nanmin(data):.4g} max {np.nanmax(data):.4g}")

    ts_file = os.path.join(run_dir, "timeseries.h5")
    obj = timeseries(ts_file)
    obj.open(print_msg=False)
    print(f"   timeseries object: {obj.numDate} dates {obj.dateList}, ref date {obj.metadata.get('REF_DATE')}, "
          f"pbase {obj.pbase}")
    # How tsview reads one pixel's series: all date slices over a 1-pixel box.
    length, width = int(atr["LENGTH"]), int(atr["WIDTH"])
    y, x = length // 2, width // 2
    series = readfile.read(ts_file, datasetName=obj.dateList, box=(x, y, x + 1, y + 1))[0]
    print(f"   tsview-style read of pixel (y={y}, x={x}): {np.ravel(series)}")
    check(np.ravel(series).size == obj.numDate, "one value per date")
    one = readfile.read(ts_file, datasetName=obj.dateList[-1])[0]
    check(one.shape == (length, width), f"date slice timeseries-{obj.dateList[-1]} is {one.shape}")

    run(["info.py", "timeseries.h5"], run_dir)
    run(["info.py", "maskTempCoh.h5"], run_dir)
    png = os.path.join(out_dir, "timeseries_view.png")
    run(["view.py", os.path.join(run_dir, "timeseries.h5"), "--nodisplay", "-o", png], out_dir)
    check(os.path.isfile(png), f"view.py wrote {png}")
    png2 = os.path.join(out_dir, "temporalCoherence_view.png")
    run(["view.py", os.path.join(run_dir, "temporalCoherence.h5"), "--nodisplay", "-o", png2], out_dir)
    run(["tsview.py", os.path.join(run_dir, "timeseries.h5"), "--yx", str(y), str(x), "--nodisplay"],
        out_dir)


def check_zarr(run_dir):
    import xarray as xr
    import zarr

    path = os.path.join(run_dir, "sbas.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_zarr(path)
        print(ds)
    check(np.issubdtype(ds["date"].dtype, np.datetime64), f"date decodes to {ds['date'].dtype}")
    for name in ["timeseries", "temporalCoherence", "numInvIfgram", "avgSpatialCoh", "maskTempCoh"]:
        check(name in ds.data_vars, f"variable {name}: {ds[name].dims} {ds[name].dtype}")
    check(ds["timeseries"].dims == ("date", "y", "x"), "timeseries dims (date, y, x)")
    check(ds.attrs.get("sbas_complete") is True, "sbas_complete is true")
    print("   first dates:", [str(d)[:10] for d in ds["date"].values[:3]])
    print("   timeseries chunks:", ds["timeseries"].encoding.get("chunks"),
          "compressors:", ds["timeseries"].encoding.get("compressors"))
    mean = ds["timeseries"].isel(date=-1).mean().values
    print(f"   mean of last date: {mean:.6g} m")
    g = zarr.open_consolidated(path, mode="r")
    check(set(g.array_keys()) >= {"timeseries", "date", "bperp"}, "zarr.open_consolidated works")
    check_series_products(run_dir)


def check_series_products(run_dir):
    """Every other store of the run holding a per-date `timeseries` (corrected and geocoded
    series, sharded by sbas's own shard writer): xarray opens it without warnings, its dates
    decode, and its values equal zarr-python's read of the array and of one pixel's series and
    one date's map through the subchunks."""
    import xarray as xr
    import zarr

    stores = sorted(
        os.path.join(d, x)
        for d, dirs, _ in os.walk(run_dir)
        for x in dirs
        if x.endswith(".zarr") and x != "sbas.zarr"
    )
    for path in stores:
        g = zarr.open_consolidated(path, mode="r")
        if "timeseries" not in g.array_keys():
            continue
        a = g["timeseries"]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ds = xr.open_zarr(path)
        v = ds["timeseries"].values
        check(np.issubdtype(ds["date"].dtype, np.datetime64) and v.shape == a.shape,
              f"{os.path.relpath(path, run_dir)}: xarray reads {v.shape}, shards {a.shards}, "
              f"subchunks {a.chunks}")
        check(np.array_equal(v, a[:], equal_nan=True), "   same values as zarr-python's read")
        n, rows, cols = a.shape
        y, x = rows // 2, cols // 3
        check(np.array_equal(a[:, y, x], v[:, y, x], equal_nan=True)
              and np.array_equal(a[n // 2], v[n // 2], equal_nan=True),
              f"   pixel ({y}, {x})'s series and date {n // 2}'s map read alone agree")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    run_dir = os.path.abspath(sys.argv[1])
    out_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(run_dir, "check")
    os.makedirs(out_dir, exist_ok=True)
    found = False
    if os.path.isfile(os.path.join(run_dir, "timeseries.h5")):
        found = True
        print("== MintPy-layout HDF5 ==")
        check_hdf5(run_dir, out_dir)
    if os.path.isdir(os.path.join(run_dir, "sbas.zarr")):
        found = True
        print("== Zarr store ==")
        check_zarr(run_dir)
    check(found, f"{run_dir} holds sbas results")
    print("\nall checks passed")


if __name__ == "__main__":
    main()
