//! Unwrapping-error corrections (MintPy's `correct_unwrap_error` step): integer 2-pi cycle
//! corrections per interferogram, computed here and applied by the stack view
//! [`crate::source::unwrap_fix`]. One module per method; pure.

pub mod bridging;
pub mod closure;
pub mod conncomp;
pub mod cycles;

use crate::correct::ramp::{RampAccumulator, RampType};
use crate::window::Window;
use cycles::{runs_of_labels, Run};

/// The settings of bridging (MintPy's `mintpy.unwrapError.*` keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BridgingOptions {
    /// Smallest component kept, pixels (`connCompMinArea`).
    pub min_area: f64,
    /// Half size of the bridge-end windows, pixels (`bridgePtsRadius`).
    pub radius: usize,
    /// Ramp removed (fitted on the reference component) before the jumps are measured
    /// (`ramp`).
    pub ramp: Option<RampType>,
}

impl Default for BridgingOptions {
    fn default() -> Self {
        BridgingOptions {
            min_area: 2.5e3,
            radius: 50,
            ramp: None,
        }
    }
}

/// What bridging made of one interferogram.
#[derive(Debug, Clone)]
pub struct BridgedIfg {
    /// The corrections, as runs of non-zero cycles along rows.
    pub runs: Vec<Run>,
    /// Components whose jump could not be measured (no valid phase at a bridge end); left
    /// uncorrected here, where MintPy writes NaN over them.
    pub unmeasured: usize,
}

/// Bridging of one interferogram of `length x width` pixels: `conncomp` is its connected
/// components (row-major, already zero on water); `read_phase(window, out)` reads its phase
/// over `window` (row-major into `out`), and is called only for the pixels the jumps are
/// measured on (none when there is nothing to bridge, the bridge-end windows and the reference
/// pixel, or the whole image when a ramp is fitted). `reference` is the reference pixel (row,
/// column), if any: the phase is referenced to it and its component is the reference
/// component (MintPy: the largest one without a reference point). `work` is scratch reused
/// between interferograms.
pub fn bridge_ifg(
    conncomp: &[u32],
    (length, width): (usize, usize),
    reference: Option<(usize, usize)>,
    opts: &BridgingOptions,
    mut read_phase: impl FnMut(&Window, &mut [f32]) -> Result<(), String>,
    work: &mut Vec<f32>,
) -> Result<BridgedIfg, String> {
    let none = BridgedIfg {
        runs: Vec::new(),
        unmeasured: 0,
    };
    let (labels, num) = conncomp::label_by_area(conncomp, length, width, opts.min_area);
    // One region or none: nothing to bridge, whatever the erosion leaves (it can only drop
    // that region). Only a reference point outside the region needs the erosion: an error if
    // the region stays (as MintPy), none if it goes.
    let outside = |(y, x): (usize, usize)| labels[y * width + x] == 0;
    if num == 0 || (num == 1 && !reference.is_some_and(outside)) {
        return Ok(none);
    }
    let comps = conncomp::clean_labelled(labels, num, length, width);
    if comps.num == 0 {
        return Ok(none);
    }
    let ref_label = comps.reference_label(reference)?;
    let bridges = bridging::find_bridges(&comps, ref_label)?;
    if bridges.is_empty() {
        return Ok(none);
    }
    // The phase as MintPy measures the jumps on: referenced (zero kept as no data), deramped;
    // only where it is measured.
    let radius = bridging::effective_radius(opts.radius, length, width);
    let r = match reference {
        Some((y, x)) => {
            let mut v = [0.0f32];
            read_phase(&Window::pixel(y, x), &mut v)?;
            Some(v[0])
        }
        None => None,
    };
    let windows = if opts.ramp.is_some() {
        vec![Window::full(length, width)]
    } else {
        bridges
            .iter()
            .flat_map(|b| [b.yx0, b.yx1])
            .map(|yx| bridging::end_window(yx, radius, length, width))
            .collect()
    };
    work.resize(length * width, 0.0);
    let mut raw = Vec::new();
    for w in windows.iter().filter(|w| w.pixels() > 0) {
        raw.resize(w.pixels(), 0.0);
        read_phase(w, &mut raw)?;
        let cols = w.x1 - w.x0;
        for (row, line) in raw.chunks_exact(cols).enumerate() {
            let at = (w.y0 + row) * width + w.x0;
            let to = &mut work[at..at + cols];
            match r {
                // A select per sample (vectorised), not a filter (a branch per sample).
                Some(r) => {
                    for (t, &v) in to.iter_mut().zip(line) {
                        *t = if v != 0.0 { v - r } else { v };
                    }
                }
                None => to.copy_from_slice(line),
            }
        }
    }
    if let Some(ramp) = opts.ramp {
        let mask: Vec<bool> = comps.labels.iter().map(|&l| l == ref_label).collect();
        let mut acc = RampAccumulator::new(ramp, length, width);
        acc.add_strip(0, width, work, &mask);
        let mut fit = acc.fit();
        if let Some((y, x)) = reference {
            fit = fit.referenced_to(y, x);
        }
        fit.remove_from_strip(0, width, work);
    }
    let jumps = bridging::bridge_jumps(work, &comps, &bridges, radius);
    let unmeasured = jumps.iter().filter(|j| j.is_none()).count();
    let of_label: Vec<i32> = jumps.iter().map(|j| j.unwrap_or(0)).collect();
    Ok(BridgedIfg {
        runs: runs_of_labels(length, width, &comps.labels, &of_label),
        unmeasured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bridging of `cc` with the phase read from `phase` through a reader that counts the
    /// pixels it gives.
    fn bridge_counting(
        cc: &[u32],
        phase: &[f32],
        (l, w): (usize, usize),
        reference: (usize, usize),
        ramp: Option<RampType>,
    ) -> (Result<BridgedIfg, String>, usize) {
        let mut read = 0;
        let reader = |win: &Window, out: &mut [f32]| {
            read += win.pixels();
            for (i, v) in out.iter_mut().enumerate() {
                *v = phase[(win.y0 + i / win.cols()) * w + win.x0 + i % win.cols()];
            }
            Ok(())
        };
        let opts = BridgingOptions {
            min_area: 10.0,
            radius: 50,
            ramp,
        };
        let b = bridge_ifg(cc, (l, w), Some(reference), &opts, reader, &mut Vec::new());
        (b, read)
    }

    #[test]
    fn the_phase_is_read_only_where_the_jumps_are_measured() {
        // Three regions in a row; the middle one off by one cycle, the right one by -2.
        let (l, w) = (40, 90);
        let (cc, phase) = bridging::tests::three_regions();
        let (b, read) = bridge_counting(&cc, &phase, (l, w), (5, 5), None);
        let runs = b.unwrap().runs;
        let k = |y: usize, x: usize| {
            runs.iter()
                .find(|r| r.y as usize == y && (r.x0 as usize..r.x1 as usize).contains(&x))
                .map_or(0, |r| r.k)
        };
        assert_eq!((k(10, 10), k(10, 40), k(10, 70)), (0, -1, 2));
        // The reference pixel and four bridge-end windows: radius 2 on a 40-row image, the
        // ends on the first row (the first closest pair in raster order), so 2 x 4 pixels.
        assert_eq!(read, 1 + 4 * 8);
        // A ramp is fitted on the whole reference region: the whole image is read.
        let (b, read) = bridge_counting(&cc, &phase, (l, w), (5, 5), Some(RampType::Linear));
        assert_eq!(b.unwrap().runs, runs);
        assert_eq!(read, 1 + l * w);
    }

    #[test]
    fn one_region_reads_no_phase_and_a_reference_outside_it_is_an_error_if_it_stays() {
        let (l, w) = (30, 40);
        let phase = vec![1.0f32; l * w];
        // One region with a hole at (15, 20).
        let mut cc = vec![1u32; l * w];
        cc[15 * w + 20] = 0;
        let (b, read) = bridge_counting(&cc, &phase, (l, w), (3, 3), None);
        assert!(b.unwrap().runs.is_empty());
        assert_eq!(read, 0);
        let (b, _) = bridge_counting(&cc, &phase, (l, w), (15, 20), None);
        assert!(b.unwrap_err().contains("in no connected component"));
        // A region two rows thick vanishes under the erosion: nothing to bridge, no error.
        let mut thin = vec![0u32; l * w];
        thin[10 * w..12 * w].fill(1);
        let (b, read) = bridge_counting(&thin, &phase, (l, w), (15, 20), None);
        assert!(b.unwrap().runs.is_empty());
        assert_eq!(read, 0);
    }
}
