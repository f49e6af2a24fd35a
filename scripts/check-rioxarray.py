#!/usr/bin/env python3
"""Asserts that rioxarray opens every Zarr store of an sbas run on a map-coordinate stack
georeferenced: the CRS is the stack's EPSG code, the transform (stored and recomputed from the
coordinates) is MintPy's X_FIRST/Y_FIRST/X_STEP/Y_STEP, and the 1-D coordinates are pixel
centres.

    python3 -m venv /tmp/rx && /tmp/rx/bin/pip install rioxarray xarray zarr
    sbas simulate --processor hyp3 --rows 40 --cols 50 --dates 6 --neighbors 2 sim
    sbas invert sim/hyp3 --out run && sbas velocity run
    /tmp/rx/bin/python scripts/check-rioxarray.py run
"""
import pathlib
import sys

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr


def check(store: pathlib.Path) -> None:
    ds = xr.open_zarr(store)
    a = ds.attrs
    epsg = int(a["EPSG"])
    x0, y0 = float(a["X_FIRST"]), float(a["Y_FIRST"])
    dx, dy = float(a["X_STEP"]), float(a["Y_STEP"])
    want = (dx, 0.0, x0, 0.0, dy, y0)
    assert ds.rio.crs is not None, f"{store}: no CRS"
    assert ds.rio.crs.to_epsg() == epsg, f"{store}: CRS {ds.rio.crs}, want EPSG:{epsg}"
    for recalc in (False, True):
        t = tuple(ds.rio.transform(recalc=recalc))[:6]
        assert np.allclose(t, want, rtol=0, atol=1e-9 * max(1.0, abs(x0), abs(y0))), (
            f"{store}: transform (recalc={recalc}) {t}, want {want}"
        )
    xdim, ydim = ds.rio.x_dim, ds.rio.y_dim
    degrees = ds.rio.crs.is_geographic
    assert (ydim, xdim) == (("lat", "lon") if degrees else ("y", "x")), (store, ydim, xdim)
    x, y = ds[xdim].values, ds[ydim].values
    assert np.array_equal(x, x0 + dx * (np.arange(x.size) + 0.5)), f"{store}: x not pixel centres"
    assert np.array_equal(y, y0 + dy * (np.arange(y.size) + 0.5)), f"{store}: y not pixel centres"
    maps = [v for v in ds.data_vars if ds[v].dims[-2:] == (ydim, xdim)]
    assert maps, f"{store}: no map"
    for v in maps:
        assert ds[v].rio.crs == ds.rio.crs, f"{store}: {v} has CRS {ds[v].rio.crs}"
    print(f"ok {store}: EPSG:{epsg}, {len(maps)} maps, {y.size} x {x.size}")


def check_tif(tif: pathlib.Path, store: pathlib.Path) -> None:
    import rasterio

    a = xr.open_zarr(store).attrs
    with rasterio.open(tif) as d:
        assert d.crs.to_epsg() == int(a["EPSG"]), f"{tif}: CRS {d.crs}"
        want = (float(a["X_STEP"]), 0.0, float(a["X_FIRST"]), 0.0, float(a["Y_STEP"]), float(a["Y_FIRST"]))
        assert tuple(d.transform)[:6] == want, f"{tif}: transform {d.transform}, want {want}"
    print(f"ok {tif}: EPSG:{a['EPSG']}")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    stores = sorted(pathlib.Path(sys.argv[1]).rglob("*.zarr"))
    assert stores, f"no Zarr store below {sys.argv[1]}"
    for s in stores:
        check(s)
    tifs = sorted(pathlib.Path(sys.argv[1]).glob("*.tif"))
    try:
        import rasterio  # noqa: F401
    except ImportError:
        tifs and print("rasterio not installed: GeoTIFFs not checked")
        return
    for t in tifs:
        check_tif(t, stores[0])


if __name__ == "__main__":
    main()
