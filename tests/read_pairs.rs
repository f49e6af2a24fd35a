//! `StackSource::read_pairs`, the read of a range of interferograms: for every format the
//! simulator writes, the MintPy `ifgramStack.h5`, every view (network edit, subset, multilook,
//! unwrapping corrections) and a source that only has `read_stack` (the trait's default), it
//! equals the matching slice of `read_stack`. (That bridging reads each interferogram once is
//! a unit test of `correct::unwrap_run`: its groups need a budget below the chunk plan's floor.)

use std::path::Path;

use sbas::correct::unwrap::cycles::Run;
use sbas::geo::SubsetSource;
use sbas::network_edit::EditedStack;
use sbas::simulate::{simulate_as, Processor, SimConfig};
use sbas::source::multilook::{Multilook, MultilookMethod, MultilookSource};
use sbas::source::unwrap_fix::{FixedStack, UnwrapFix};
use sbas::source::{open_stack, GeomLayer, StackInfo, StackLayer, StackSource};
use sbas::window::Window;

/// Bit patterns, so that NaN samples compare equal to themselves.
fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The ranges of pairs checked: all, each end, the inside, a short run in the middle.
fn ranges(m: usize) -> Vec<std::ops::Range<usize>> {
    let mut r = vec![0..m, 0..1, m - 1..m];
    if m > 2 {
        r.push(1..m - 1);
        r.push(m / 2..(m / 2 + 2).min(m));
    }
    r
}

/// Every listed layer's `read_pairs` equals the slice of `read_stack`, in the whole image and
/// in an inner window; empty or outside ranges are refused.
fn check_pairs_match_stack(what: &str, s: &dyn StackSource) {
    let i = s.info();
    let (l, w, m) = (i.length, i.width, i.network.num_pairs());
    let windows = [
        Window::full(l, w),
        Window {
            y0: 1,
            y1: l - 1,
            x0: 2,
            x1: w - 1,
        },
    ];
    for &layer in &i.layers {
        for win in &windows {
            let px = win.pixels();
            let mut whole = vec![0f32; m * px];
            s.read_stack(layer, win, &mut whole)
                .unwrap_or_else(|e| panic!("{what}: {layer:?}: {e:#}"));
            assert!(
                whole.iter().any(|v| *v != 0.0),
                "{what}: {layer:?} is all 0"
            );
            for r in ranges(m) {
                let mut got = vec![f32::INFINITY; r.len() * px];
                s.read_pairs(layer, r.clone(), win, &mut got)
                    .unwrap_or_else(|e| panic!("{what}: {layer:?} pairs {r:?}: {e:#}"));
                assert_eq!(
                    bits(&got),
                    bits(&whole[r.start * px..r.end * px]),
                    "{what}: {layer:?} pairs {r:?} in {win:?}"
                );
            }
        }
        let full = Window::full(l, w);
        for bad in [2..2, m..m + 1, 0..m + 1] {
            let mut out = vec![0f32; bad.len() * full.pixels()];
            assert!(
                s.read_pairs(layer, bad.clone(), &full, &mut out).is_err(),
                "{what}: {layer:?} pairs {bad:?} were read"
            );
        }
        let mut short = vec![0f32; full.pixels() - 1];
        assert!(
            s.read_pairs(layer, 0..1, &full, &mut short).is_err(),
            "{what}: a short buffer was filled"
        );
    }
}

/// A source with `read_stack` only: `read_pairs` is the trait's default.
struct StackOnly(Box<dyn StackSource>);

impl StackSource for StackOnly {
    fn info(&self) -> &StackInfo {
        self.0.info()
    }
    fn read_stack(&self, layer: StackLayer, w: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.0.read_stack(layer, w, out)
    }
    fn read_geometry(&self, layer: GeomLayer, w: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.0.read_geometry(layer, w, out)
    }
}

/// Corrections of a few cycles on every third pair (rows 1-3, different columns).
fn some_fix(info: &StackInfo) -> UnwrapFix {
    let pairs = (0..info.network.num_pairs())
        .map(|i| {
            let runs = if i % 3 == 0 {
                (1..4)
                    .map(|y| Run {
                        y,
                        x0: (i % 4) as u32,
                        x1: (i % 4 + 5).min(info.width) as u32,
                        k: i as i32 % 5 - 2,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            (info.network.pair_name(i), runs)
        })
        .collect();
    UnwrapFix {
        dataset: "unwrapPhase_bridging".into(),
        length: info.length,
        width: info.width,
        settings: Vec::new(),
        pairs,
    }
}

/// The source at `path` and every view of it.
fn check_source_and_views(what: &str, path: &Path) {
    let open = || open_stack(path).unwrap_or_else(|e| panic!("{what}: {e:#}"));
    let s = open();
    check_pairs_match_stack(what, &*s);
    let m = s.info().network.num_pairs();
    // Dropping the second and the second-last pair cuts the inner stack into three runs.
    let edited = EditedStack::new(&*s, &[1, m - 2]).unwrap();
    check_pairs_match_stack(&format!("{what}, network edit"), &edited);
    let fix = some_fix(s.info());
    let fixed = FixedStack::new(&*s, &fix).unwrap();
    check_pairs_match_stack(&format!("{what}, unwrapping corrections"), &fixed);
    let fixed_edited = FixedStack::new(&edited, &fix).unwrap();
    check_pairs_match_stack(&format!("{what}, edit + corrections"), &fixed_edited);
    let (l, w) = (s.info().length, s.info().width);
    let sub = SubsetSource::new(
        open(),
        Window {
            y0: 1,
            y1: l - 2,
            x0: 2,
            x1: w,
        },
    )
    .unwrap();
    check_pairs_match_stack(&format!("{what}, subset"), &sub);
    for method in [MultilookMethod::Mean, MultilookMethod::Median] {
        let ml = Multilook {
            ystep: 2,
            xstep: 3,
            method,
        };
        let looked = MultilookSource::new(open(), ml).unwrap();
        check_pairs_match_stack(&format!("{what}, multilook {method:?}"), &looked);
    }
    check_pairs_match_stack(&format!("{what}, read_stack only"), &StackOnly(open()));
}

#[test]
fn pair_ranges_equal_the_stack_slices_for_every_format_and_view() {
    let cfg = SimConfig {
        rows: 13,
        cols: 17,
        num_dates: 6,
        neighbors: 3,
        seed: 11,
        ..SimConfig::default()
    };
    for processor in [
        Processor::IsceTops,
        Processor::IsceStripmap,
        Processor::Roipac,
        Processor::Gamma,
        Processor::Hyp3 { vary_extent: true },
        Processor::Licsar,
        Processor::Dolphin,
        Processor::Snap,
        Processor::Gmtsar,
        Processor::Aria,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let r = simulate_as(&dir.path().join("s"), &cfg, processor).unwrap();
        let path = match processor {
            Processor::Hyp3 { .. } => r.out_dir.join("hyp3"),
            Processor::Dolphin => r.out_dir.join("dolphin"),
            _ => r.out_dir.clone(),
        };
        check_source_and_views(&format!("{processor:?}"), &path);
    }
    // The MintPy file (one pair marked dropped, so the kept pairs skip one of the file's).
    let dir = tempfile::tempdir().unwrap();
    let h5 = crate::stack_formats::mintpy_stack(dir.path());
    check_source_and_views("MintPy", &h5);
}
