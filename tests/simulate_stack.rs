//! End-to-end checks of `sbas::simulate` on tiny stacks.

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate, Effects, SimConfig, Truth};

fn small(seed: u64, effects: Effects) -> SimConfig {
    SimConfig {
        rows: 24,
        cols: 30,
        num_dates: 6,
        neighbors: 2,
        seed,
        effects,
        ..SimConfig::default()
    }
}

/// Every file below `dir`, relative path -> bytes.
fn tree_bytes(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A property value of an ISCE image XML.
fn xml_prop(xml_path: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(xml_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.root_element()
        .children()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
        .and_then(|n| n.children().find(|c| c.has_tag_name("value")))
        .and_then(|v| v.text())
        .unwrap_or_else(|| panic!("{} has no property {name}", xml_path.display()))
        .trim()
        .to_string()
}

fn read_f32_band(path: &Path, rows: usize, cols: usize, bands: usize, band: usize) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::with_capacity(rows * cols);
    for y in 0..rows {
        let off = (y * bands + band) * cols * 4;
        for x in 0..cols {
            let b = &bytes[off + 4 * x..off + 4 * x + 4];
            out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_bytes_and_other_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    simulate(&a, &small(11, Effects::all())).unwrap();
    simulate(&b, &small(11, Effects::all())).unwrap();
    simulate(&c, &small(12, Effects::all())).unwrap();
    let (ta, tb, tc) = (tree_bytes(&a), tree_bytes(&b), tree_bytes(&c));
    assert!(
        ta.len() > 50,
        "expected a full tree, got {} files",
        ta.len()
    );
    assert_eq!(ta, tb, "same seed must give byte-identical trees");
    let unw = PathBuf::from("merged/interferograms/20200101_20200113/filt_fine.unw");
    assert_ne!(ta[&unw], tc[&unw], "another seed must give other phases");
    assert_eq!(ta.keys().collect::<Vec<_>>(), tc.keys().collect::<Vec<_>>());
}

#[test]
fn raster_sizes_agree_with_xml_sidecars() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = small(3, Effects::all());
    let rep = simulate(tmp.path(), &cfg).unwrap();
    assert_eq!(rep.num_pairs, 9);
    let mut checked = 0;
    for rel in tree_bytes(tmp.path()).into_keys() {
        let name = rel.to_string_lossy().to_string();
        if !name.ends_with(".xml") || name.starts_with("reference") {
            continue;
        }
        let xml = tmp.path().join(&rel);
        let data = tmp.path().join(name.trim_end_matches(".xml"));
        let width: u64 = xml_prop(&xml, "width").parse().unwrap();
        let length: u64 = xml_prop(&xml, "length").parse().unwrap();
        let bands: u64 = xml_prop(&xml, "number_bands").parse().unwrap();
        let item = match xml_prop(&xml, "data_type").as_str() {
            "BYTE" => 1,
            "FLOAT" => 4,
            "DOUBLE" => 8,
            other => panic!("unexpected data type {other} in {name}"),
        };
        assert_eq!(xml_prop(&xml, "scheme"), "BIL");
        if name.contains(".full.") {
            // Full-resolution sidecars only describe the size stackSentinel multilooked from.
            assert_eq!(width, cfg.cols as u64 * 9, "{name}");
            assert_eq!(length, cfg.rows as u64 * 3, "{name}");
            continue;
        }
        assert_eq!(
            (width, length),
            (cfg.cols as u64, cfg.rows as u64),
            "{name}"
        );
        let size = std::fs::metadata(&data).unwrap().len();
        assert_eq!(size, width * length * bands * item, "{name}");
        assert!(
            tmp.path().join(name.replace(".xml", ".vrt")).exists(),
            "{name} has no .vrt"
        );
        checked += 1;
    }
    // 9 pairs x 3 rasters + 6 geometry rasters.
    assert_eq!(checked, 9 * 3 + 6);
    let rsc = std::fs::read_to_string(tmp.path().join("reference/data.rsc")).unwrap();
    assert!(rsc
        .lines()
        .any(|l| l.starts_with("WAVELENGTH ") && l.ends_with("0.05546576")));
    let bl = std::fs::read_to_string(
        tmp.path()
            .join("baselines/20200101_20200125/20200101_20200125.txt"),
    )
    .unwrap();
    assert!(bl.contains("Bperp (average): "));
}

#[test]
fn noise_free_phase_is_minus_4pi_over_lambda_times_truth_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = small(5, Effects::noise_free());
    simulate(tmp.path(), &cfg).unwrap();
    let truth = Truth::load(&tmp.path().join("truth")).unwrap();
    let (rows, cols) = truth.shape();
    assert_eq!((rows, cols), (cfg.rows, cfg.cols));
    assert_eq!(truth.dates().len(), cfg.num_dates);
    let lambda = truth.wavelength();
    let dates = truth.dates().to_vec();
    let mut largest = 0.0f64;
    for (i, j) in cfg.pairs() {
        let dir = tmp
            .path()
            .join(format!("merged/interferograms/{}_{}", dates[i], dates[j]));
        let phase = read_f32_band(&dir.join("filt_fine.unw"), rows, cols, 2, 1);
        for &(y, x) in &[(0, 0), (7, 11), (rows - 1, cols - 1), (rows / 2, cols / 3)] {
            let expected = -4.0 * PI / lambda
                * (truth.timeseries_at(j, y, x) as f64 - truth.timeseries_at(i, y, x) as f64);
            let got = phase[y * cols + x] as f64;
            assert!(
                (got - expected).abs() < 1e-3 * (1.0 + expected.abs()),
                "pair {i}-{j} pixel ({y},{x}): phase {got}, expected {expected}"
            );
            largest = largest.max(expected.abs());
        }
    }
    assert!(largest > 0.1, "the signal should not be trivially zero");
    // The first date is the zero of the time series.
    assert!(truth.timeseries_layer(0).iter().all(|&v| v == 0.0));
}

#[test]
fn effects_show_up_where_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = small(9, Effects::all());
    simulate(tmp.path(), &cfg).unwrap();
    let truth = Truth::load(&tmp.path().join("truth")).unwrap();
    let (rows, cols) = truth.shape();
    let water: Vec<usize> = (0..rows * cols)
        .filter(|&p| truth.water_mask()[p] == 0)
        .collect();
    assert!(
        !water.is_empty(),
        "the water effect must put some water in the scene"
    );
    let (ry, rx) = cfg.reference_pixel();
    assert_eq!(truth.water_mask()[ry * cols + rx], 1);
    let dates = truth.dates().to_vec();
    let mut saw_unwrap_label = false;
    let mut saw_missing = false;
    for (i, j) in cfg.pairs() {
        let dir = tmp
            .path()
            .join(format!("merged/interferograms/{}_{}", dates[i], dates[j]));
        let phase = read_f32_band(&dir.join("filt_fine.unw"), rows, cols, 2, 1);
        let cc = std::fs::read(dir.join("filt_fine.unw.conncomp")).unwrap();
        for &p in &water {
            assert_eq!(phase[p], 0.0);
            assert_eq!(cc[p], 0);
        }
        assert_eq!(cc[ry * cols + rx], 1, "reference pixel must stay clean");
        saw_unwrap_label |= cc.contains(&2);
        saw_missing |= (0..rows * cols).any(|p| truth.water_mask()[p] == 1 && cc[p] == 0);
    }
    assert!(
        saw_unwrap_label,
        "some interferogram must carry an unwrapping error"
    );
    assert!(saw_missing, "some interferogram must miss data on land");
    assert!(
        truth.velocity().iter().any(|&v| v < -0.01),
        "subsidence bowl"
    );
    assert!(truth.dem_error().iter().any(|&v| v.abs() > 1.0));
}

#[test]
fn truth_load_reports_a_missing_folder_and_bad_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Truth::load(&tmp.path().join("nope")).unwrap_err();
    assert!(format!("{err:#}").contains("truth.json"), "{err:#}");
    simulate(tmp.path(), &small(1, Effects::none())).unwrap();
    let vel = tmp.path().join("truth/velocity.f32");
    std::fs::write(&vel, [0u8; 8]).unwrap();
    let err = Truth::load(&tmp.path().join("truth")).unwrap_err();
    assert!(format!("{err:#}").contains("velocity.f32"), "{err:#}");
}
