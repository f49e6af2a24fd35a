//! The ARIA reader against MintPy 1.6.4's `load_data` (prep_aria) on the committed simulated
//! folder (`tests/fixtures/mintpy_aria`, made by `scripts/make-mintpy-aria-fixture.sh`), the
//! simulation (arrays as the ISCE2 simulation's where ARIA keeps data, the inversion recovers
//! the truth), bad input, and an inversion in the stack's latitude/longitude grid.

use crate::common::{geometry, open_err, same_bits, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate, simulate_aria, Effects, SimConfig};
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::{open_stack, GeomLayer, StackCoords, StackLayer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_aria")
}

#[test]
fn arrays_and_attributes_equal_mintpys_load_data() {
    let ours = open_stack(&fixture().join("stack")).unwrap();
    let mintpy = open_stack(&fixture().join("inputs/ifgramStack.h5")).unwrap();
    let (a, m) = (ours.info(), mintpy.info());
    assert_eq!((a.length, a.width), (m.length, m.width));
    assert_eq!(a.network.num_pairs(), 9);
    assert_eq!(a.network.pairs, m.network.pairs);
    assert_eq!(a.network.pair_bperp, m.network.pair_bperp);
    for layer in [
        StackLayer::Phase,
        StackLayer::Coherence,
        StackLayer::ConnComp,
    ] {
        assert!(
            same_bits(&whole(&*ours, layer), &whole(&*mintpy, layer)),
            "{layer:?}"
        );
    }
    // The fixture has NaN phase (ARIA's masking) and GDAL's -32768 components.
    assert!(whole(&*ours, StackLayer::Phase).iter().any(|v| v.is_nan()));
    assert!(whole(&*ours, StackLayer::ConnComp).contains(&-32768.0));
    let geo = fixture().join("inputs/geometryGeo.h5");
    let f = hdf5::File::open(&geo).unwrap();
    for (layer, name) in [
        (GeomLayer::Height, "height"),
        (GeomLayer::IncidenceAngle, "incidenceAngle"),
        (GeomLayer::AzimuthAngle, "azimuthAngle"),
        (GeomLayer::SlantRangeDistance, "slantRangeDistance"),
    ] {
        let want: Vec<f32> = f.dataset(name).unwrap().read_raw().unwrap();
        assert!(same_bits(&geometry(&*ours, layer), &want), "{name}");
    }
    let want: Vec<bool> = f.dataset("waterMask").unwrap().read_raw().unwrap();
    let got = geometry(&*ours, GeomLayer::WaterMask);
    assert!(want.contains(&false) && want.contains(&true));
    assert!(got.iter().zip(&want).all(|(g, w)| (*g != 0.0) == *w));

    // Every attribute MintPy's prep_aria writes, with MintPy's text; left out are those
    // load_data adds itself (template keys, file type) and EPSG, which MintPy does not write
    // (sbas states the VRT's 4326).
    let path = fixture().join("inputs/ifgramStack.h5");
    let h5 = hdf5::File::open(&path).unwrap();
    let mattrs = read_root_attributes(&h5, &path).unwrap();
    let skipped = |k: &str| k.starts_with("mintpy.") || ["FILE_TYPE", "EPSG"].contains(&k);
    let mut compared = 0;
    for (k, v) in mattrs.iter().filter(|(k, _)| !skipped(k)) {
        assert_eq!(a.attrs.get(k), Some(v), "{k}");
        compared += 1;
    }
    assert!(compared >= 38, "{compared}");
    assert_eq!(a.attrs.get("EPSG"), Some("4326"));
    let StackCoords::Map(g) = &a.coords else {
        panic!("an ARIA stack is in map coordinates");
    };
    assert_eq!((g.epsg, g.degrees), (Some(4326), true));
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

fn config(rows: usize, cols: usize, dates: usize) -> SimConfig {
    SimConfig {
        rows,
        cols,
        num_dates: dates,
        effects: Effects::all(),
        ..SimConfig::default()
    }
}

#[test]
fn arrays_equal_the_isce2_simulation_and_the_inversion_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(40, 50, 12);
    simulate_aria(&dir.path().join("aria"), &c).unwrap();
    simulate(&dir.path().join("isce"), &c).unwrap();
    let aria = open_stack(&dir.path().join("aria")).unwrap();
    let isce = open_stack(&dir.path().join("isce")).unwrap();
    assert_eq!(aria.info().network.pairs, isce.info().network.pairs);
    let (ba, bi) = (
        &aria.info().network.pair_bperp,
        &isce.info().network.pair_bperp,
    );
    assert!(
        ba.iter().zip(bi).all(|(a, b)| (a - b).abs() < 1e-3),
        "{ba:?} {bi:?}"
    );
    // Where ARIA keeps data (components nonzero) the phase is the ISCE2 simulation's, with
    // ISCE2's sign; elsewhere NaN.
    let (pa, pi) = (
        whole(&*aria, StackLayer::Phase),
        whole(&*isce, StackLayer::Phase),
    );
    let ci = whole(&*isce, StackLayer::ConnComp);
    let mut kept = 0;
    for ((a, i), c) in pa.iter().zip(&pi).zip(&ci) {
        if *c != 0.0 && *i != 0.0 {
            assert_eq!(a.to_bits(), i.to_bits());
            kept += 1;
        } else {
            assert!(a.is_nan());
        }
    }
    assert!(kept > pa.len() / 2, "{kept}");
    assert!(same_bits(
        &whole(&*aria, StackLayer::Coherence),
        &whole(&*isce, StackLayer::Coherence)
    ));
    crate::common::assert_inversion_recovers_truth(
        &dir.path().join("aria"),
        &dir.path().join("aria/truth"),
        &dir.path().join("out"),
    );
}

fn small() -> SimConfig {
    SimConfig {
        rows: 12,
        cols: 15,
        num_dates: 4,
        neighbors: 2,
        ..SimConfig::default()
    }
}

#[test]
fn bad_folders_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    let fresh = || {
        let _ = std::fs::remove_dir_all(&stack);
        simulate_aria(&stack, &small()).unwrap();
    };
    let edit = |p: &Path, from: &str, to: &str| {
        let t = std::fs::read_to_string(p).unwrap();
        assert!(t.contains(from), "{from} not in {}", p.display());
        std::fs::write(p, t.replacen(from, to, 1)).unwrap();
    };
    fresh();
    assert_eq!(open_stack(&stack).unwrap().info().network.num_pairs(), 5);
    let unw_vrt = stack.join("stack/unwrapStack.vrt");
    let pair = "20200113_20200101";

    // A missing coherence stack VRT.
    std::fs::remove_file(stack.join("stack/cohStack.vrt")).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("cohStack.vrt") && e.contains("no coherence"),
        "{e}"
    );
    // A band pointing at a missing file.
    fresh();
    std::fs::remove_file(stack.join(format!("unwrappedPhase/{pair}.vrt"))).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(&format!("unwrappedPhase/{pair}.vrt")), "{e}");
    // A raster cut short.
    fresh();
    let raw = stack.join(format!("coherence/{pair}"));
    let b = std::fs::read(&raw).unwrap();
    std::fs::write(&raw, &b[..b.len() - 8]).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(&format!("coherence/{pair}")), "{e}");
    // A pair raster of another size.
    fresh();
    let hdr = stack.join(format!("unwrappedPhase/{pair}.hdr"));
    edit(&hdr, "samples = 15", "samples = 14");
    let e = open_err(&stack);
    assert!(e.contains(pair), "{e}");
    // A pair on another grid (its VRT's origin moved by a pixel).
    fresh();
    let pv = stack.join(format!("coherence/{pair}.vrt"));
    edit(&pv, "-1.1834999999999999e+02", "-1.1834900000000000e+02");
    let e = open_err(&stack);
    assert!(
        e.contains(&format!("coherence/{pair}.vrt")) && e.contains("grid"),
        "{e}"
    );
    // A band that windows its source.
    fresh();
    edit(&unw_vrt, "<DstRect xOff=\"0\"", "<DstRect xOff=\"1\"");
    let e = open_err(&stack);
    assert!(
        e.contains("unwrapStack.vrt") && e.contains("DstRect"),
        "{e}"
    );
    // A band without its dates.
    fresh();
    edit(&unw_vrt, &format!("<MDI key=\"Dates\">{pair}</MDI>"), "");
    let e = open_err(&stack);
    assert!(
        e.contains("unwrapStack.vrt") && e.contains("no Dates"),
        "{e}"
    );
    // A coherence stack missing a pair of the phase stack.
    fresh();
    edit(
        &stack.join("stack/cohStack.vrt"),
        &format!("<MDI key=\"Dates\">{pair}</MDI>"),
        "<MDI key=\"Dates\">20210101_20200101</MDI>",
    );
    let e = open_err(&stack);
    assert!(
        e.contains("cohStack.vrt") && e.contains("20200101_20200113"),
        "{e}"
    );
    // A "warped" VRT without warp options, or a plain VRT of a netCDF subdataset.
    fresh();
    edit(
        &pv,
        "<VRTDataset ",
        "<VRTDataset subClass=\"VRTWarpedDataset\" ",
    );
    let e = open_err(&stack);
    assert!(
        e.contains(&format!("coherence/{pair}.vrt")) && e.contains("-of ENVI"),
        "{e}"
    );
    fresh();
    edit(
        &pv,
        &format!(">{pair}</SourceFilename>"),
        ">NETCDF:\"S1-GUNW.nc\":/science/grids/data/coherence</SourceFilename>",
    );
    let e = open_err(&stack);
    assert!(
        e.contains(&format!("coherence/{pair}.vrt")) && e.contains("NETCDF"),
        "{e}"
    );
    // Missing geometry MintPy needs.
    fresh();
    for f in ["glo_90.dem", "glo_90.hdr", "glo_90.dem.vrt"] {
        std::fs::remove_file(stack.join("DEM").join(f)).unwrap();
    }
    let e = open_err(&stack);
    assert!(e.contains("no DEM") && e.contains("DEM/*.dem"), "{e}");
    // Malformed metadata.
    fresh();
    edit(&unw_vrt, "<MDI key=\"orbitDirection\">ASCENDING</MDI>", "");
    let e = open_err(&stack);
    assert!(
        e.contains("unwrapStack.vrt") && e.contains("orbitDirection"),
        "{e}"
    );
    fresh();
    std::fs::write(&unw_vrt, "<VRTDataset rasterXSize=\"15\">").unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("unwrapStack.vrt") && e.contains("malformed"),
        "{e}"
    );
}

#[test]
fn invert_runs_in_the_stacks_lat_lon_grid() {
    let dir = tempfile::tempdir().unwrap();
    simulate_aria(&dir.path().join("s"), &small()).unwrap();
    crate::common::assert_inverted_attributes(
        &dir.path().join("s"),
        &[],
        &[
            ("X_FIRST", "-118.350000000"),
            ("Y_FIRST", "34.050000000"),
            ("X_UNIT", "degrees"),
            ("HEADING", "-12"),
            ("ORBIT_DIRECTION", "ASCENDING"),
        ],
    );
}

#[test]
fn aria_template_runs_load_to_velocity() {
    use crate::common::{sbas, stderr};
    let dir = tempfile::tempdir().unwrap();
    simulate_aria(&dir.path().join("proj"), &small()).unwrap();
    let work = dir.path().join("proj/mintpy");
    std::fs::create_dir_all(&work).unwrap();
    // prep_aria's template keys, relative to the work folder; the others are ARIA's defaults,
    // the water mask turned off.
    let template = work.join("aria.txt");
    std::fs::write(
        &template,
        "mintpy.load.processor = aria\n\
         mintpy.load.unwFile = ../stack/unwrapStack.vrt\n\
         mintpy.load.waterMaskFile = none\n\
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
    assert_eq!(v.attrs().get("EPSG"), Some("4326"));
    assert_eq!(v.attrs().get("X_FIRST"), Some("-118.350000000"));
    let geom = sbas::product::Product::open(&work, "inputs/geometryGeo").unwrap();
    let names = geom.dataset_names();
    assert!(names.iter().any(|n| n == "azimuthAngle"), "{names:?}");
    assert!(!names.iter().any(|n| n == "waterMask"), "{names:?}");
}

#[test]
fn geotiff_rasters_of_ariatssetup_of_gtiff_are_read() {
    use tiff::encoder::{colortype, TiffEncoder};
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    simulate_aria(&stack, &small()).unwrap();
    let before = whole(&*open_stack(&stack).unwrap(), StackLayer::Phase);
    // `ariaTSsetup.py -of GTiff` writes each pair's raster as a GeoTIFF of the same name.
    let (rows, cols) = (12usize, 15usize);
    for entry in std::fs::read_dir(stack.join("unwrappedPhase")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some() {
            continue;
        }
        let raw = std::fs::read(&p).unwrap();
        let v: Vec<f32> = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        std::fs::remove_file(p.with_extension("hdr")).unwrap();
        let mut f = std::fs::File::create(&p).unwrap();
        TiffEncoder::new(&mut f)
            .unwrap()
            .write_image::<colortype::Gray32Float>(cols as u32, rows as u32, &v)
            .unwrap();
    }
    let after = whole(&*open_stack(&stack).unwrap(), StackLayer::Phase);
    assert!(same_bits(&before, &after));
}

#[test]
fn the_stack_folder_or_its_vrt_opens_the_aria_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s");
    simulate_aria(&root, &small()).unwrap();
    for p in [
        root.clone(),
        root.join("stack"),
        root.join("stack/unwrapStack.vrt"),
    ] {
        let s = open_stack(&p).unwrap();
        assert_eq!(s.info().network.num_pairs(), 5, "{}", p.display());
        assert!(s.info().geometry.contains(&GeomLayer::Height));
    }
}

/// ariaTSsetup.py's default per-pair coherence VRT (a gdal.Warp VRT with a cutline over a
/// BuildVRT mosaic of two GUNW netCDF-4 frames, `tests/fixtures/aria_warped`, made by
/// `scripts/make-aria-warped-fixture.sh`) reads as GDAL reads it, bit for bit; a warp that
/// really resamples is refused.
#[test]
fn warped_coherence_vrt_equals_gdals_read() {
    use sbas::source::aria::vrt_stack::Band;
    use sbas::window::Window;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aria_warped");
    let shape = std::fs::read_to_string(dir.join("gdal_read.txt")).unwrap();
    let dims: Vec<usize> = shape
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let (rows, cols) = (dims[0], dims[1]);
    let gdal: Vec<f32> = std::fs::read(dir.join("gdal_read.f32"))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(gdal.len(), rows * cols);
    let band = Band::open(&dir.join("20190710_20190628.vrt")).unwrap();
    assert_eq!(band.size(), (cols, rows));
    assert_eq!(band.nodata, Some(0.0));
    let g = band.grid.as_ref().unwrap();
    assert_eq!(g.epsg, Some(4326));
    let mut ours = vec![f32::NAN; rows * cols];
    let all = Window {
        y0: 0,
        y1: rows,
        x0: 0,
        x1: cols,
    };
    band.read(&all, &mut ours).unwrap();
    assert!(same_bits(&ours, &gdal), "ours {ours:?}\nGDAL {gdal:?}");
    // The cutline and no-data leave zeros, and both frames contribute values.
    let zeros = gdal.iter().filter(|v| **v == 0.0).count();
    assert!(zeros > cols && zeros < rows * cols / 2, "{zeros} zeros");
    // A window read equals the same part of the whole.
    let part = Window {
        y0: 3,
        y1: 15,
        x0: 1,
        x1: 9,
    };
    let mut p = vec![f32::NAN; 12 * 8];
    band.read(&part, &mut p).unwrap();
    for r in 0..12 {
        let whole_row = &gdal[(r + 3) * cols + 1..(r + 3) * cols + 9];
        assert!(same_bits(&p[r * 8..r * 8 + 8], whole_row), "row {r}");
    }
    let err = format!("{:#}", Band::open(&dir.join("resampled.vrt")).unwrap_err());
    assert!(
        err.contains("resampled.vrt") && err.contains("Bilinear"),
        "{err}"
    );
    let err = format!("{:#}", Band::open(&dir.join("shifted.vrt")).unwrap_err());
    assert!(
        err.contains("shifted.vrt") && err.contains("do not line up"),
        "{err}"
    );
    let err = format!(
        "{:#}",
        Band::open(&dir.join("reprojected.vrt")).unwrap_err()
    );
    assert!(
        err.contains("reprojected.vrt") && err.contains("reprojects"),
        "{err}"
    );
}

fn copy_tree_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree_into(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// The mintpy_aria folder with every pair's coherence as ariaTSsetup.py's default warped VRT
/// over a GUNW-like netCDF-4 frame (1/1200-degree pixels, a cutline per pair;
/// `tests/fixtures/aria_warped/folder`): sbas's stack equals MintPy 1.6.4's load_data on it.
#[test]
fn folder_with_warped_coherence_equals_mintpys_load_data() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("stack");
    copy_tree_into(&fixture().join("stack"), &stack);
    std::fs::remove_dir_all(stack.join("coherence")).unwrap();
    let warped = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aria_warped/folder");
    copy_tree_into(&warped.join("coherence"), &stack.join("coherence"));
    copy_tree_into(&warped.join("products"), &stack.join("products"));
    let ours = open_stack(&stack).unwrap();
    let mintpy = open_stack(&warped.join("ifgramStack.h5")).unwrap();
    let (a, m) = (ours.info(), mintpy.info());
    assert_eq!((a.length, a.width), (m.length, m.width));
    assert_eq!(a.network.pairs, m.network.pairs);
    for layer in [
        StackLayer::Phase,
        StackLayer::Coherence,
        StackLayer::ConnComp,
    ] {
        assert!(
            same_bits(&whole(&*ours, layer), &whole(&*mintpy, layer)),
            "{layer:?}"
        );
    }
    // The cutlines left zeros where the ENVI coherence had values.
    let before = open_stack(&fixture().join("stack")).unwrap();
    let (old, new) = (
        whole(&*before, StackLayer::Coherence),
        whole(&*ours, StackLayer::Coherence),
    );
    let cut = old
        .iter()
        .zip(&new)
        .filter(|(o, n)| **o != 0.0 && **n == 0.0)
        .count();
    assert!(cut > 0 && cut < old.len() / 4, "{cut} pixels cut");
    assert!(old
        .iter()
        .zip(&new)
        .all(|(o, n)| *n == 0.0 || o.to_bits() == n.to_bits()));
}
