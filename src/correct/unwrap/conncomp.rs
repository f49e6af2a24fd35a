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
    pub bound: Vec<u8>,
}

/// Labels 4-connected regions of equal non-zero `key`, numbered from 1 in the raster order of
/// their first pixel (scikit-image's `measure.label(connectivity=1)`). Returns the count.
/// `stack` is scratch reused between calls.
fn label_regions(
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

/// Grey erosion (minimum) over a `size x size` window clipped at the image edges (what
/// `morphology.erosion` gives with its default `reflect` border), cast to u8 as MintPy does.
fn erode(labels: &[u32], length: usize, width: usize, size: usize) -> Vec<u8> {
    let r = size / 2;
    let mut rows = vec![0u32; labels.len()];
    for y in 0..length {
        let line = &labels[y * width..(y + 1) * width];
        for x in 0..width {
            let (a, b) = (x.saturating_sub(r), (x + r + 1).min(width));
            rows[y * width + x] = line[a..b].iter().copied().min().unwrap_or(0);
        }
    }
    let mut out = vec![0u8; labels.len()];
    for y in 0..length {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(length));
        for x in 0..width {
            let m = (a..b).map(|yy| rows[yy * width + x]).min().unwrap_or(0);
            // NumPy's astype(uint8) keeps the low byte.
            out[y * width + x] = m as u8;
        }
    }
    out
}

/// Pixels of the thick boundaries of `img` (a pixel whose 4-neighbourhood, itself included and
/// clipped at the edges, holds more than one value), times the pixel's value: scikit-image's
/// `find_boundaries(mode='thick') * img`.
fn thick_boundary(img: &[u8], length: usize, width: usize) -> Vec<u8> {
    let mut out = vec![0u8; img.len()];
    for y in 0..length {
        for x in 0..width {
            let p = y * width + x;
            let v = img[p];
            let differs = (y > 0 && img[p - width] != v)
                || (y + 1 < length && img[p + width] != v)
                || (x > 0 && img[p - 1] != v)
                || (x + 1 < width && img[p + 1] != v);
            if differs {
                out[p] = v;
            }
        }
    }
    out
}

/// Drops the regions of `labels` (numbered `1..=num`) whose label is absent from the eroded
/// image `eroded` when the eroded image has fewer distinct labels than `num`, and relabels.
fn drop_eroded(
    labels: &mut Vec<u32>,
    num: usize,
    eroded: &[u8],
    length: usize,
    width: usize,
    stack: &mut Vec<usize>,
) -> usize {
    let mut present = [false; 256];
    for &v in eroded {
        present[v as usize] = true;
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
    let mut stack = Vec::new();
    let (mut labels, mut num) = label_conn_comp(conncomp, length, width, min_area);
    // label_boundary erodes again and keeps that erosion for the boundaries.
    let eroded = erode(&labels, length, width, EROSION_SIZE);
    num = drop_eroded(&mut labels, num, &eroded, length, width, &mut stack);
    let bound = thick_boundary(&eroded, length, width);
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
    let mut stack = Vec::new();
    let mut labels = Vec::new();
    let mut num = label_regions(key, length, width, &mut labels, &mut stack);
    if num > 1 {
        let min_area = min_area.min(labels.len() as f64 * 3e-3);
        let mut area = vec![0usize; num + 1];
        for &l in &labels {
            area[l as usize] += 1;
        }
        for l in labels.iter_mut() {
            if (area[*l as usize] as f64) < min_area {
                *l = 0;
            }
        }
        let key = std::mem::take(&mut labels);
        num = label_regions(&key, length, width, &mut labels, &mut stack);
    }
    let eroded = erode(&labels, length, width, EROSION_SIZE);
    num = drop_eroded(&mut labels, num, &eroded, length, width, &mut stack);
    (labels, num)
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
