//! Subsets: which window of an image a `--subset-yx` or `--subset-lalo` request means, and how
//! the metadata change when only that window is kept (MintPy's `subset.py` rules).
//!
//! Rules, as MintPy 1.6.4:
//! - `--subset-yx y0:y1,x0:x1` is a half-open box of rows and columns; it is clipped to the
//!   image, and refused when it does not overlap the image at all.
//! - `--subset-lalo S:N,W:E` on geocoded data (`Y_FIRST` present) maps through
//!   `floor((lat - Y_FIRST) / Y_STEP + 0.01)`; on radar data through the latitude/longitude
//!   lookup: the radar bounding box of the pixels whose lat/lon falls inside the box, widened by
//!   a buffer of 8 pixels on each side (MintPy: 2 x the search residual of 4 pixels) and
//!   clipped to the image. MintPy searches the lookup for the 4 corners of the box; on a lookup
//!   that is close to affine both give the same box, ours also works when a corner lies outside
//!   the imaged swath.

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::meta::Attributes;
use crate::window::Window;

/// Pixels added on each side of a box found through a radar lat/lon lookup (MintPy's
/// `bbox_geo2radar` buffer: twice the 4-pixel residual of `geo2radar`).
pub const LOOKUP_BUFFER: usize = 8;

/// A subset as the user asked for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SubsetRequest {
    /// Rows `y0..y1` and columns `x0..x1` (half open), in the full image.
    Yx {
        /// First row.
        y0: i64,
        /// One past the last row.
        y1: i64,
        /// First column.
        x0: i64,
        /// One past the last column.
        x1: i64,
    },
    /// A latitude/longitude box in degrees.
    Lalo {
        /// South edge.
        south: f64,
        /// North edge.
        north: f64,
        /// West edge.
        west: f64,
        /// East edge.
        east: f64,
    },
}

impl SubsetRequest {
    /// Parses MintPy's `y0:y1,x0:x1` (brackets are ignored, as MintPy does).
    pub fn parse_yx(text: &str) -> anyhow::Result<SubsetRequest> {
        let v = parse_four::<i64>(text, "--subset-yx", "y0:y1,x0:x1")?;
        if v[0] >= v[1] || v[2] >= v[3] {
            bail!("--subset-yx '{text}': expected y0 < y1 and x0 < x1");
        }
        Ok(SubsetRequest::Yx {
            y0: v[0],
            y1: v[1],
            x0: v[2],
            x1: v[3],
        })
    }

    /// Parses MintPy's `S:N,W:E` in degrees.
    pub fn parse_lalo(text: &str) -> anyhow::Result<SubsetRequest> {
        let v = parse_four::<f64>(text, "--subset-lalo", "S:N,W:E")?;
        if v.iter().any(|x| !x.is_finite()) {
            bail!("--subset-lalo '{text}': values must be finite numbers");
        }
        if v[0] >= v[1] || v[2] >= v[3] {
            bail!("--subset-lalo '{text}': expected S < N and W < E");
        }
        if v[0] < -90.0 || v[1] > 90.0 || v[2] < -180.0 || v[3] > 360.0 {
            bail!("--subset-lalo '{text}': latitudes must be within -90..90, longitudes -180..360");
        }
        Ok(SubsetRequest::Lalo {
            south: v[0],
            north: v[1],
            west: v[2],
            east: v[3],
        })
    }

    /// The request as text, for logs and run fingerprints.
    pub fn describe(&self) -> String {
        match *self {
            SubsetRequest::Yx { y0, y1, x0, x1 } => format!("y/x {y0}:{y1},{x0}:{x1}"),
            SubsetRequest::Lalo {
                south,
                north,
                west,
                east,
            } => format!("lat/lon {south}:{north},{west}:{east}"),
        }
    }
}

fn parse_four<T: std::str::FromStr>(text: &str, what: &str, form: &str) -> anyhow::Result<[T; 4]> {
    let cleaned: String = text.chars().filter(|c| *c != '[' && *c != ']').collect();
    let parts: Vec<&str> = cleaned
        .split([',', ':'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() != 4 {
        bail!("{what} '{text}': expected {form}");
    }
    let mut out = Vec::with_capacity(4);
    for p in parts {
        out.push(
            p.parse::<T>()
                .ok()
                .with_context(|| format!("{what} '{text}': '{p}' is not a number"))?,
        );
    }
    out.try_into()
        .ok()
        .with_context(|| format!("{what} '{text}': expected {form}"))
}

/// Clips a pixel box to a `length` x `width` image; errors when they do not overlap.
pub fn clip_box(
    y0: i64,
    y1: i64,
    x0: i64,
    x1: i64,
    length: usize,
    width: usize,
) -> anyhow::Result<Window> {
    let (l, w) = (length as i64, width as i64);
    if y0 >= l || y1 <= 0 || x0 >= w || x1 <= 0 || y0 >= y1 || x0 >= x1 {
        bail!(
            "the subset rows {y0}..{y1}, columns {x0}..{x1} lie outside the {length} x {width} image \
             (rows 0..{length}, columns 0..{width})"
        );
    }
    Ok(Window {
        y0: y0.max(0) as usize,
        y1: y1.min(l) as usize,
        x0: x0.max(0) as usize,
        x1: x1.min(w) as usize,
    })
}

/// The pixel box of a lat/lon box on geocoded data (MintPy `coord.lalo2yx`), the box projected
/// first on a UTM grid.
pub fn geo_box_to_window(
    attrs: &Attributes,
    south: f64,
    north: f64,
    west: f64,
    east: f64,
    length: usize,
    width: usize,
) -> anyhow::Result<Window> {
    let grid = MapGrid::from_attrs(attrs, length, width).map_err(|e| {
        let key = e.key().to_string();
        anyhow::Error::new(e).context(format!("geocoded metadata {key}"))
    })?;
    if grid.y_step == 0.0 || grid.x_step == 0.0 {
        bail!("geocoded metadata: Y_STEP and X_STEP must be non-zero");
    }
    let Some([s, n, w, e]) = grid.project_box(south, north, west, east) else {
        bail!(
            "--subset-lalo: the coordinate system (EPSG {}) is neither latitude/longitude nor \
             UTM; give the subset as --subset-yx instead",
            grid.epsg.map_or("?".into(), |e| e.to_string())
        );
    };
    let [y0, y1, x0, x1] = grid.box_pixels(s, n, w, e);
    clip_box(y0, y1, x0, x1, length, width).with_context(|| {
        format!("the box S:N,W:E {south}:{north},{west}:{east} misses the geocoded image")
    })
}

/// Accumulates, strip by strip, the radar bounding box of the lookup pixels that fall inside a
/// lat/lon box.
#[derive(Debug, Clone)]
pub struct LookupBox {
    south: f64,
    north: f64,
    west: f64,
    east: f64,
    found: Option<(usize, usize, usize, usize)>,
}

impl LookupBox {
    /// Starts an empty search for the box S, N, W, E (degrees).
    pub fn new(south: f64, north: f64, west: f64, east: f64) -> LookupBox {
        LookupBox {
            south,
            north,
            west,
            east,
            found: None,
        }
    }

    /// Adds the lookup of `window` (row-major latitude and longitude, degrees). Pixels with
    /// lat = lon = 0 or non-finite values are not part of the lookup (MintPy's invalid value).
    pub fn add(&mut self, window: &Window, lat: &[f32], lon: &[f32]) {
        let cols = window.cols();
        for (p, (&a, &o)) in lat.iter().zip(lon).enumerate() {
            let (a, o) = (a as f64, o as f64);
            if !(a.is_finite() && o.is_finite()) || (a == 0.0 && o == 0.0) {
                continue;
            }
            if a < self.south || a > self.north || o < self.west || o > self.east {
                continue;
            }
            let (y, x) = (window.y0 + p / cols, window.x0 + p % cols);
            self.found = Some(match self.found {
                None => (y, y, x, x),
                Some((ya, yb, xa, xb)) => (ya.min(y), yb.max(y), xa.min(x), xb.max(x)),
            });
        }
    }

    /// The box widened by [`LOOKUP_BUFFER`] and clipped to the image; errors when no pixel of
    /// the lookup fell inside.
    pub fn finish(&self, length: usize, width: usize) -> anyhow::Result<Window> {
        let Some((ya, yb, xa, xb)) = self.found else {
            bail!(
                "the box S:N,W:E {}:{},{}:{} misses the image: no pixel of the latitude/longitude \
                 lookup falls inside it",
                self.south,
                self.north,
                self.west,
                self.east
            );
        };
        let b = LOOKUP_BUFFER as i64;
        clip_box(
            ya as i64 - b,
            yb as i64 + 1 + b,
            xa as i64 - b,
            xb as i64 + 1 + b,
            length,
            width,
        )
    }
}

/// Metadata of the `window` cut of an image with metadata `attrs` (MintPy
/// `update_attribute4subset`): size, accumulated `SUBSET_*`, `Y_FIRST`/`X_FIRST` of geocoded data,
/// `STARTING_RANGE` of radar data, and the reference pixel shifted (removed, with `REF_LAT/LON`
/// kept, when it falls outside the window: values stay relative to it).
pub fn subset_attributes(attrs: &Attributes, window: &Window) -> Attributes {
    let mut a = attrs.clone();
    let (y0, y1, x0, x1) = (window.y0, window.y1, window.x0, window.x1);
    a.set("LENGTH", y1 - y0);
    a.set("WIDTH", x1 - x0);
    a.set("YMAX", y1 - y0 - 1);
    a.set("XMAX", x1 - x0 - 1);
    let prev = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0)
    };
    let (py, px) = (prev("SUBSET_YMIN"), prev("SUBSET_XMIN"));
    a.set("SUBSET_YMIN", y0 + py);
    a.set("SUBSET_YMAX", y1 + py);
    a.set("SUBSET_XMIN", x0 + px);
    a.set("SUBSET_XMAX", x1 + px);
    if MapGrid::is_geocoded(attrs) {
        // Only the corner moves (the cut's size comes from the window, so the full size does not
        // matter here); a grid with a key missing is left as it is.
        if let Some(g) = MapGrid::of(attrs, window.y1, window.x1) {
            g.sub_grid(window).write_corner(&mut a);
        }
    } else if let (Some(r0), Some(dr)) = (
        attrs.get_f64_opt("STARTING_RANGE"),
        attrs.get_f64_opt("RANGE_PIXEL_SIZE"),
    ) {
        a.set("STARTING_RANGE", r0 + dr * x0 as f64);
    }
    let ry = attrs
        .get("REF_Y")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let rx = attrs
        .get("REF_X")
        .and_then(|v| v.trim().parse::<i64>().ok());
    if let (Some(ry), Some(rx)) = (ry, rx) {
        let (ny, nx) = (ry - y0 as i64, rx - x0 as i64);
        if ny >= 0 && nx >= 0 && ny < (y1 - y0) as i64 && nx < (x1 - x0) as i64 {
            a.set("REF_Y", ny);
            a.set("REF_X", nx);
        } else {
            a.remove("REF_Y");
            a.remove("REF_X");
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yx_and_lalo_like_mintpy() {
        assert_eq!(
            SubsetRequest::parse_yx("[10:20,5:30]").unwrap(),
            SubsetRequest::Yx {
                y0: 10,
                y1: 20,
                x0: 5,
                x1: 30
            }
        );
        assert_eq!(
            SubsetRequest::parse_lalo("-1.5:2,100:101.25").unwrap(),
            SubsetRequest::Lalo {
                south: -1.5,
                north: 2.0,
                west: 100.0,
                east: 101.25
            }
        );
        assert!(SubsetRequest::parse_yx("20:10,0:5").is_err());
        assert!(SubsetRequest::parse_yx("1:2,3").is_err());
        assert!(SubsetRequest::parse_lalo("2:1,0:1").is_err());
        assert!(SubsetRequest::parse_lalo("a:1,0:1").is_err());
    }

    #[test]
    fn clips_and_refuses_boxes_outside() {
        let w = clip_box(-5, 10, 90, 200, 50, 100).unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (0, 10, 90, 100));
        let e = clip_box(60, 70, 0, 10, 50, 100).unwrap_err().to_string();
        assert!(e.contains("outside"), "{e}");
    }

    #[test]
    fn lookup_box_is_bbox_plus_buffer() {
        // lat falls with row, lon grows with column: 0.01 degree per pixel.
        let (len, wid) = (100usize, 80usize);
        let win = Window::full(len, wid);
        let mut lat = vec![0f32; len * wid];
        let mut lon = vec![0f32; len * wid];
        for y in 0..len {
            for x in 0..wid {
                lat[y * wid + x] = 10.0 - 0.01 * y as f32;
                lon[y * wid + x] = 20.0 + 0.01 * x as f32;
            }
        }
        // Rows 30..=40 and columns 20..=30 (with some slack for f32 rounding).
        let mut b = LookupBox::new(9.5995, 9.7005, 20.1995, 20.3005);
        b.add(&win, &lat, &lon);
        let w = b.finish(len, wid).unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (22, 49, 12, 39));
        let mut miss = LookupBox::new(0.0, 1.0, 0.0, 1.0);
        miss.add(&win, &lat, &lon);
        assert!(miss
            .finish(len, wid)
            .unwrap_err()
            .to_string()
            .contains("misses"));
    }

    #[test]
    fn geocoded_box_uses_floor_rule_and_subset_moves_the_corner() {
        let mut a = Attributes::new();
        a.set("Y_FIRST", 10.0);
        a.set("Y_STEP", -0.1);
        a.set("X_FIRST", 20.0);
        a.set("X_STEP", 0.1);
        let w = geo_box_to_window(&a, 9.0, 9.5, 20.2, 21.0, 50, 50).unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (5, 10, 2, 10));
        let s = subset_attributes(&a, &w);
        assert_eq!(s.get("Y_FIRST"), Some("9.5"));
        assert_eq!(s.get("X_FIRST"), Some("20.2"));
        assert_eq!(s.get("Y_STEP"), Some("-0.1"));
        a.remove("Y_STEP");
        let e = geo_box_to_window(&a, 9.0, 9.5, 20.2, 21.0, 50, 50).unwrap_err();
        assert!(
            format!("{e:#}").contains("geocoded metadata Y_STEP"),
            "{e:#}"
        );
    }

    #[test]
    fn attributes_follow_update_attribute4subset() {
        let mut a = Attributes::new();
        a.set("LENGTH", 100);
        a.set("WIDTH", 80);
        a.set("REF_Y", 30);
        a.set("REF_X", 40);
        a.set("STARTING_RANGE", 800000.0);
        a.set("RANGE_PIXEL_SIZE", 2.5);
        a.set("SUBSET_YMIN", 7);
        a.set("SUBSET_XMIN", 3);
        let w = Window {
            y0: 10,
            y1: 60,
            x0: 20,
            x1: 70,
        };
        let s = subset_attributes(&a, &w);
        assert_eq!(s.get("LENGTH"), Some("50"));
        assert_eq!(s.get("WIDTH"), Some("50"));
        assert_eq!(s.get("REF_Y"), Some("20"));
        assert_eq!(s.get("REF_X"), Some("20"));
        assert_eq!(s.get("SUBSET_YMIN"), Some("17"));
        assert_eq!(s.get("SUBSET_XMAX"), Some("73"));
        assert_eq!(s.get_f64("STARTING_RANGE").unwrap(), 800050.0);
        let out = subset_attributes(
            &a,
            &Window {
                y0: 50,
                y1: 60,
                x0: 0,
                x1: 10,
            },
        );
        assert!(!out.contains("REF_Y") && !out.contains("REF_X"));
    }
}
