//! ROI_PAC, GAMMA and ISCE2 stripmapStack stacks against MintPy 1.6.4: the simulated trees of
//! `tests/fixtures/mintpy_{roipac,gamma,stripmap}/stack` read by sbas give exactly what MintPy's
//! `load_data` (with `prep_roipac` / `prep_gamma` / `prep_isce`) wrote into
//! `inputs/ifgramStack.h5` and `geometryRadar.h5` (fixtures made by
//! `scripts/make-mintpy-rawfmt-fixture.sh` and `scripts/make-mintpy-stripmap-fixture.sh`).

use std::path::{Path, PathBuf};

use sbas::source::{open_stack, GeomLayer};
use sbas::window::Window;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Number of samples whose bits differ.
fn differing(a: &[f32], b: &[f32]) -> usize {
    a.iter()
        .zip(b)
        .filter(|(p, q)| p.to_bits() != q.to_bits())
        .count()
}

/// Opens both and compares network, layers, shared attributes and every value.
fn compare(base: &Path, format: &str, keys: &[&str]) {
    let raw = open_stack(&base.join("stack")).unwrap();
    let h5 = open_stack(&base.join("inputs/ifgramStack.h5")).unwrap();
    let (a, b) = (raw.info(), h5.info());
    assert!(
        sbas::source::detect_format(&base.join("stack")).is_some_and(|f| f.name() == format),
        "the tree is recognised as {format}"
    );
    assert_eq!((a.length, a.width), (b.length, b.width));
    assert_eq!(a.network, b.network);
    assert_eq!(a.layers, b.layers);
    let mut shared = 0;
    for (k, v) in b.attrs.iter() {
        if k == "FILE_PATH" || k == "FILE_TYPE" {
            continue;
        }
        if let Some(x) = a.attrs.get(k) {
            assert_eq!(x, v, "attribute {k}");
            shared += 1;
        }
    }
    for key in keys {
        assert!(a.attrs.contains(key) && b.attrs.contains(key), "{key}");
    }
    assert!(shared >= 20, "only {shared} shared keys");

    let w = Window::full(a.length, a.width);
    let m = a.network.num_pairs();
    let (mut x, mut y) = (vec![0.0f32; m * w.pixels()], vec![0.0f32; m * w.pixels()]);
    for layer in a.layers.clone() {
        raw.read_stack(layer, &w, &mut x).unwrap();
        h5.read_stack(layer, &w, &mut y).unwrap();
        assert_eq!(differing(&x, &y), 0, "{layer:?}");
    }
    assert_eq!(
        a.geometry.len(),
        b.geometry.len(),
        "{:?} vs {:?}",
        a.geometry,
        b.geometry
    );
    let (mut x, mut y) = (vec![0.0f32; w.pixels()], vec![0.0f32; w.pixels()]);
    for g in b.geometry.clone() {
        assert!(a.has_geometry(g), "{g:?}");
        raw.read_geometry(g, &w, &mut x).unwrap();
        h5.read_geometry(g, &w, &mut y).unwrap();
        if g == GeomLayer::IncidenceAngle {
            // Computed from the DEM with a float32 arccos: numpy's is a SIMD routine (SVML on
            // AVX-512 machines) a few units in the last place away from libm's, which sbas
            // uses, so MintPy's own value depends on the machine it ran on.
            let ulps = x
                .iter()
                .zip(&y)
                .map(|(p, q)| (p.to_bits() as i64 - q.to_bits() as i64).abs());
            let worst = ulps.max().unwrap_or(0);
            assert!(
                worst <= 8,
                "{g:?}: {worst} ulp: {:?} vs {:?}",
                &x[..4],
                &y[..4]
            );
            continue;
        }
        assert_eq!(
            differing(&x, &y),
            0,
            "{g:?}: {:?} vs {:?}",
            &x[..4],
            &y[..4]
        );
    }
    // A window inside reads what the whole image holds there.
    let sub = Window {
        y0: 3,
        y1: 7,
        x0: 2,
        x1: 9,
    };
    let mut s = vec![0.0f32; m * sub.pixels()];
    let mut whole = vec![0.0f32; m * w.pixels()];
    raw.read_stack(sbas::source::StackLayer::Phase, &sub, &mut s)
        .unwrap();
    raw.read_stack(sbas::source::StackLayer::Phase, &w, &mut whole)
        .unwrap();
    assert_eq!(s[sub.cols() + 1], whole[4 * a.width + 3]);
}

#[test]
fn roipac_reader_matches_mintpy_load_data() {
    compare(
        &fixture("mintpy_roipac"),
        "ROI_PAC",
        &[
            "WAVELENGTH",
            "P_BASELINE_TOP_HDR",
            "DATE12",
            "LAT_REF1",
            "HEADING",
            "STARTING_RANGE",
        ],
    );
}

#[test]
fn gamma_reader_matches_mintpy_load_data() {
    compare(
        &fixture("mintpy_gamma"),
        "GAMMA",
        &[
            "WAVELENGTH",
            "P_BASELINE_TOP_HDR",
            "DATE12",
            "LAT_REF1",
            "HEADING",
            "radar_frequency",
        ],
    );
}

#[test]
fn stripmap_reader_matches_mintpy_load_data() {
    compare(
        &fixture("mintpy_stripmap"),
        "ISCE2 stripmapStack",
        &[
            "WAVELENGTH",
            "beam_mode",
            "LAT_REF1",
            "HEADING",
            "STARTING_RANGE",
            "CENTER_INCIDENCE_ANGLE",
        ],
    );
}

#[test]
fn gamma_missing_parameter_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stack");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&fixture("mintpy_gamma/stack"), &root);
    let ifg = root.join("PROCESS/DONE/IFG_20200113_20200125");
    let off = ifg.join("20200113_20200125_9rlks.off");
    let text = std::fs::read(&off).unwrap();
    std::fs::remove_file(&off).unwrap();
    let e = open_err(&root);
    assert!(
        e.contains("20200113_20200125_9rlks.off") && e.contains("diff_filt_20200113_20200125"),
        "{e}"
    );
    std::fs::write(&off, &text).unwrap();
    let par = ifg.join("20200113_9rlks.amp.par");
    std::fs::remove_file(&par).unwrap();
    let e = open_err(&root);
    assert!(e.contains("20200113_9rlks.amp.par"), "{e}");
}

/// The stack as an object, for the error tests.
fn open_err(p: &Path) -> String {
    match open_stack(p) {
        Ok(s) => panic!("opened {:?}", s.info().files.first()),
        Err(e) => format!("{e:#}"),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&t).unwrap();
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

#[test]
fn roipac_bad_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stack");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&fixture("mintpy_roipac/stack"), &root);
    let done = root.join("PROCESS/DONE");
    let first = std::fs::read_dir(&done)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("IFG"))
        .min()
        .unwrap();
    let unw = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "unw"))
        .unwrap();
    let name = unw.file_name().unwrap().to_string_lossy().into_owned();

    // Truncated binary.
    let bytes = std::fs::read(&unw).unwrap();
    std::fs::write(&unw, &bytes[..bytes.len() - 8]).unwrap();
    let e = open_err(&root);
    assert!(e.contains(&name) && e.contains("truncated"), "{e}");
    std::fs::write(&unw, &bytes).unwrap();

    // Header disagreeing with the file size.
    let rsc = PathBuf::from(format!("{}.rsc", unw.display()));
    let text = std::fs::read_to_string(&rsc).unwrap();
    std::fs::write(&rsc, text.replace("WIDTH", "WIDTH    99\nXWIDTH")).unwrap();
    let e = open_err(&root);
    assert!(e.contains(&name), "{e}");
    // Unparsable dates.
    std::fs::write(
        &rsc,
        text.replace("DATE12", "DATE12    2001x1-200113\nXDATE12"),
    )
    .unwrap();
    let e = open_err(&root);
    assert!(e.contains(".unw.rsc") && e.contains("DATE12"), "{e}");
    // Missing header.
    std::fs::remove_file(&rsc).unwrap();
    let e = open_err(&root);
    assert!(e.contains(&format!("{name}.rsc")), "{e}");
    std::fs::write(&rsc, &text).unwrap();

    // A pair folder without its unwrapped file is left out with a warning.
    std::fs::remove_file(&unw).unwrap();
    let s = open_stack(&root).unwrap();
    let full = open_stack(&fixture("mintpy_roipac/stack")).unwrap();
    assert_eq!(
        s.info().network.num_pairs() + 1,
        full.info().network.num_pairs()
    );
    assert!(
        s.info()
            .warnings
            .iter()
            .any(|w| w.contains(&*first.to_string_lossy())),
        "{:?}",
        s.info().warnings
    );
}

/// A stripmapStack without the `data.rsc` prep_isce writes: the error names the `--meta`
/// flags to give; with them (library globs or the command line) the stack opens.
#[test]
fn stripmap_meta_flags_replace_a_missing_data_rsc() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stack");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&fixture("mintpy_stripmap/stack"), &root);
    let rsc = root.join("merged/SLC/20200101/referenceShelve/data.rsc");
    std::fs::remove_file(&rsc).unwrap();
    let e = open_err(&root);
    assert!(
        e.contains("data.dat")
            && e.contains("data.rsc")
            && e.contains("--meta WAVELENGTH=<metres>")
            && e.contains("--meta HEADING=<degrees>"),
        "{e}"
    );
    let mut globs = sbas::source::layout::LoadGlobs::new();
    globs.set_meta(vec![
        ("WAVELENGTH".into(), "0.0555".into()),
        ("HEADING".into(), "-12.5".into()),
    ]);
    let s = sbas::source::open_stack_globs(&root, &globs).unwrap();
    assert_eq!(s.info().attrs.get("WAVELENGTH"), Some("0.0555"));
    assert_eq!(s.info().attrs.get("HEADING"), Some("-12.5"));
    assert_eq!(s.info().network.num_pairs(), 7);
    // Without WAVELENGTH the other keys are not enough, and the message lists what is left.
    globs.set_meta(vec![("HEADING".into(), "-12.5".into())]);
    let e = format!(
        "{:#}",
        sbas::source::open_stack_globs(&root, &globs).err().unwrap()
    );
    assert!(
        e.contains("--meta WAVELENGTH=") && !e.contains("--meta HEADING="),
        "{e}"
    );
    // The command line: sbas invert STACK --meta WAVELENGTH=... runs.
    let out = dir.path().join("out");
    let o = crate::common::sbas(&[
        "invert",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--meta",
        "WAVELENGTH=0.05546576",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
}

/// `sbas simulate --processor isce-stripmap` still writes the committed stripmapStack fixture,
/// byte for byte (the fixture's MintPy outputs stay valid for it).
#[test]
fn stripmap_simulator_writes_the_committed_fixture() {
    use sbas::simulate::{simulate_as, Processor, SimConfig};
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        rows: 12,
        cols: 14,
        num_dates: 5,
        neighbors: 2,
        seed: 20261207,
        ..Default::default()
    };
    simulate_as(dir.path(), &cfg, Processor::IsceStripmap).unwrap();
    std::fs::remove_dir_all(dir.path().join("truth")).unwrap();
    let ours = crate::common::files_with_bytes(dir.path());
    let committed = crate::common::files_with_bytes(&fixture("mintpy_stripmap/stack"));
    assert_eq!(ours.len(), committed.len());
    for ((p, a), (q, b)) in ours.iter().zip(&committed) {
        assert_eq!(p, q);
        assert!(a == b, "{} differs", p.display());
    }
}

/// `sbas.load.meta = KEY=VALUE, ...` in a template stands in for `--meta`: a stripmapStack
/// without data.rsc opens through the template's globs; a malformed entry names the key.
#[test]
fn template_meta_key_replaces_a_missing_data_rsc() {
    use sbas::template::load::stack_request;
    use sbas::template::{parse_template, Template};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stack");
    std::fs::create_dir_all(root.join("mintpy")).unwrap();
    copy_tree(&fixture("mintpy_stripmap/stack"), &root);
    std::fs::remove_file(root.join("merged/SLC/20200101/referenceShelve/data.rsc")).unwrap();
    let base = std::fs::read_to_string(fixture("mintpy_stripmap/Sim.txt")).unwrap();
    let work = root.join("mintpy");
    let with = |extra: &str| Template::from_entries(parse_template(&format!("{base}\n{extra}\n")));
    let t = with("sbas.load.meta = WAVELENGTH=0.0555, HEADING=-12.5");
    let (stack, globs) = stack_request(&t, &work, None).unwrap();
    let s = sbas::source::open_stack_globs(&stack, &globs).unwrap();
    assert_eq!(s.info().attrs.get("WAVELENGTH"), Some("0.0555"));
    assert_eq!(s.info().attrs.get("HEADING"), Some("-12.5"));
    let e = format!(
        "{:#}",
        stack_request(&with("sbas.load.meta = WAVELENGTH=green"), &work, None)
            .err()
            .unwrap()
    );
    assert!(
        e.contains("sbas.load.meta") && e.contains("WAVELENGTH must be a number"),
        "{e}"
    );
    // Without the key the error says how to give the metadata in a template too.
    let (stack, globs) = stack_request(&with(""), &work, None).unwrap();
    let e = format!(
        "{:#}",
        sbas::source::open_stack_globs(&stack, &globs)
            .err()
            .unwrap()
    );
    assert!(e.contains("sbas.load.meta"), "{e}");
}
