//! Finding a radar pixel by latitude/longitude through a lat/lon lookup (the `latitude` and
//! `longitude` rasters of a radar geometry). The regular-grid conversion of geocoded data is
//! [`MapGrid::pixel_of`](crate::geo::grid::MapGrid::pixel_of).

use anyhow::Context;

use crate::window::Window;

/// What a lookup search found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LookupHit {
    /// The pixel (row, column) nearest to the point, about a pixel away or closer.
    Pixel(usize, usize),
    /// The lookup has no valid pixel.
    NoValidPixel,
    /// The nearest pixel is much further from the point than from its neighbours: the point
    /// lies outside the imaged area.
    Outside {
        /// Row of the nearest pixel.
        y: usize,
        /// Column of the nearest pixel.
        x: usize,
        /// Its latitude.
        lat: f64,
        /// Its longitude.
        lon: f64,
    },
}

/// Whether a lookup value is a location: finite, and not lat = lon = 0 (the no-data value ISCE
/// writes outside the footprint).
pub fn is_location(lat: f32, lon: f32) -> bool {
    lat.is_finite() && lon.is_finite() && !(lat == 0.0 && lon == 0.0)
}

/// The pixel of a `length` x `width` lookup nearest to (`lat`, `lon`) in degrees (distance with
/// the longitude scaled by the cosine of the latitude; ties go to the first pixel in `strips`
/// order). `strips` cover the image; `read(window, lat, lon)` fills the lookup of a window.
///
/// The hit must lie within twice the largest distance from the nearest pixel to its valid
/// 8 neighbours, or the point is [`LookupHit::Outside`] (not snapped to the edge of a far-away
/// image).
pub fn nearest_lookup_pixel(
    lat: f64,
    lon: f64,
    (length, width): (usize, usize),
    strips: impl IntoIterator<Item = Window>,
    mut read: impl FnMut(&Window, &mut [f32], &mut [f32]) -> anyhow::Result<()>,
) -> anyhow::Result<LookupHit> {
    let coslat = lat.to_radians().cos();
    let dist2 = |la: f64, lo: f64| {
        let dy = la - lat;
        let dx = (lo - lon) * coslat;
        dy * dy + dx * dx
    };
    let (mut la, mut lo) = (Vec::new(), Vec::new());
    let mut best = (f64::INFINITY, 0usize, 0usize);
    for w in strips {
        la.resize(w.pixels(), 0.0f32);
        lo.resize(w.pixels(), 0.0f32);
        read(&w, &mut la, &mut lo)?;
        for (p, (&a, &o)) in la.iter().zip(&lo).enumerate() {
            if !is_location(a, o) {
                continue;
            }
            let d = dist2(a as f64, o as f64);
            if d < best.0 {
                best = (d, w.y0 + p / w.cols(), w.x0 + p % w.cols());
            }
        }
    }
    let (d, y, x) = best;
    if !d.is_finite() {
        return Ok(LookupHit::NoValidPixel);
    }
    let win = Window {
        y0: y.saturating_sub(1),
        y1: (y + 2).min(length),
        x0: x.saturating_sub(1),
        x1: (x + 2).min(width),
    };
    la.resize(win.pixels(), 0.0);
    lo.resize(win.pixels(), 0.0);
    read(&win, &mut la, &mut lo)?;
    let k = win
        .local_index(y, x)
        .context("pixel outside its own window")?;
    let (cla, clo) = (la[k] as f64, lo[k] as f64);
    let spacing2 = la
        .iter()
        .zip(&lo)
        .filter(|(a, o)| is_location(**a, **o))
        .map(|(&a, &o)| {
            let dy = a as f64 - cla;
            let dx = (o as f64 - clo) * coslat;
            dy * dy + dx * dx
        })
        .fold(0.0f64, f64::max);
    if spacing2 > 0.0 && d > 4.0 * spacing2 {
        return Ok(LookupHit::Outside {
            y,
            x,
            lat: cla,
            lon: clo,
        });
    }
    Ok(LookupHit::Pixel(y, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 20 x 30 lookup, 0.01 degree per pixel, with a no-data (0, 0) corner.
    fn lookup() -> (Vec<f32>, Vec<f32>) {
        let (mut lat, mut lon) = (Vec::new(), Vec::new());
        for y in 0..20 {
            for x in 0..30 {
                let nodata = y < 3 && x < 3;
                lat.push(if nodata { 0.0 } else { 40.0 - 0.01 * y as f32 });
                lon.push(if nodata { 0.0 } else { 10.0 + 0.01 * x as f32 });
            }
        }
        (lat, lon)
    }

    fn search(lat: f64, lon: f64, rows_per_strip: usize) -> LookupHit {
        let (la, lo) = lookup();
        let strips: Vec<Window> = (0..20)
            .step_by(rows_per_strip)
            .map(|y0| Window {
                y0,
                y1: (y0 + rows_per_strip).min(20),
                x0: 0,
                x1: 30,
            })
            .collect();
        nearest_lookup_pixel(lat, lon, (20, 30), strips, |w, a, o| {
            for (k, (y, x)) in (w.y0..w.y1)
                .flat_map(|y| (w.x0..w.x1).map(move |x| (y, x)))
                .enumerate()
            {
                a[k] = la[y * 30 + x];
                o[k] = lo[y * 30 + x];
            }
            Ok(())
        })
        .unwrap()
    }

    #[test]
    fn finds_the_nearest_pixel_whatever_the_strips() {
        for rows in [1, 4, 20] {
            assert_eq!(search(39.9, 10.2, rows), LookupHit::Pixel(10, 20));
            assert_eq!(search(39.8104, 10.2896, rows), LookupHit::Pixel(19, 29));
        }
        // Half a pixel beyond the edge still snaps to it.
        assert_eq!(search(40.004, 10.15, 5), LookupHit::Pixel(0, 15));
    }

    #[test]
    fn refuses_points_far_outside_even_next_to_no_data() {
        match search(41.0, 10.0, 5) {
            LookupHit::Outside { y, x, .. } => assert_eq!((y, x), (0, 3)),
            other => panic!("{other:?}"),
        }
        // The nearest pixel (3, 0) borders the (0, 0) no-data corner: still outside.
        assert!(matches!(
            search(39.97, 5.0, 5),
            LookupHit::Outside { y: 3, x: 0, .. }
        ));
    }
}
