//! The committed MintPy fixture (tests/fixtures/mintpy_small, made by
//! scripts/make-mintpy-fixture.sh) must stay exactly what the simulator writes today: if this
//! fails, the simulator's output changed and the fixture (and MintPy's results on it) must be
//! regenerated with the script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sbas::meta::Date;
use sbas::simulate::{simulate, Effects, SimConfig, Truth};

fn fixture_stack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_small/stack")
}

/// The configuration scripts/make-mintpy-fixture.sh passes to `sbas simulate`.
fn fixture_config() -> SimConfig {
    SimConfig {
        rows: 40,
        cols: 50,
        num_dates: 12,
        neighbors: 3,
        seed: 20240601,
        start_date: Date::parse("20200101").unwrap(),
        interval_days: 12,
        max_bperp_m: 150.0,
        effects: Effects::all(),
    }
}

fn files(dir: &Path) -> BTreeMap<PathBuf, PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf(), p.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn simulator_still_writes_the_committed_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    simulate(tmp.path(), &fixture_config()).unwrap();
    let fresh = files(tmp.path());
    let committed = files(&fixture_stack());
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "file lists differ"
    );
    for (rel, path) in &fresh {
        let a = std::fs::read(path).unwrap();
        let b = std::fs::read(&committed[rel]).unwrap();
        assert!(
            a == b,
            "{} differs from the committed fixture",
            rel.display()
        );
    }
}

#[test]
fn fixture_truth_loads() {
    let truth = Truth::load(&fixture_stack().join("truth")).unwrap();
    assert_eq!(truth.shape(), (40, 50));
    assert_eq!(truth.dates().len(), 12);
    assert_eq!(truth.header().reference_pixel, (20, 25));
    assert_eq!(truth.header().bperp.len(), 12);
    assert_eq!(truth.header().bperp[0], 0.0);
    assert!(truth.header().effects.iter().all(|(_, on)| *on));
}
