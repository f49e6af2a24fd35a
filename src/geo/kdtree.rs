//! The nearest-neighbour search MintPy's geocoding gets from pyresample: a float32 kd-tree on
//! Earth-centred coordinates (sphere of radius 6370997 m), built with the sliding-midpoint rule
//! and 16 points per leaf, and queried approximately (`eps = 0.5`: a neighbour up to 1.5 times
//! farther than the nearest may be returned) within a distance bound. The approximate answer
//! depends on how the tree is built, so ours is built the same way (pykdtree's algorithm,
//! written anew from its description) to pick the same source pixels as MintPy.

/// pyresample's Earth radius for Cartesian coordinates, metres.
pub const PYRESAMPLE_RADIUS: f32 = 6_370_997.0;
/// Earth-centred coordinates of a float64 point, computed in float64 and stored as float32 (what
/// pyresample does with a float64 destination grid against a float32 tree).
#[inline]
pub fn cartesian64(lat: f64, lon: f64) -> [f32; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    let r = PYRESAMPLE_RADIUS as f64;
    [
        (r * la.cos() * lo.cos()) as f32,
        (r * la.cos() * lo.sin()) as f32,
        (r * la.sin()) as f32,
    ]
}

/// Points per leaf (pykdtree's default).
const LEAF_SIZE: usize = 16;
/// MintPy's `epsilon` of nearest resampling.
pub const MINTPY_EPS: f32 = 0.5;

/// Earth-centred coordinates of a point, computed in float32 as NumPy does for float32 input.
#[inline]
pub fn cartesian(lat: f32, lon: f32) -> [f32; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    let r = PYRESAMPLE_RADIUS * la.cos();
    [r * lo.cos(), r * lo.sin(), PYRESAMPLE_RADIUS * la.sin()]
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Split dimension, or -1 for a leaf.
    cut_dim: i8,
    cut_val: f32,
    /// The node's bounds along `cut_dim`.
    lo: f32,
    hi: f32,
    start: u32,
    n: u32,
    left: u32,
    right: u32,
}

/// A kd-tree over 3-D float32 points.
pub struct KdTree {
    pts: Vec<[f32; 3]>,
    /// Caller's id of each point.
    ids: Vec<u32>,
    /// Permutation of the points (leaves are ranges of it).
    pidx: Vec<u32>,
    nodes: Vec<Node>,
    bbox: [f32; 6],
}

impl KdTree {
    /// Builds the tree over `pts` (in the caller's order, which shapes the tree), each with an id.
    pub fn new(pts: Vec<[f32; 3]>, ids: Vec<u32>) -> KdTree {
        let n = pts.len();
        let mut t = KdTree {
            pts,
            ids,
            pidx: (0..n as u32).collect(),
            nodes: Vec::with_capacity(2 * n / LEAF_SIZE + 2),
            bbox: [0.0; 6],
        };
        if n == 0 {
            return t;
        }
        let mut bbox = [0f32; 6];
        for d in 0..3 {
            bbox[2 * d] = t.pts[0][d];
            bbox[2 * d + 1] = t.pts[0][d];
        }
        for p in &t.pts[1..] {
            for d in 0..3 {
                if p[d] < bbox[2 * d] {
                    bbox[2 * d] = p[d];
                } else if p[d] > bbox[2 * d + 1] {
                    bbox[2 * d + 1] = p[d];
                }
            }
        }
        t.bbox = bbox;
        t.build(0, n, &mut bbox);
        t
    }

    #[inline]
    fn pa(&self, i: usize, d: usize) -> f32 {
        self.pts[self.pidx[i] as usize][d]
    }

    fn build(&mut self, start: usize, n: usize, bbox: &mut [f32; 6]) -> u32 {
        let id = self.nodes.len();
        self.nodes.push(Node {
            cut_dim: -1,
            cut_val: 0.0,
            lo: 0.0,
            hi: 0.0,
            start: start as u32,
            n: n as u32,
            left: 0,
            right: 0,
        });
        if n <= LEAF_SIZE {
            return id as u32;
        }
        let Some((dim, split, n_lo)) = self.partition(start, n, bbox) else {
            return id as u32;
        };
        let (lv, hv) = (bbox[2 * dim], bbox[2 * dim + 1]);
        bbox[2 * dim + 1] = split;
        let left = self.build(start, n_lo, bbox);
        bbox[2 * dim + 1] = hv;
        bbox[2 * dim] = split;
        let right = self.build(start + n_lo, n - n_lo, bbox);
        bbox[2 * dim] = lv;
        self.nodes[id] = Node {
            cut_dim: dim as i8,
            cut_val: split,
            lo: lv,
            hi: hv,
            start: start as u32,
            n: n as u32,
            left,
            right,
        };
        id as u32
    }

    /// Sliding-midpoint split along the longest side; `None` when all points coincide there.
    fn partition(
        &mut self,
        start: usize,
        n: usize,
        bbox: &[f32; 6],
    ) -> Option<(usize, f32, usize)> {
        let end = start + n - 1;
        let (mut dim, mut size) = (0usize, 0f32);
        for d in 0..3 {
            let side = bbox[2 * d + 1] - bbox[2 * d];
            if side > size {
                dim = d;
                size = side;
            }
        }
        let (min_val, max_val) = (bbox[2 * dim], bbox[2 * dim + 1]);
        if min_val >= max_val {
            return None;
        }
        let mut split = (min_val + max_val) / 2.0;
        let (mut p, mut q) = (start as i64, end as i64);
        while p <= q {
            if self.pa(p as usize, dim) < split {
                p += 1;
            } else if self.pa(q as usize, dim) >= split {
                if q > 0 {
                    q -= 1;
                } else {
                    break;
                }
            } else {
                self.pidx.swap(p as usize, q as usize);
                p += 1;
                q -= 1;
            }
        }
        let mut p = p as usize;
        if p == start {
            let mut j = start;
            split = self.pa(j, dim);
            for i in start + 1..=end {
                let v = self.pa(i, dim);
                if v < split {
                    j = i;
                    split = v;
                }
            }
            self.pidx.swap(j, start);
            p = start + 1;
        } else if p == end + 1 {
            let mut j = end;
            split = self.pa(j, dim);
            for i in start..end {
                let v = self.pa(i, dim);
                if v > split {
                    j = i;
                    split = v;
                }
            }
            self.pidx.swap(j, end);
            p = end;
        }
        Some((dim, split, p - start))
    }

    /// The id of the point nearest to `q` as pykdtree's approximate search finds it, if its
    /// squared distance is below `bound2`.
    pub fn nearest(&self, q: &[f32; 3], eps: f32, bound2: f32) -> Option<u32> {
        if self.pts.is_empty() {
            return None;
        }
        let eps_fac = 1.0 / ((1.0 + eps) * (1.0 + eps));
        let mut min_dist = 0f32;
        for (d, &c) in q.iter().enumerate() {
            let off = if c < self.bbox[2 * d] {
                c - self.bbox[2 * d]
            } else if c > self.bbox[2 * d + 1] {
                c - self.bbox[2 * d + 1]
            } else {
                0.0
            };
            min_dist += off * off;
        }
        let mut best = (f32::MAX, u32::MAX);
        self.search(0, q, min_dist, bound2, eps_fac, &mut best);
        (best.1 != u32::MAX && best.0 < bound2).then(|| self.ids[best.1 as usize])
    }

    fn search(
        &self,
        node: u32,
        q: &[f32; 3],
        min_dist: f32,
        bound2: f32,
        eps_fac: f32,
        best: &mut (f32, u32),
    ) {
        if min_dist > bound2 {
            return;
        }
        let nd = &self.nodes[node as usize];
        if nd.cut_dim < 0 {
            for i in nd.start as usize..(nd.start + nd.n) as usize {
                let p = &self.pts[self.pidx[i] as usize];
                let mut dist = 0f32;
                for d in 0..3 {
                    let dd = q[d] - p[d];
                    dist += dd * dd;
                }
                if dist < best.0 {
                    *best = (dist, self.pidx[i]);
                }
            }
            return;
        }
        let dim = nd.cut_dim as usize;
        let offset = q[dim] - nd.cut_val;
        if offset < 0.0 {
            if min_dist < best.0 * eps_fac {
                self.search(nd.left, q, min_dist, bound2, eps_fac, best);
            }
            let box_diff = (nd.lo - q[dim]).max(0.0);
            let dist_right = min_dist - box_diff * box_diff + offset * offset;
            if dist_right < best.0 * eps_fac {
                self.search(nd.right, q, dist_right, bound2, eps_fac, best);
            }
        } else {
            if min_dist < best.0 * eps_fac {
                self.search(nd.right, q, min_dist, bound2, eps_fac, best);
            }
            let box_diff = (q[dim] - nd.hi).max(0.0);
            let dist_left = min_dist - box_diff * box_diff + offset * offset;
            if dist_left < best.0 * eps_fac {
                self.search(nd.left, q, dist_left, bound2, eps_fac, best);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_search_finds_the_nearest_and_approximate_stays_within_eps() {
        // A jittered grid of 3000 points.
        let mut pts = Vec::new();
        let mut rng = crate::rng::Rng::seeded(12345);
        let mut rnd = || rng.uniform() as f32;
        for i in 0..60 {
            for j in 0..50 {
                pts.push([i as f32 + 0.3 * rnd(), j as f32 + 0.3 * rnd(), 0.1 * rnd()]);
            }
        }
        let ids: Vec<u32> = (0..pts.len() as u32).collect();
        let tree = KdTree::new(pts.clone(), ids);
        for k in 0..400 {
            let q = [rnd() * 60.0, rnd() * 50.0, 0.0];
            let d2 = |p: &[f32; 3]| (0..3).map(|d| (q[d] - p[d]) * (q[d] - p[d])).sum::<f32>();
            let brute = (0..pts.len())
                .min_by(|&a, &b| d2(&pts[a]).total_cmp(&d2(&pts[b])))
                .unwrap();
            let exact = tree.nearest(&q, 0.0, f32::MAX).unwrap() as usize;
            assert_eq!(d2(&pts[exact]), d2(&pts[brute]), "query {k}");
            let approx = tree.nearest(&q, 0.5, f32::MAX).unwrap() as usize;
            assert!(d2(&pts[approx]).sqrt() <= 1.5 * d2(&pts[brute]).sqrt() + 1e-4);
            // The bound excludes points at or beyond it.
            let b = d2(&pts[brute]);
            assert!(tree.nearest(&q, 0.0, b).is_none());
        }
    }
}
