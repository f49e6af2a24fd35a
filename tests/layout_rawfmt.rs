//! ROI_PAC stacks on the layout seam: MintPy's `mintpy.load.*File` globs choose the files, so a
//! tree whose names differ from MintPy's defaults reads the same as the default tree.

use std::path::{Path, PathBuf};

use sbas::source::layout::{LoadGlobs, LoadKey};
use sbas::source::{open_stack, open_stack_globs, StackLayer};
use sbas::window::Window;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies `from` into `to`, renaming every path component through `rename`.
fn copy_renamed(from: &Path, to: &Path, rename: &dyn Fn(&str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = rename(&e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            copy_renamed(&e.path(), &to.join(name), rename);
        } else {
            std::fs::copy(e.path(), to.join(name)).unwrap();
        }
    }
}

/// The ROI_PAC fixture with interferogram folders `pair_*` and files `ifg_*` (sidecars and
/// companions renamed alike), and the DEM in `pair_*/dem_*`.
fn renamed_roipac(dir: &Path) -> PathBuf {
    let stack = dir.join("renamed");
    copy_renamed(&fixture("mintpy_roipac/stack"), &stack, &|n| {
        n.replace("IFG_", "pair_")
            .replace("filt_", "ifg_")
            .replace("radar_", "dem_")
    });
    stack
}

fn roipac_globs(stack: &Path) -> LoadGlobs {
    let mut g = LoadGlobs::new();
    let at = |p: &str| stack.join(p).to_string_lossy().into_owned();
    g.set(LoadKey::Unw, at("PROCESS/DONE/pair_*/ifg_*.unw"));
    g.set(LoadKey::Cor, at("PROCESS/DONE/pair_*/ifg_*.cor"));
    g.set(
        LoadKey::ConnComp,
        at("PROCESS/DONE/pair_*/ifg_*snap_connect.byt"),
    );
    g.set(LoadKey::Dem, at("PROCESS/DONE/*/dem_*rlks.hgt"));
    g
}

#[test]
fn roipac_files_renamed_are_found_through_the_globs() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = renamed_roipac(tmp.path());
    // The default globs see no interferogram folder: the renamed tree is not a ROI_PAC stack
    // by MintPy's names.
    assert!(open_stack(&stack).is_err());
    // A project folder the format recognises, the renamed files given by globs.
    let project = tmp.path().join("project");
    copy_renamed(&fixture("mintpy_roipac/stack"), &project, &|n| {
        n.to_string()
    });
    let globbed = open_stack_globs(&project, &roipac_globs(&stack)).unwrap();
    let original = open_stack(&fixture("mintpy_roipac/stack")).unwrap();
    let (a, b) = (globbed.info(), original.info());
    assert_eq!(a.network, b.network);
    assert_eq!(a.layers, b.layers);
    assert_eq!(a.geometry, b.geometry);
    assert!(a.files.iter().any(|f| f.starts_with(&stack)));
    assert!(a
        .files
        .iter()
        .all(|f| !f.starts_with(&project) || f.to_string_lossy().contains("geomap_")));
    let w = Window::full(a.length, a.width);
    let m = a.network.num_pairs();
    let (mut x, mut y) = (vec![0.0f32; m * w.pixels()], vec![0.0f32; m * w.pixels()]);
    for layer in [
        StackLayer::Phase,
        StackLayer::Coherence,
        StackLayer::ConnComp,
    ] {
        globbed.read_stack(layer, &w, &mut x).unwrap();
        original.read_stack(layer, &w, &mut y).unwrap();
        assert_eq!(x, y, "{layer:?}");
    }
}

#[test]
fn roipac_glob_turned_off_drops_the_layer_and_a_missing_companion_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    copy_renamed(&fixture("mintpy_roipac/stack"), &project, &|n| {
        n.to_string()
    });
    let mut off = LoadGlobs::new();
    off.disable(LoadKey::ConnComp);
    let s = open_stack_globs(&project, &off).unwrap();
    assert!(!s.info().has_layer(StackLayer::ConnComp));
    assert!(s.info().has_layer(StackLayer::Coherence));

    let cor = sbas::source::layout::expand(
        &project
            .join("PROCESS/DONE/IFG_200113_200125/filt*.cor")
            .to_string_lossy(),
    )
    .unwrap();
    std::fs::remove_file(&cor[0]).unwrap();
    let err = format!("{:#}", open_stack(&project).err().unwrap());
    assert!(
        err.contains("20200113_20200125") && err.contains("corFile"),
        "{err}"
    );
}

#[test]
fn gamma_coherence_renamed_is_found_through_its_glob() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    // Coherence files named `*_coh_*` instead of MintPy's default `*filt*rlks.cor`.
    copy_renamed(&fixture("mintpy_gamma/stack"), &project, &|n| {
        if n.ends_with("rlks.cor") {
            n.replace("filt", "coh")
        } else {
            n.to_string()
        }
    });
    let default = open_stack(&project).unwrap();
    assert!(!default.info().has_layer(StackLayer::Coherence));
    let mut g = LoadGlobs::new();
    g.set(
        LoadKey::Cor,
        project
            .join("PROCESS/DONE/IFG*/*coh*rlks.cor")
            .to_string_lossy()
            .into_owned(),
    );
    let globbed = open_stack_globs(&project, &g).unwrap();
    assert!(globbed.info().has_layer(StackLayer::Coherence));
    let original = open_stack(&fixture("mintpy_gamma/stack")).unwrap();
    let a = globbed.info();
    let w = Window::full(a.length, a.width);
    let m = a.network.num_pairs();
    let (mut x, mut y) = (vec![0.0f32; m * w.pixels()], vec![0.0f32; m * w.pixels()]);
    globbed
        .read_stack(StackLayer::Coherence, &w, &mut x)
        .unwrap();
    original
        .read_stack(StackLayer::Coherence, &w, &mut y)
        .unwrap();
    assert_eq!(x, y);
}
