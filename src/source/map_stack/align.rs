//! Aligning GeoTIFFs of one map stack: files on the same grid (same CRS, same pixel size, origins
//! a whole number of pixels apart) are cut to their common overlap; files that cannot be
//! aligned are refused with the reason. HyP3 products of different pairs cover different
//! extents unless clipped: MintPy then drops every pair whose size differs from the most
//! common one; sbas keeps them all on the overlap and says what it cut.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::geo::grid::MapGrid;

/// Where a file's pixels lie on the common grid: pixel (y, x) of the common grid is pixel
/// (y + row, x + col) of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset {
    /// Rows of the file above the common grid.
    pub row: usize,
    /// Columns of the file left of the common grid.
    pub col: usize,
}

/// The common grid of a set of files, each file's offset on it, and what was cut.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// The overlap of every file.
    pub grid: MapGrid,
    /// One per input file, in order.
    pub offsets: Vec<Offset>,
    /// A sentence per cut file (empty when all files cover the same extent).
    pub cuts: Vec<String>,
}

/// How far apart two steps may be, relative to the step, and still be the same grid: GDAL
/// writes the transform as doubles, so equal grids agree to the last few bits.
const STEP_TOLERANCE: f64 = 1e-9;
/// How far from a whole number of pixels two origins may be (in pixels).
const ORIGIN_TOLERANCE: f64 = 1e-6;

/// The offset of `g` from `reference`, in whole pixels, or why there is none.
fn pixel_offset(reference: &MapGrid, g: &MapGrid) -> Result<(i64, i64), String> {
    if g.epsg != reference.epsg {
        return Err(format!(
            "its coordinate system EPSG:{} differs from EPSG:{}",
            g.epsg.map_or("?".into(), |e| e.to_string()),
            reference.epsg.map_or("?".into(), |e| e.to_string())
        ));
    }
    let same = |a: f64, b: f64| (a - b).abs() <= STEP_TOLERANCE * b.abs();
    if !same(g.x_step, reference.x_step) || !same(g.y_step, reference.y_step) {
        return Err(format!(
            "its pixel size {} x {} differs from {} x {}",
            g.x_step, g.y_step, reference.x_step, reference.y_step
        ));
    }
    let dx = (g.x_first - reference.x_first) / reference.x_step;
    let dy = (g.y_first - reference.y_first) / reference.y_step;
    if (dx - dx.round()).abs() > ORIGIN_TOLERANCE || (dy - dy.round()).abs() > ORIGIN_TOLERANCE {
        return Err(format!(
            "its origin is {dx:.4} columns and {dy:.4} rows from the first file's, not a \
             whole number of pixels"
        ));
    }
    Ok((dy.round() as i64, dx.round() as i64))
}

/// Aligns `files` (path and grid; the first is the reference) to their common overlap.
pub fn align(files: &[(PathBuf, MapGrid)]) -> anyhow::Result<Alignment> {
    let Some((first_path, reference)) = files.first() else {
        bail!("no files to align");
    };
    // Each file's box in the reference's pixel coordinates: rows r0..r1, columns c0..c1.
    let mut boxes = Vec::with_capacity(files.len());
    for (path, g) in files {
        let (r0, c0) = pixel_offset(reference, g).map_err(|why| {
            anyhow::anyhow!(
                "{} cannot be aligned with {}: {why}; resample it onto the same grid \
                 (e.g. gdalwarp -tr/-tap) or leave it out",
                path.display(),
                first_path.display()
            )
        })?;
        boxes.push([r0, r0 + g.length as i64, c0, c0 + g.width as i64]);
    }
    let r0 = boxes.iter().map(|b| b[0]).max().unwrap_or(0);
    let r1 = boxes.iter().map(|b| b[1]).min().unwrap_or(0);
    let c0 = boxes.iter().map(|b| b[2]).max().unwrap_or(0);
    let c1 = boxes.iter().map(|b| b[3]).min().unwrap_or(0);
    if r0 >= r1 || c0 >= c1 {
        bail!(
            "the {} files starting with {} share no pixel: their extents do not overlap",
            files.len(),
            first_path.display()
        );
    }
    let grid = MapGrid {
        y_first: reference.y_first + r0 as f64 * reference.y_step,
        x_first: reference.x_first + c0 as f64 * reference.x_step,
        length: (r1 - r0) as usize,
        width: (c1 - c0) as usize,
        ..*reference
    };
    let mut offsets = Vec::with_capacity(files.len());
    let mut cuts = Vec::new();
    for ((path, g), b) in files.iter().zip(&boxes) {
        let off = Offset {
            row: (r0 - b[0]) as usize,
            col: (c0 - b[2]) as usize,
        };
        let (bottom, right) = ((b[1] - r1) as usize, (b[3] - c1) as usize);
        if off.row + off.col + bottom + right > 0 {
            cuts.push(format!(
                "{}: {} x {} cut to {} x {} ({} rows off the top, {bottom} off the bottom, \
                 {} columns off the left, {right} off the right)",
                name_of(path),
                g.length,
                g.width,
                grid.length,
                grid.width,
                off.row,
                off.col
            ));
        }
        offsets.push(off);
    }
    Ok(Alignment {
        grid,
        offsets,
        cuts,
    })
}

fn name_of(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utm(y: f64, x: f64, len: usize, wid: usize) -> MapGrid {
        MapGrid {
            epsg: Some(32611),
            degrees: false,
            ..MapGrid::lat_lon(y, x, -80.0, 80.0, len, wid)
        }
    }

    fn f(name: &str, g: MapGrid) -> (PathBuf, MapGrid) {
        (PathBuf::from(name), g)
    }

    #[test]
    fn same_extent_is_not_cut() {
        let g = utm(3_770_000.0, 376_000.0, 10, 20);
        let a = align(&[f("a", g), f("b", g)]).unwrap();
        assert_eq!(a.grid, g);
        assert_eq!(a.offsets, vec![Offset::default(); 2]);
        assert!(a.cuts.is_empty());
    }

    #[test]
    fn shifted_extents_are_cut_to_the_overlap() {
        let a = utm(3_770_000.0, 376_000.0, 10, 20);
        // One row further north and two columns further east, one row taller.
        let b = utm(3_770_080.0, 376_160.0, 11, 20);
        let al = align(&[f("a.tif", a), f("b.tif", b)]).unwrap();
        assert_eq!((al.grid.length, al.grid.width), (10, 18));
        assert_eq!((al.grid.y_first, al.grid.x_first), (3_770_000.0, 376_160.0));
        assert_eq!(
            al.offsets,
            vec![Offset { row: 0, col: 2 }, Offset { row: 1, col: 0 }]
        );
        assert_eq!(al.cuts.len(), 2);
        assert!(
            al.cuts[1].starts_with("b.tif: 11 x 20 cut to 10 x 18 (1 rows off the top"),
            "{}",
            al.cuts[1]
        );
    }

    #[test]
    fn other_crs_pixel_size_or_sub_pixel_shift_is_refused() {
        let a = utm(3_770_000.0, 376_000.0, 10, 20);
        let other_crs = MapGrid {
            epsg: Some(32612),
            ..a
        };
        let e = align(&[f("a", a), f("b.tif", other_crs)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.tif") && e.contains("EPSG:32612"), "{e}");
        let other_px = MapGrid { x_step: 40.0, ..a };
        let e = align(&[f("a", a), f("c.tif", other_px)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.tif") && e.contains("pixel size"), "{e}");
        let half = utm(3_770_000.0, 376_040.0, 10, 20);
        let e = align(&[f("a", a), f("d.tif", half)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.tif") && e.contains("whole number"), "{e}");
        let far = utm(3_000_000.0, 376_000.0, 10, 20);
        let e = align(&[f("a", a), f("e.tif", far)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("do not overlap"), "{e}");
    }
}
