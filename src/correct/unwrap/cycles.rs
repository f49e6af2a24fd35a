//! Integer cycle corrections of one interferogram as row runs: the corrections are constant
//! over connected components, so runs of equal non-zero cycles along rows hold them exactly
//! and in little space. Pure.

use super::conncomp::{unchanged_block, BLOCK};
use crate::window::Window;

/// `k` cycles (2 pi k radians) to add to columns `x0..x1` of row `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Row.
    pub y: u32,
    /// First column.
    pub x0: u32,
    /// One past the last column.
    pub x1: u32,
    /// Cycles.
    pub k: i32,
}

/// The runs of non-zero `cycles(p)` of a `length x width` image, row by row.
pub fn runs_of(length: usize, width: usize, cycles: impl Fn(usize) -> i32) -> Vec<Run> {
    let mut out = Vec::new();
    for y in 0..length {
        let mut x = 0;
        while x < width {
            let k = cycles(y * width + x);
            let start = x;
            while x < width && cycles(y * width + x) == k {
                x += 1;
            }
            if k != 0 {
                out.push(Run {
                    y: y as u32,
                    x0: start as u32,
                    x1: x as u32,
                    k,
                });
            }
        }
    }
    out
}

/// [`runs_of`] the cycles `k_of[labels[p]]` of a labelled image (every label indexes `k_of`):
/// nothing to scan when every label's cycles are 0, else the rows are walked by runs of equal
/// label (skipping blocks with no change), neighbouring runs of equal cycles joined.
pub fn runs_of_labels(length: usize, width: usize, labels: &[u32], k_of: &[i32]) -> Vec<Run> {
    let mut out = Vec::new();
    if k_of.iter().all(|&k| k == 0) {
        return out;
    }
    for (y, row) in labels.chunks_exact(width.max(1)).take(length).enumerate() {
        // The current run of equal cycles: its start and cycles.
        let (mut start, mut k) = (0, k_of[row[0] as usize]);
        let mut x = 1;
        while x < width {
            if unchanged_block(row, x) {
                x += BLOCK;
                continue;
            }
            if row[x] != row[x - 1] {
                let kx = k_of[row[x] as usize];
                if kx != k {
                    if k != 0 {
                        out.push(Run {
                            y: y as u32,
                            x0: start as u32,
                            x1: x as u32,
                            k,
                        });
                    }
                    (start, k) = (x, kx);
                }
            }
            x += 1;
        }
        if k != 0 {
            out.push(Run {
                y: y as u32,
                x0: start as u32,
                x1: width as u32,
                k,
            });
        }
    }
    out
}

/// Adds `2 pi k` of the runs (sorted by row) to the plane of `window` (row-major), in f32 as
/// MintPy adds the jump to its single-precision phase. NaN stays NaN.
pub fn apply_runs(runs: &[Run], window: &Window, plane: &mut [f32]) {
    let w = window.x1 - window.x0;
    let first = runs.partition_point(|r| (r.y as usize) < window.y0);
    for r in &runs[first..] {
        let y = r.y as usize;
        if y >= window.y1 {
            break;
        }
        let (a, b) = (
            (r.x0 as usize).max(window.x0),
            (r.x1 as usize).min(window.x1),
        );
        if a >= b {
            continue;
        }
        let add = (2.0 * std::f64::consts::PI * r.k as f64) as f32;
        let row = (y - window.y0) * w;
        for v in &mut plane[row + a - window.x0..row + b - window.x0] {
            *v += add;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_labels_equal_the_runs_of_their_cycles() {
        let mut rng = crate::rng::SplitMix64::new(9);
        for (l, w) in [(1, 1), (3, 1), (1, 70), (5, 33), (9, 130)] {
            // Long runs of a few labels (blocks skipped), some labels sharing cycles.
            let mut label = 0;
            let labels: Vec<u32> = (0..l * w)
                .map(|_| {
                    if rng.below(20) == 0 {
                        label = rng.below(5) as u32;
                    }
                    label
                })
                .collect();
            for k_of in [[0, 0, 0, 0, 0], [0, 1, 1, -2, 0], [3, 0, 1, 1, 1]] {
                assert_eq!(
                    runs_of_labels(l, w, &labels, &k_of),
                    runs_of(l, w, |p| k_of[labels[p] as usize]),
                    "{l} x {w}, {k_of:?}"
                );
            }
        }
    }

    #[test]
    fn runs_round_trip_through_a_window() {
        let (l, w) = (4, 6);
        let k = |p: usize| match (p / w, p % w) {
            (1, 2..=4) => 1,
            (2, 0..=1) => -2,
            (2, 5) => 3,
            _ => 0,
        };
        let runs = runs_of(l, w, k);
        assert_eq!(runs.len(), 3);
        let win = Window {
            y0: 1,
            y1: 3,
            x0: 1,
            x1: 5,
        };
        let mut plane = vec![0.0f32; 8];
        apply_runs(&runs, &win, &mut plane);
        let tau = 2.0 * std::f32::consts::PI;
        let want: Vec<f32> = (0..8)
            .map(|i| k((1 + i / 4) * w + 1 + i % 4) as f32 * tau)
            .collect();
        assert_eq!(plane, want);
    }
}
