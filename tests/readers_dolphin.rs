//! The dolphin reader on simulated work folders (`sbas simulate --processor dolphin`): the
//! arrays equal the ISCE2 simulation of the same scene, the inversion recovers the truth on the
//! stack's UTM grid, and bad folders are refused naming the file.

use crate::common::{open_err, whole};
use std::path::Path;

use sbas::simulate::{simulate, simulate_dolphin, Effects, SimConfig};
use sbas::source::{open_stack, GeomLayer, StackCoords, StackLayer};
use sbas::window::Window;

fn cfg(rows: usize, cols: usize, dates: usize) -> SimConfig {
    SimConfig {
        rows,
        cols,
        num_dates: dates,
        neighbors: 3,
        seed: 11,
        effects: Effects::all(),
        ..SimConfig::default()
    }
}

#[test]
fn arrays_equal_the_isce_simulation_and_inversion_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(40, 50, 12);
    simulate_dolphin(&dir.path().join("dol"), &c).unwrap();
    simulate(&dir.path().join("isce"), &c).unwrap();
    let dol = open_stack(&dir.path().join("dol/dolphin")).unwrap();
    let isce = open_stack(&dir.path().join("isce")).unwrap();
    let (a, b) = (dol.info(), isce.info());
    assert_eq!((a.length, a.width), (40, 50));
    assert_eq!(a.network.pairs, b.network.pairs);
    assert!(a.network.pair_bperp.iter().all(|&x| x == 0.0));
    for layer in [
        StackLayer::Phase,
        StackLayer::Coherence,
        StackLayer::ConnComp,
    ] {
        assert_eq!(whole(&*dol, layer), whole(&*isce, layer), "{layer:?}");
    }
    assert!(a.geometry.is_empty());
    let mut g = vec![0f32; 1];
    let e = dol
        .read_geometry(GeomLayer::Height, &Window::pixel(0, 0), &mut g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no geometry"), "{e}");
    let StackCoords::Map(grid) = &a.coords else {
        panic!("a dolphin stack is in map coordinates");
    };
    assert_eq!(
        (grid.epsg, grid.degrees, grid.x_step, grid.y_step),
        (Some(32611), false, 30.0, -30.0)
    );
    for (k, v) in [
        ("PROCESSOR", "dolphin"),
        ("UTM_ZONE", "11N"),
        ("ALOOKS", "3"),
        ("RLOOKS", "6"),
    ] {
        assert_eq!(a.attrs.get(k), Some(v), "{k}");
    }
    assert!(a.warnings.iter().any(|w| w.contains("no baselines")));

    // The inversion from the work folder itself.
    crate::common::assert_inversion_recovers_truth(
        &dir.path().join("dol/dolphin"),
        &dir.path().join("dol/truth"),
        &dir.path().join("out"),
    );
}

#[test]
fn bad_folders_are_refused_naming_the_file() {
    let geotiffs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geotiff");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let work = out.join("dolphin");
    let fresh = || {
        let _ = std::fs::remove_dir_all(&out);
        simulate_dolphin(&out, &cfg(12, 15, 5)).unwrap();
    };
    let first = "20200101_20200113";
    // Components for some pairs only.
    fresh();
    std::fs::remove_file(work.join(format!("unwrapped/{first}.unw.conncomp.tif"))).unwrap();
    let e = open_err(&work);
    assert!(
        e.contains(&format!("{first}.unw.conncomp.tif")) && e.contains("present for"),
        "{e}"
    );
    // No correlation at all: the layer is absent, not an error.
    fresh();
    std::fs::remove_dir_all(work.join("interferograms")).unwrap();
    let s = open_stack(&work).unwrap();
    assert!(!s.info().has_layer(StackLayer::Coherence));
    // A correlation on another grid.
    fresh();
    let cor = work.join(format!("interferograms/{first}.int.cor.tif"));
    std::fs::copy(geotiffs.join("tile_deflate_bigtiff_4326.tif"), &cor).unwrap();
    let e = open_err(&work);
    assert!(e.contains(".int.cor.tif") && e.contains("EPSG:4326"), "{e}");
    // A truncated phase.
    fresh();
    let unw = work.join(format!("unwrapped/{first}.unw.tif"));
    let bytes = std::fs::read(&unw).unwrap();
    std::fs::write(&unw, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(&work);
    assert!(e.contains(".unw.tif") && e.contains("truncated"), "{e}");
}
