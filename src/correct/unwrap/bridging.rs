//! Bridging (MintPy's `unwrap_error_bridging.py`): the cleaned connected components of one
//! interferogram are joined by the minimum spanning tree of their shortest boundary-to-boundary
//! distances, walked breadth-first from the reference component; each child component is
//! shifted by the integer number of cycles that brings the median phase near its bridge end
//! closest to the median near the parent's end. Pure: slices in, cycles per component out.

use super::conncomp::Components;
use crate::window::Window;

/// A bridge from an already corrected component to the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bridge {
    /// Parent component (nearer the reference in the tree).
    pub label0: u32,
    /// Child component, shifted by the bridge.
    pub label1: u32,
    /// Bridge end in the parent (row, column).
    pub yx0: (usize, usize),
    /// Bridge end in the child (row, column).
    pub yx1: (usize, usize),
}

/// Pixels of one boundary bucketed in square cells, for exact nearest-pixel queries that look
/// at a few cells instead of every pixel (the all-pairs search was quadratic in the boundary
/// lengths).
struct Grid {
    /// Cell side, pixels.
    cell: usize,
    /// Cells per row and per column.
    gw: usize,
    gh: usize,
    /// Start of each cell's pixels in `points` (CSR), `gw * gh + 1` entries.
    start: Vec<u32>,
    /// The pixels, by cell.
    points: Vec<(usize, usize)>,
}

impl Grid {
    /// Cell side: the boundaries are lines, so a cell holds about `CELL` of their pixels.
    const CELL: usize = 16;

    fn new(pts: &[(usize, usize)], length: usize, width: usize) -> Grid {
        let cell = Self::CELL;
        let (gh, gw) = (length.div_ceil(cell).max(1), width.div_ceil(cell).max(1));
        let mut count = vec![0u32; gw * gh + 1];
        for &(y, x) in pts {
            count[(y / cell) * gw + x / cell + 1] += 1;
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let start = count.clone();
        let mut fill = count;
        let mut points = vec![(0, 0); pts.len()];
        for &(y, x) in pts {
            let c = (y / cell) * gw + x / cell;
            points[fill[c] as usize] = (y, x);
            fill[c] += 1;
        }
        Grid {
            cell,
            gw,
            gh,
            start,
            points,
        }
    }

    /// The squared distance from `(y, x)` to the nearest pixel, if below `bound`.
    fn nearest_below(&self, (y, x): (usize, usize), bound: u64) -> Option<u64> {
        let (cy, cx) = ((y / self.cell) as i64, (x / self.cell) as i64);
        let mut best = bound;
        let far = self.gw.max(self.gh) as i64;
        for r in 0..=far {
            if r > 0 {
                // Every pixel of ring r is at least (r - 1) * cell + 1 away along one axis.
                let lb = ((r as u64 - 1) * self.cell as u64 + 1).pow(2);
                if lb >= best {
                    break;
                }
            }
            let (x0, x1) = ((cx - r).max(0), (cx + r).min(self.gw as i64 - 1));
            for gy in (cy - r).max(0)..=(cy + r).min(self.gh as i64 - 1) {
                let mut visit = |gx: i64| {
                    let c = gy as usize * self.gw + gx as usize;
                    let cell = &self.points[self.start[c] as usize..self.start[c + 1] as usize];
                    for &(ya, xa) in cell {
                        let (dy, dx) = (ya.abs_diff(y) as u64, xa.abs_diff(x) as u64);
                        best = best.min(dy * dy + dx * dx);
                    }
                };
                if gy == cy - r || gy == cy + r {
                    (x0..=x1).for_each(&mut visit);
                } else {
                    // Inside the ring's rows, only its two side cells.
                    for gx in [cx - r, cx + r] {
                        if (x0..=x1).contains(&gx) {
                            visit(gx);
                        }
                    }
                }
            }
        }
        (best < bound).then_some(best)
    }
}

/// Closest pair of pixels between two boundary pixel lists (raster order), `grid` holding
/// `a`: for each pixel of `b` its nearest pixel of `a` (the first of equally near ones), and of
/// those the first pair of smallest distance. Returns `(index in a, index in b, squared
/// distance)`.
fn closest_pair(a: &[(usize, usize)], grid: &Grid, b: &[(usize, usize)]) -> (usize, usize, u64) {
    let (mut jbest, mut d2) = (0, u64::MAX);
    for (jb, &q) in b.iter().enumerate() {
        // Only a strictly nearer pixel of b changes the answer: the first one wins ties.
        if let Some(d) = grid.nearest_below(q, d2) {
            (jbest, d2) = (jb, d);
            if d == 1 {
                break;
            }
        }
    }
    let (yb, xb) = b[jbest];
    let ia = a
        .iter()
        .position(|&(ya, xa)| {
            let (dy, dx) = (ya.abs_diff(yb) as u64, xa.abs_diff(xb) as u64);
            dy * dy + dx * dx == d2
        })
        .unwrap_or(0);
    (ia, jbest, d2)
}

/// The bridges of `c` in breadth-first order from component `ref_label` (MintPy's
/// `find_mst_bridge`). Errors when the boundary image lacks a component (MintPy fails there).
pub fn find_bridges(c: &Components, ref_label: u32) -> Result<Vec<Bridge>, String> {
    let n = c.num;
    if n <= 1 {
        return Ok(Vec::new());
    }
    // Boundary pixels per boundary label, labels in increasing order: MintPy pairs the i-th of
    // these with component i + 1.
    let mut coords: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 256];
    for (p, &b) in c.bound.iter().enumerate() {
        if b != 0 {
            coords[b as usize].push((p / c.width, p % c.width));
        }
    }
    let regions: Vec<Vec<(usize, usize)>> = coords.into_iter().filter(|v| !v.is_empty()).collect();
    if regions.len() < n {
        return Err(format!(
            "{} components but boundaries of only {}",
            n,
            regions.len()
        ));
    }
    // Shortest bridge of every pair of components; distances in f32 as MintPy's matrix.
    let mut edges = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        let grid = Grid::new(&regions[i], c.length, c.width);
        for j in i + 1..n {
            let (ia, jb, d2) = closest_pair(&regions[i], &grid, &regions[j]);
            let dist = (d2 as f64).sqrt() as f32;
            edges.push((dist, i, j, regions[i][ia], regions[j][jb]));
        }
    }
    // Kruskal, ties in matrix order (stable sort of the upper triangle).
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| edges[a].0.total_cmp(&edges[b].0));
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in order {
        let (_, i, j, _, _) = edges[e];
        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
        if ri != rj {
            parent[ri.max(rj)] = ri.min(rj);
            adjacent[i].push(e);
            adjacent[j].push(e);
        }
    }
    // Breadth first from the reference: a parent is always corrected before its children.
    let start = ref_label as usize - 1;
    let mut seen = vec![false; n];
    seen[start] = true;
    let mut queue = std::collections::VecDeque::from([start]);
    let mut bridges = Vec::with_capacity(n - 1);
    while let Some(u) = queue.pop_front() {
        for &e in &adjacent[u] {
            let (_, i, j, yxi, yxj) = edges[e];
            let (v, yx0, yx1) = if i == u { (j, yxi, yxj) } else { (i, yxj, yxi) };
            if seen[v] {
                continue;
            }
            seen[v] = true;
            queue.push_back(v);
            bridges.push(Bridge {
                label0: u as u32 + 1,
                label1: v as u32 + 1,
                yx0,
                yx1,
            });
        }
    }
    Ok(bridges)
}

/// MintPy's bridge-end window half size: `radius`, at most 5 % of the shorter image side.
pub fn effective_radius(radius: usize, length: usize, width: usize) -> usize {
    (radius as f64).min(length.min(width) as f64 * 0.05) as usize
}

/// The pixels around bridge end `(y, x)` whose median phase the jump is measured on:
/// `radius` before it to `radius` after it (exclusive), clipped at the image edges.
pub fn end_window((y, x): (usize, usize), radius: usize, length: usize, width: usize) -> Window {
    Window {
        y0: y.saturating_sub(radius),
        y1: (y + radius).min(length),
        x0: x.saturating_sub(radius),
        x1: (x + radius).min(width),
    }
}

/// NumPy's median of `v` (NaN already left out; NaN if empty), in f32 as NumPy computes it
/// for f32 data. Sorts `v`.
fn median_f32(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return f32::NAN;
    }
    v.sort_unstable_by(f32::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Python's float floor division `a // b` (b > 0).
fn py_floordiv(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && (m < 0.0) != (b < 0.0) {
        div -= 1.0;
    }
    let f = div.floor();
    if div - f > 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// Integer 2-pi jumps per component (index = label; 0 for the reference and unlabelled
/// pixels) from the bridges of one interferogram. `phase` is the interferogram as MintPy
/// bridges it (referenced, and deramped when asked), row-major `c.length x c.width`. A bridge
/// whose end window holds no valid phase gives `None` for its child (MintPy's median is NaN
/// there and the child's phase becomes NaN); its own children then get `None` too.
pub fn bridge_jumps(
    phase: &[f32],
    c: &Components,
    bridges: &[Bridge],
    radius: usize,
) -> Vec<Option<i32>> {
    let mut jumps: Vec<Option<i32>> = vec![Some(0); c.num + 1];
    // The shift MintPy has added in place to each component so far (f32, added once).
    let mut shift = vec![0.0f32; c.num + 1];
    let mut values = Vec::new();
    let window_median = |yx: (usize, usize), label: u32, shift: f32, values: &mut Vec<f32>| {
        let w = end_window(yx, radius, c.length, c.width);
        values.clear();
        for yy in w.y0..w.y1 {
            for xx in w.x0..w.x1 {
                let p = yy * c.width + xx;
                if c.labels[p] == label && !phase[p].is_nan() {
                    values.push(phase[p] + shift);
                }
            }
        }
        median_f32(values)
    };
    for b in bridges {
        let (l0, l1) = (b.label0 as usize, b.label1 as usize);
        if jumps[l0].is_none() {
            jumps[l1] = None;
            continue;
        }
        let v0 = window_median(b.yx0, b.label0, shift[l0], &mut values);
        let v1 = window_median(b.yx1, b.label1, shift[l1], &mut values);
        let diff = v1 - v0;
        if diff.is_nan() {
            jumps[l1] = None;
            continue;
        }
        let tau = 2.0 * std::f64::consts::PI;
        let mut n = py_floordiv((diff.abs() as f64) + std::f64::consts::PI, tau);
        if diff > 0.0 {
            n = -n;
        }
        jumps[l1] = Some(n as i32);
        shift[l1] = (tau * n) as f32;
    }
    jumps
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::conncomp::clean_components;
    use super::*;
    use std::f32::consts::PI;

    /// The all-pairs search the grid replaces.
    fn brute_closest(a: &[(usize, usize)], b: &[(usize, usize)]) -> (usize, usize, u64) {
        let mut best = (0, 0, u64::MAX);
        for (jb, &(yb, xb)) in b.iter().enumerate() {
            let mut near = (0, u64::MAX);
            for (ia, &(ya, xa)) in a.iter().enumerate() {
                let (dy, dx) = (ya.abs_diff(yb) as u64, xa.abs_diff(xb) as u64);
                if dy * dy + dx * dx < near.1 {
                    near = (ia, dy * dy + dx * dx);
                }
            }
            if near.1 < best.2 {
                best = (near.0, jb, near.1);
            }
        }
        best
    }

    #[test]
    fn grid_search_equals_the_all_pairs_search() {
        let mut rng = crate::rng::SplitMix64::new(5);
        let (l, w) = (97, 131);
        let pick = |rng: &mut crate::rng::SplitMix64| {
            let n = 1 + rng.below(40);
            let mut v: Vec<(usize, usize)> = (0..n).map(|_| (rng.below(l), rng.below(w))).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for _ in 0..200 {
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            let a: Vec<_> = a.into_iter().filter(|p| !b.contains(p)).collect();
            if a.is_empty() {
                continue;
            }
            let grid = Grid::new(&a, l, w);
            assert_eq!(closest_pair(&a, &grid, &b), brute_closest(&a, &b));
        }
    }

    #[test]
    fn floordiv_matches_python() {
        assert_eq!(py_floordiv(7.0, 2.0), 3.0);
        assert_eq!(py_floordiv(-7.0, 2.0), -4.0);
        assert_eq!(py_floordiv(6.0, 2.0), 3.0);
        assert_eq!(py_floordiv(0.5, 2.0 * std::f64::consts::PI), 0.0);
    }

    /// Three regions in a row of a 40 x 90 image, separated by unlabelled columns; the middle
    /// one is off by one cycle, the right one by -2 cycles relative to the truth, a smooth ramp
    /// underneath. Returns the components and the phase.
    pub(in crate::correct::unwrap) fn three_regions() -> (Vec<u32>, Vec<f32>) {
        let (l, w) = (40, 90);
        let mut cc = vec![0u32; l * w];
        let mut phase = vec![0.0f32; l * w];
        for p in 0..l * w {
            let (y, x) = (p / w, p % w);
            let (label, cycles) = match x {
                0..=27 => (1, 0.0),
                31..=57 => (2, 1.0),
                61.. => (3, -2.0),
                _ => (0, 0.0),
            };
            cc[p] = label;
            phase[p] = 0.02 * x as f32 + 0.01 * y as f32 + 2.0 * PI * cycles;
        }
        (cc, phase)
    }

    #[test]
    fn bridges_undo_integer_offsets() {
        let (l, w) = (40, 90);
        let (cc, phase) = three_regions();
        let c = clean_components(&cc, l, w, 10.0);
        assert_eq!(c.num, 3);
        let r = c.reference_label(Some((5, 5))).unwrap();
        let b = find_bridges(&c, r).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].label0, b[0].label1), (1, 2));
        assert_eq!((b[1].label0, b[1].label1), (2, 3));
        let j = bridge_jumps(&phase, &c, &b, effective_radius(50, l, w));
        assert_eq!(j, vec![Some(0), Some(0), Some(-1), Some(2)]);
    }
}
