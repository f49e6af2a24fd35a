//! Connected components of one interferogram, cleaned as MintPy's `objects/conncomp.py` cleans
//! them before bridging: 4-connected regions of equal non-zero label, regions smaller than the
//! minimum area dropped, regions that a 5 x 5 grey erosion would make vanish dropped, and the
//! thick boundaries of the eroded regions kept as bridge candidates. Pure: slices in, arrays out.

/// Side of MintPy's square erosion window.
pub const EROSION_SIZE: usize = 5;

/// The cleaned components of one interferogram (row-major `length x width` images).
#[derive(Debug, Clone)]
pub struct Components {
    /// Rows.
    pub length: usize,
    /// Columns.
    pub width: usize,
    /// Region label per pixel, `1..=num` (0: no region).
    pub labels: Vec<u32>,
    /// Number of regions.
    pub num: usize,
    /// Label of the eroded image on its region boundaries (0 elsewhere): the candidate bridge
    /// ends. MintPy takes it from the erosion made before the last relabelling, so its labels
    /// may disagree with `labels` when that relabelling dropped regions; kept as MintPy has it.
    /// Empty when there are fewer than two regions (no bridge then).
    pub bound: Vec<u8>,
}

/// Labels 4-connected regions of equal non-zero `key`, numbered from 1 in the raster order of
/// their first pixel (scikit-image's `measure.label(connectivity=1)`). Returns the count.
/// `stack` is scratch reused between calls (the union-find parents of the provisional labels).
///
/// Works on runs of equal key along rows. The first pass cuts the rows into runs and gives each
/// non-zero run a provisional label: that of the first run above it with the same key, merged
/// with every other such run above (always under the smaller label), or a new one, numbered in
/// raster order, when there is none. The second numbers the merged sets; the third writes each
/// run's number. A region's first pixel in raster order starts a run with nothing of its region
/// above, so the region's smallest provisional label is made there, and numbering the sets by
/// it numbers the regions as the flood fill does.
fn label_regions(
    key: &[u32],
    length: usize,
    width: usize,
    out: &mut Vec<u32>,
    stack: &mut Vec<usize>,
) -> usize {
    /// A run of equal key: columns `x0..x1`, its key, its provisional label (0 for key 0).
    #[derive(Clone, Copy)]
    struct Span {
        x0: u32,
        x1: u32,
        key: u32,
        label: u32,
    }
    // parent[0] is unused (0 = no region).
    let parent = stack;
    parent.clear();
    parent.push(0);
    let mut spans: Vec<Span> = Vec::new();
    // Where each row's runs start in `spans` (one more entry at the end).
    let mut row_start: Vec<usize> = Vec::with_capacity(length + 1);
    for y in 0..length {
        let row = &key[y * width..(y + 1) * width];
        let first = spans.len();
        row_start.push(first);
        let (mut x0, mut x) = (0, 1);
        while x < width {
            // Blocks without a change of key skipped whole: runs are long in
            // connected-component images.
            if unchanged_block(row, x) {
                x += BLOCK;
                continue;
            }
            if row[x] != row[x - 1] {
                spans.push(Span {
                    x0: x0 as u32,
                    x1: x as u32,
                    key: row[x0],
                    label: 0,
                });
                x0 = x;
            }
            x += 1;
        }
        if width > 0 {
            spans.push(Span {
                x0: x0 as u32,
                x1: width as u32,
                key: row[x0],
                label: 0,
            });
        }
        if y == 0 {
            for s in &mut spans[first..] {
                if s.key != 0 {
                    parent.push(parent.len());
                    s.label = (parent.len() - 1) as u32;
                }
            }
            continue;
        }
        // Both rows' runs in column order: walk them together.
        let (above, here) = spans.split_at_mut(first);
        let above = &above[row_start[y - 1]..];
        let mut a = 0;
        for s in here.iter_mut() {
            if s.key == 0 {
                continue;
            }
            while above[a].x1 <= s.x0 {
                a += 1;
            }
            let mut label = 0u32;
            let mut j = a;
            while j < above.len() && above[j].x0 < s.x1 {
                let t = above[j];
                if t.key == s.key {
                    if label == 0 {
                        label = t.label;
                    } else if t.label != label {
                        let (ra, rb) =
                            (root(parent, label as usize), root(parent, t.label as usize));
                        let (lo, hi) = (ra.min(rb), ra.max(rb));
                        parent[hi] = lo;
                    }
                }
                j += 1;
            }
            if label == 0 {
                parent.push(parent.len());
                label = (parent.len() - 1) as u32;
            }
            s.label = label;
        }
    }
    // A parent is never larger than its child (merges hang the larger root under the smaller,
    // path halving only shortens), and a set's root is its smallest label. In increasing
    // order each label becomes its final number: a root the next one, any other its parent's
    // (already final, as the parent is smaller).
    let mut num = 0;
    for l in 1..parent.len() {
        let p = parent[l];
        parent[l] = if p == l {
            num += 1;
            num
        } else {
            parent[p]
        };
    }
    out.clear();
    out.reserve(key.len());
    for s in &spans {
        let n = (s.x1 - s.x0) as usize;
        out.extend(std::iter::repeat_n(parent[s.label as usize] as u32, n));
    }
    num
}

/// Pixels of a block that [`unchanged_block`] tests at once.
pub(crate) const BLOCK: usize = 32;

/// Whether `row[x..x + BLOCK]` all equal their left neighbours (false when the block passes the
/// row's end): a vectorised comparison with no early exit, cheaper than a branch per pixel
/// where runs are long.
pub(crate) fn unchanged_block(row: &[u32], x: usize) -> bool {
    x >= 1
        && x + BLOCK <= row.len()
        && row[x..x + BLOCK]
            .iter()
            .zip(&row[x - 1..x - 1 + BLOCK])
            .fold(true, |same, (a, b)| same & (a == b))
}

/// The root of provisional label `l` (path halving).
fn root(parent: &mut [usize], mut l: usize) -> usize {
    while parent[l] != l {
        parent[l] = parent[parent[l]];
        l = parent[l];
    }
    l
}

/// Grey erosion (minimum) over a `size x size` window clipped at the image edges (what
/// `morphology.erosion` gives with its default `reflect` border), cast to u8 as MintPy does.
/// Labels up to 255 (the usual case) are eroded as bytes, whose minimum every x86-64 vector
/// unit has; the result is the same, as the minimum commutes with an exact cast.
fn erode(labels: &[u32], length: usize, width: usize, size: usize) -> Vec<u8> {
    // An OR over every label (vectorised; a test with an early exit per label cost more than
    // the erosion itself).
    if labels.iter().fold(0u32, |a, &l| a | l) <= 255 {
        let bytes: Vec<u8> = labels.iter().map(|&l| l as u8).collect();
        erode_min(&bytes, length, width, size)
    } else {
        // NumPy's astype(uint8) keeps the low byte.
        erode_min(labels, length, width, size)
            .into_iter()
            .map(|m| m as u8)
            .collect()
    }
}

/// [`erode`]'s minimum filter. Separable, and each pass is an elementwise minimum of shifted
/// rows, which the compiler vectorises (a minimum is exact, so the order of the comparisons
/// does not matter).
fn erode_min<T: Copy + Ord + Default>(
    labels: &[T],
    length: usize,
    width: usize,
    size: usize,
) -> Vec<T> {
    let r = size / 2;
    if labels.is_empty() {
        return Vec::new();
    }
    // Along rows: each pixel the minimum of its row's window.
    let mut rows = labels.to_vec();
    for (line, out) in labels.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        for k in 1..=r.min(width.saturating_sub(1)) {
            // Neighbours k to the right, then k to the left.
            for (o, &v) in out[..width - k].iter_mut().zip(&line[k..]) {
                *o = (*o).min(v);
            }
            for (o, &v) in out[k..].iter_mut().zip(&line[..width - k]) {
                *o = (*o).min(v);
            }
        }
    }
    // Along columns: each output row the minimum of the window's rows.
    let mut out = vec![T::default(); labels.len()];
    for y in 0..length {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(length));
        let acc = &mut out[y * width..(y + 1) * width];
        acc.copy_from_slice(&rows[a * width..(a + 1) * width]);
        for yy in a + 1..b {
            for (m, &v) in acc.iter_mut().zip(&rows[yy * width..(yy + 1) * width]) {
                *m = (*m).min(v);
            }
        }
    }
    out
}

/// Pixels of the thick boundaries of `img` (a pixel whose 4-neighbourhood, itself included and
/// clipped at the edges, holds more than one value), times the pixel's value: scikit-image's
/// `find_boundaries(mode='thick') * img`.
fn thick_boundary(img: &[u8], length: usize, width: usize) -> Vec<u8> {
    let mut out = vec![0u8; img.len()];
    if width == 0 {
        return out;
    }
    for y in 0..length {
        let row = &img[y * width..(y + 1) * width];
        // A neighbour outside the image is left out: the pixel itself stands in for it (never
        // different).
        let up = if y > 0 {
            &img[(y - 1) * width..y * width]
        } else {
            row
        };
        let down = if y + 1 < length {
            &img[(y + 1) * width..(y + 2) * width]
        } else {
            row
        };
        let o = &mut out[y * width..(y + 1) * width];
        let edge = |x: usize| {
            let v = row[x];
            let l = row[x.saturating_sub(1)];
            let r = row[(x + 1).min(width - 1)];
            if up[x] != v || down[x] != v || l != v || r != v {
                v
            } else {
                0
            }
        };
        o[0] = edge(0);
        o[width - 1] = edge(width - 1);
        if width > 2 {
            // The inner columns, branch-free (vectorised).
            let inner = 1..width - 1;
            let cols = row[inner.clone()]
                .iter()
                .zip(&row[..width - 2])
                .zip(&row[2..])
                .zip(&up[inner.clone()])
                .zip(&down[inner.clone()]);
            for (o, ((((&v, &l), &r), &u), &d)) in o[inner].iter_mut().zip(cols) {
                let differs = (u != v) | (d != v) | (l != v) | (r != v);
                *o = if differs { v } else { 0 };
            }
        }
    }
    out
}

/// Drops the regions of `labels` (numbered `1..=num`) whose label is absent from the eroded
/// image `eroded` when the eroded image has fewer distinct labels than `num`, and relabels.
/// Returns the new count, which is `num` exactly when nothing was dropped (`labels` untouched).
fn drop_eroded(
    labels: &mut Vec<u32>,
    num: usize,
    eroded: &[u8],
    length: usize,
    width: usize,
    stack: &mut Vec<usize>,
) -> usize {
    let mut present = [false; 256];
    // Regions are large: every label usually shows up within the first rows, and the scan
    // stops once all `num` have (then none is dropped, as a full scan would find).
    let mut found = 0;
    for &v in eroded {
        if !present[v as usize] {
            present[v as usize] = true;
            found += usize::from(v != 0);
            if found == num {
                break;
            }
        }
    }
    let kept = present[1..].iter().filter(|&&p| p).count();
    if kept >= num {
        return num;
    }
    // A label above 255 never matches the eroded image's u8 labels: MintPy drops it too.
    for l in labels.iter_mut() {
        if *l > 255 || !present[*l as usize] {
            *l = 0;
        }
    }
    let key = std::mem::take(labels);
    label_regions(&key, length, width, labels, stack)
}

/// MintPy's `label_conn_comp` then `label_boundary` (erosion size 5) of the connected
/// components `conncomp` (0: none; water already zeroed by the caller), with `min_area` in
/// pixels (capped at 0.3 % of the image when there is more than one region, as MintPy).
pub fn clean_components(
    conncomp: &[u32],
    length: usize,
    width: usize,
    min_area: f64,
) -> Components {
    let (labels, num) = label_by_area(conncomp, length, width, min_area);
    clean_labelled(labels, num, length, width)
}

/// [`clean_components`] from the regions [`label_by_area`] gives (`num` of them).
pub fn clean_labelled(labels: Vec<u32>, num: usize, length: usize, width: usize) -> Components {
    let mut stack = Vec::new();
    let (mut labels, mut num, eroded) = erode_and_drop(labels, num, length, width);
    // label_boundary erodes again and keeps that erosion for the boundaries. When the first
    // erosion dropped nothing, the labels are those it eroded: the second erosion would be the
    // same image and drop nothing either.
    let eroded = match eroded {
        Some(e) => e,
        None => {
            let e = erode(&labels, length, width, EROSION_SIZE);
            num = drop_eroded(&mut labels, num, &e, length, width, &mut stack);
            e
        }
    };
    // Only bridges between two or more regions look at the boundaries.
    let bound = if num > 1 {
        thick_boundary(&eroded, length, width)
    } else {
        Vec::new()
    };
    Components {
        length,
        width,
        labels,
        num,
        bound,
    }
}

/// MintPy's `label_conn_comp` alone: the regions of equal non-zero `key` (4-connected), those
/// smaller than `min_area` dropped (capped at 0.3 % of the image when there is more than one
/// region), then those a 5 x 5 erosion makes vanish dropped; relabelled `1..=num` in raster
/// order. Returns the labels and `num`.
pub fn label_conn_comp(
    key: &[u32],
    length: usize,
    width: usize,
    min_area: f64,
) -> (Vec<u32>, usize) {
    let (labels, num) = label_by_area(key, length, width, min_area);
    let (labels, num, _) = erode_and_drop(labels, num, length, width);
    (labels, num)
}

/// The first half of [`label_conn_comp`]: the regions of equal non-zero `key` (4-connected),
/// those smaller than `min_area` dropped (capped at 0.3 % of the image when there is more than
/// one region), relabelled `1..=num` in raster order. Returns the labels and `num`. The erosion
/// that follows can only drop regions.
pub fn label_by_area(key: &[u32], length: usize, width: usize, min_area: f64) -> (Vec<u32>, usize) {
    let mut stack = Vec::new();
    let mut labels = Vec::new();
    let mut num = label_regions(key, length, width, &mut labels, &mut stack);
    if num > 1 {
        let min_area = min_area.min(labels.len() as f64 * 3e-3);
        let mut area = vec![0usize; num + 1];
        for &l in &labels {
            area[l as usize] += 1;
        }
        let small: Vec<bool> = area.iter().map(|&a| (a as f64) < min_area).collect();
        // Relabelling regions already numbered in raster order, none removed, renumbers
        // nothing: it is skipped then.
        if small[1..].iter().any(|&s| s) {
            for l in labels.iter_mut() {
                if small[*l as usize] {
                    *l = 0;
                }
            }
            let key = std::mem::take(&mut labels);
            num = label_regions(&key, length, width, &mut labels, &mut stack);
        }
    }
    (labels, num)
}

/// The second half of [`label_conn_comp`]: the regions of `labels` that a 5 x 5 erosion makes
/// vanish dropped. Returns the labels, their number, and the erosion of the returned labels
/// when it is that of the labels given (no region dropped).
fn erode_and_drop(
    mut labels: Vec<u32>,
    num: usize,
    length: usize,
    width: usize,
) -> (Vec<u32>, usize, Option<Vec<u8>>) {
    let mut stack = Vec::new();
    let eroded = erode(&labels, length, width, EROSION_SIZE);
    let kept = drop_eroded(&mut labels, num, &eroded, length, width, &mut stack);
    let current = (kept == num).then_some(eroded);
    (labels, kept, current)
}

impl Components {
    /// The reference region: the one holding `reference` (row, column), an error if that pixel
    /// is in none (as MintPy); without a reference point, the largest region (the first of
    /// equal ones).
    pub fn reference_label(&self, reference: Option<(usize, usize)>) -> Result<u32, String> {
        match reference {
            Some((y, x)) => {
                let l = self.labels[y * self.width + x];
                if l == 0 {
                    Err(format!(
                        "the reference point y={y}, x={x} is in no connected component"
                    ))
                } else {
                    Ok(l)
                }
            }
            None => {
                let mut area = vec![0usize; self.num + 1];
                for &l in &self.labels {
                    area[l as usize] += 1;
                }
                let mut best = 0;
                for l in 1..=self.num {
                    if best == 0 || area[l] > area[best] {
                        best = l;
                    }
                }
                if best == 0 {
                    Err("no connected component is left".to_string())
                } else {
                    Ok(best as u32)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labelling by flood fill, region by region in raster order: the reference.
    fn label_regions_by_flood_fill(
        key: &[u32],
        length: usize,
        width: usize,
        out: &mut Vec<u32>,
        stack: &mut Vec<usize>,
    ) -> usize {
        out.clear();
        out.resize(key.len(), 0);
        let mut num = 0u32;
        for start in 0..key.len() {
            if key[start] == 0 || out[start] != 0 {
                continue;
            }
            num += 1;
            let k = key[start];
            out[start] = num;
            stack.clear();
            stack.push(start);
            while let Some(p) = stack.pop() {
                let (y, x) = (p / width, p % width);
                let mut visit = |q: usize| {
                    if key[q] == k && out[q] == 0 {
                        out[q] = num;
                        stack.push(q);
                    }
                };
                if y > 0 {
                    visit(p - width);
                }
                if y + 1 < length {
                    visit(p + width);
                }
                if x > 0 {
                    visit(p - 1);
                }
                if x + 1 < width {
                    visit(p + 1);
                }
            }
        }
        num as usize
    }

    /// The erosion by its definition: each pixel the minimum of the window clipped at the
    /// edges, cast to u8.
    fn erode_by_definition(labels: &[u32], length: usize, width: usize, size: usize) -> Vec<u8> {
        let r = size / 2;
        let mut out = vec![0u8; labels.len()];
        for y in 0..length {
            for x in 0..width {
                let mut m = u32::MAX;
                for yy in y.saturating_sub(r)..(y + r + 1).min(length) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(width) {
                        m = m.min(labels[yy * width + xx]);
                    }
                }
                out[y * width + x] = m as u8;
            }
        }
        out
    }

    #[test]
    fn erosion_is_the_minimum_over_the_clipped_window() {
        let mut rng = crate::rng::Rng::seeded(55);
        for (length, width) in [(1, 1), (1, 7), (7, 1), (3, 4), (9, 13), (20, 31)] {
            // Blocky labels (some above 255, to check the cast) so that windows straddle edges.
            let labels: Vec<u32> = (0..length * width)
                .map(|p| {
                    let (y, x) = (p / width, p % width);
                    let block = (y / 3 * 7 + x / 4) as f64;
                    ((block * 37.0 + 300.0 * rng.uniform()) as u32) % 400
                })
                .collect();
            // Labels up to 255 take the byte path, larger ones the u32 path.
            let small: Vec<u32> = labels.iter().map(|l| l % 200).collect();
            for labels in [&labels, &small] {
                for size in [1, 3, 5, 7] {
                    assert_eq!(
                        erode(labels, length, width, size),
                        erode_by_definition(labels, length, width, size),
                        "{length} x {width}, size {size}"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_equal_values_four_connected_in_raster_order() {
        // Two labels touching, a diagonal-only neighbour is its own region.
        #[rustfmt::skip]
        let cc = [
            0, 2, 2, 0,
            1, 1, 0, 2,
            1, 0, 2, 0,
        ];
        let (mut out, mut st) = (Vec::new(), Vec::new());
        let n = label_regions(&cc, 3, 4, &mut out, &mut st);
        assert_eq!(n, 4);
        assert_eq!(out, vec![0, 1, 1, 0, 2, 2, 0, 3, 2, 0, 4, 0]);
    }

    #[test]
    fn thick_boundaries_as_defined() {
        let mut rng = crate::rng::Rng::seeded(5);
        for (length, width) in [(1, 1), (1, 7), (7, 1), (2, 2), (3, 3), (13, 17)] {
            let img: Vec<u8> = (0..length * width).map(|_| rng.below(3) as u8).collect();
            let got = thick_boundary(&img, length, width);
            for y in 0..length {
                for x in 0..width {
                    let p = y * width + x;
                    let v = img[p];
                    let mut differs = false;
                    if y > 0 {
                        differs |= img[p - width] != v;
                    }
                    if y + 1 < length {
                        differs |= img[p + width] != v;
                    }
                    if x > 0 {
                        differs |= img[p - 1] != v;
                    }
                    if x + 1 < width {
                        differs |= img[p + 1] != v;
                    }
                    let want = if differs { v } else { 0 };
                    assert_eq!(got[p], want, "{length} x {width} at ({y}, {x})");
                }
            }
        }
    }

    #[test]
    fn two_pass_labels_equal_the_flood_fill() {
        let mut rng = crate::rng::Rng::seeded(91);
        for (length, width) in [(1, 1), (1, 9), (9, 1), (12, 17), (40, 33), (20, 200)] {
            for keys in [2, 3, 6] {
                // Random keys, smoothed a little so regions have U shapes and holes whose arms
                // meet late in raster order (the merges).
                let mut key: Vec<u32> = (0..length * width)
                    .map(|_| (rng.uniform() * keys as f64) as u32)
                    .collect();
                for p in width..key.len() {
                    if rng.uniform() < 0.5 {
                        key[p] = key[p - width];
                    }
                }
                // Runs along rows too (the labelling works run by run), long ones on the
                // widest image (whole blocks without a change).
                let along = if width >= 100 { 0.97 } else { 0.6 };
                if keys == 6 || width >= 100 {
                    for p in 1..key.len() {
                        if p % width != 0 && rng.uniform() < along {
                            key[p] = key[p - 1];
                        }
                    }
                }
                let (mut a, mut b, mut st) = (Vec::new(), Vec::new(), Vec::new());
                let na = label_regions(&key, length, width, &mut a, &mut st);
                let nb = label_regions_by_flood_fill(&key, length, width, &mut b, &mut st);
                assert_eq!((na, &a), (nb, &b), "{length} x {width}, {keys} keys");
            }
        }
        // A spiral: one region whose arms join only at its end.
        #[rustfmt::skip]
        let key = [
            1, 1, 1, 1, 1,
            0, 0, 0, 0, 1,
            1, 1, 1, 0, 1,
            1, 0, 0, 0, 1,
            1, 1, 1, 1, 1,
        ];
        let (mut out, mut st) = (Vec::new(), Vec::new());
        assert_eq!(label_regions(&key, 5, 5, &mut out, &mut st), 1);
        assert!(out.iter().zip(&key).all(|(&o, &k)| o == k));
    }

    #[test]
    fn small_and_thin_regions_are_dropped() {
        let (l, w) = (40, 40);
        let mut cc = vec![1u32; l * w];
        // A 3 x 3 block: big enough, but the 5 x 5 minimum filter replaces it by label 1.
        for y in 5..8 {
            for x in 5..8 {
                cc[y * w + x] = 2;
            }
        }
        // A single pixel: below the minimum area.
        cc[15 * w + 3] = 4;
        // A 10 x 10 block survives.
        for y in 20..30 {
            for x in 25..35 {
                cc[y * w + x] = 3;
            }
        }
        let c = clean_components(&cc, l, w, 4.0);
        assert_eq!(c.num, 2, "the background and the big block");
        assert_eq!(c.labels[6 * w + 6], 0);
        assert_eq!(c.labels[15 * w + 3], 0);
        assert_eq!(c.labels[25 * w + 30], 2);
        assert!(c.bound.iter().any(|&b| b != 0));
    }

    #[test]
    fn reference_label_is_the_largest_without_a_point() {
        let (l, w) = (30, 30);
        let mut cc = vec![1u32; l * w];
        for v in cc.iter_mut().take(10 * w) {
            *v = 2;
        }
        let c = clean_components(&cc, l, w, 1.0);
        assert_eq!(c.num, 2);
        assert_eq!(c.reference_label(None), Ok(2));
        assert_eq!(c.reference_label(Some((0, 0))), Ok(1));
    }
}
