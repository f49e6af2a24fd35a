//! Outputs of a stack in map coordinates (a simulated HyP3 stack, UTM zone 11N): Zarr stores
//! georeferenced the way rioxarray reads them (`scripts/check-rioxarray.py` checks the same
//! stores with rioxarray itself), MintPy's geometry name, no geocoding, subsets on the map grid.

use std::path::{Path, PathBuf};

use sbas::simulate::{simulate_hyp3, SimConfig};
use serde_json::Value;

use crate::common::{sbas, stderr};

fn small() -> SimConfig {
    SimConfig {
        rows: 12,
        cols: 15,
        num_dates: 5,
        neighbors: 2,
        ..SimConfig::default()
    }
}

/// A simulated HyP3 stack inverted, with its velocity, in a temporary folder; returns the
/// folder and the run folder.
fn run(dir: &Path) -> PathBuf {
    simulate_hyp3(&dir.join("sim"), &small(), false).unwrap();
    let stack = dir.join("sim/hyp3");
    let out = dir.join("run");
    for args in [
        vec![
            "invert",
            stack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        vec!["velocity", out.to_str().unwrap()],
    ] {
        let o = sbas(&args);
        assert!(o.status.success(), "sbas {args:?}: {}", stderr(&o));
    }
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn attr(root: &Value, key: &str) -> f64 {
    root["attributes"][key].as_str().unwrap().parse().unwrap()
}

/// Little-endian float64 values of a one-chunk coordinate array stored without compression.
fn f64s(store: &Path, name: &str) -> Vec<f64> {
    std::fs::read(store.join(name).join("c/0"))
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn check_store(store: &Path, data: &str) {
    let root = json(&store.join("zarr.json"));
    let (x0, y0) = (attr(&root, "X_FIRST"), attr(&root, "Y_FIRST"));
    let (dx, dy) = (attr(&root, "X_STEP"), attr(&root, "Y_STEP"));
    let sr = json(&store.join("spatial_ref/zarr.json"));
    let a = &sr["attributes"];
    let wkt = a["crs_wkt"].as_str().unwrap();
    assert!(
        wkt.starts_with("PROJCS[\"WGS 84 / UTM zone 11N\"")
            && wkt.ends_with("AUTHORITY[\"EPSG\",\"32611\"]]"),
        "{wkt}"
    );
    assert_eq!(a["spatial_ref"].as_str(), Some(wkt));
    let gt: Vec<f64> = a["GeoTransform"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(gt, [x0, dx, 0.0, y0, 0.0, dy], "{}", store.display());
    let d = json(&store.join(data).join("zarr.json"));
    let dims = d["dimension_names"].as_array().unwrap();
    assert_eq!(dims[dims.len() - 2..], [Value::from("y"), Value::from("x")]);
    assert_eq!(d["attributes"]["grid_mapping"], "spatial_ref");
    let (x, y) = (f64s(store, "x"), f64s(store, "y"));
    assert_eq!(x.len(), 15);
    assert_eq!(y.len(), 12);
    assert_eq!(x[0], x0 + 0.5 * dx);
    assert_eq!(y[11], y0 + 11.5 * dy);
    let xa = json(&store.join("x/zarr.json"));
    assert_eq!(xa["data_type"], "float64");
    assert_eq!(xa["attributes"]["units"], "m");
}

#[test]
fn zarr_outputs_carry_the_crs_and_map_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    check_store(&out.join("sbas.zarr"), "timeseries");
    check_store(&out.join("velocity.zarr"), "velocity");
}

#[test]
fn geometry_is_geometry_geo_geocode_is_not_needed_and_subsets_cut_the_map_grid() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    // MintPy's name for the geometry of a geocoded stack.
    assert!(out.join("inputs/geometryGeo.zarr").is_dir());
    assert!(!out.join("inputs/geometryRadar.zarr").exists());
    // Nothing to geocode: a note, success, no geo/ folder.
    let o = sbas(&["geocode", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("geocoding is not needed"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("geo").exists());
    // Rows/columns of a map stack cut every product, geometry included; the corner moves by
    // whole pixels and is written as MintPy writes it.
    let sub = dir.path().join("sub");
    let o = sbas(&[
        "subset",
        out.to_str().unwrap(),
        "--subset-yx",
        "2:10,3:12",
        "--out",
        sub.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full = json(&out.join("velocity.zarr/zarr.json"));
    let cut = json(&sub.join("velocity.zarr/zarr.json"));
    let x0 = attr(&full, "X_FIRST") + 3.0 * attr(&full, "X_STEP");
    assert_eq!(cut["attributes"]["X_FIRST"], format!("{x0:.1}"));
    assert!(sub.join("inputs/geometryGeo.zarr").is_dir());
    let sr = json(&sub.join("velocity.zarr/spatial_ref/zarr.json"));
    assert!(sr["attributes"]["GeoTransform"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{x0:.1} ")));
    // A latitude/longitude box is projected to the UTM grid (read as eastings/northings it
    // would miss the grid).
    let sub = dir.path().join("sub-lalo");
    let o = sbas(&[
        "subset",
        out.to_str().unwrap(),
        "--subset-lalo",
        "34.057:34.061,-118.340:-118.334",
        "--out",
        sub.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cut = json(&sub.join("velocity.zarr/zarr.json"));
    let (w, l) = (attr(&cut, "WIDTH"), attr(&cut, "LENGTH"));
    assert!(
        (4.0..15.0).contains(&w) && (4.0..12.0).contains(&l),
        "{w} x {l}"
    );
}

#[test]
fn hyp3_template_runs_load_to_velocity() {
    let dir = tempfile::tempdir().unwrap();
    simulate_hyp3(&dir.path().join("proj"), &small(), false).unwrap();
    let work = dir.path().join("proj/mintpy");
    std::fs::create_dir_all(&work).unwrap();
    // MintPy's HyP3 template keys, relative to the work folder; only the pairs whose first
    // date is in January 2020 (all but the last two of 7 pairs).
    let template = work.join("hyp3.txt");
    std::fs::write(
        &template,
        "mintpy.load.processor = hyp3\n\
         mintpy.load.unwFile = ../hyp3/S1AA_202001*/*unw_phase.tif\n\
         mintpy.load.corFile = ../hyp3/*/*corr.tif\n\
         mintpy.load.demFile = ../hyp3/*/*dem.tif\n\
         mintpy.load.incAngleFile = ../hyp3/*/*lv_theta.tif\n\
         mintpy.load.azAngleFile = none\n\
         mintpy.load.waterMaskFile = ../hyp3/*/*water_mask.tif\n\
         mintpy.troposphericDelay.method = no\n",
    )
    .unwrap();
    let o = sbas(&[
        "run",
        template.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
        "--end",
        "velocity",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = sbas::product::Product::open(&work, "velocity").unwrap();
    assert_eq!(v.attrs().get("EPSG"), Some("32611"));
    let geom = sbas::product::Product::open(&work, "inputs/geometryGeo").unwrap();
    let names = geom.dataset_names();
    assert!(names.iter().any(|n| n == "height"), "{names:?}");
    assert!(!names.iter().any(|n| n == "azimuthAngle"), "{names:?}");
    let stack = sbas::source::hyp3::Hyp3Stack::open(&dir.path().join("proj/hyp3")).unwrap();
    let all = sbas::source::StackSource::info(&stack).network.num_pairs();
    let mut globs = sbas::source::layout::LoadGlobs::new();
    let hyp3 = dir.path().join("proj/hyp3");
    globs.set(
        sbas::source::layout::LoadKey::Unw,
        hyp3.join("S1AA_202001*/*unw_phase.tif").to_string_lossy(),
    );
    let some = sbas::source::hyp3::Hyp3Stack::open_with(&hyp3, &globs).unwrap();
    let n = sbas::source::StackSource::info(&some).network.num_pairs();
    assert!(n > 0 && n < all, "{n} of {all} pairs");
}

#[test]
fn geotiff_export_is_in_the_stacks_utm_zone() {
    use tiff::decoder::Decoder;
    use tiff::tags::Tag;
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    let tif = dir.path().join("v.tif");
    let o = sbas(&[
        "export",
        out.to_str().unwrap(),
        "velocity:velocity",
        "--out",
        tif.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let root = json(&out.join("velocity.zarr/zarr.json"));
    let mut dec = Decoder::new(std::fs::File::open(&tif).unwrap()).unwrap();
    let keys = dec.get_tag_u16_vec(Tag::Unknown(34735)).unwrap();
    // GTModelType projected, ProjectedCSType 32611, metres.
    assert_eq!(&keys[4..8], &[1024, 0, 1, 1]);
    assert_eq!(&keys[12..16], &[3072, 0, 1, 32611]);
    assert_eq!(&keys[16..20], &[3076, 0, 1, 9001]);
    let tie = dec.get_tag_f64_vec(Tag::Unknown(33922)).unwrap();
    assert_eq!(tie[3..5], [attr(&root, "X_FIRST"), attr(&root, "Y_FIRST")]);
}
