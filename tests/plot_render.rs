//! Pixel statistics of rendered maps and series, through PNG files, and a golden checksum.
//!
//! The golden checksum is of the RGB pixels of one small map (not of the PNG bytes, which depend
//! on the compressor). After an intended change of the drawing, regenerate it with
//! `SBAS_UPDATE_GOLDEN=1 cargo test --test tests plot_render` and look at the picture it writes next
//! to the checksum (tests/fixtures/plot/golden_map.png).

use std::path::Path;

use sbas::meta::Date;
use sbas::plot::colormap::Colormap;
use sbas::plot::map::{render_map, Axis, MapFigure, MapLayout, RefMarker, TickLabels};
use sbas::plot::picture::{Picture, BLACK, NO_DATA, WHITE};
use sbas::plot::series::{render_series, LinearFit, SeriesFigure, FIT, POINT};

/// Writes the picture as PNG and decodes it again: (width, height, rgb).
fn through_png(c: &Picture, dir: &Path) -> (usize, usize, Vec<u8>) {
    let p = dir.join("x.png");
    c.write_png(&p).unwrap();
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

struct Img {
    w: usize,
    rgb: Vec<u8>,
}

impl Img {
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.w + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
    /// Colour at the centre of displayed raster pixel (row, col).
    fn cell(&self, l: &MapLayout, row: usize, col: usize) -> [u8; 3] {
        self.at(
            l.map_x + col * l.zoom + l.zoom / 2,
            l.map_y + row * l.zoom + l.zoom / 2,
        )
    }
}

/// A 20 x 30 field: a ramp in x from -3 to +3, a NaN row, a masked square.
fn pattern() -> (Vec<f32>, Vec<bool>) {
    let (rows, cols) = (20, 30);
    let mut v = vec![0f32; rows * cols];
    let mut m = vec![false; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            v[r * cols + c] = -3.0 + 6.0 * c as f32 / (cols - 1) as f32;
            if r == 15 {
                v[r * cols + c] = f32::NAN;
            }
            if (2..6).contains(&r) && (20..26).contains(&c) {
                m[r * cols + c] = true;
            }
        }
    }
    (v, m)
}

fn figure<'a>(v: &'a [f32], m: &'a [bool], cmap: Colormap) -> MapFigure<'a> {
    MapFigure {
        values: v,
        rows: 20,
        cols: 30,
        masked: Some(m),
        shade: None,
        mask_label: "masked (maskTempCoh = 0)".into(),
        vlim: (-3.0, 3.0),
        colormap: cmap,
        unit: "cm/year".into(),
        title: vec!["velocity".into(), "from 2020-01-01 to 2021-01-01".into()],
        y_axis: Axis {
            first: -0.5,
            step: 1.0,
            label: "row".into(),
            ticks: TickLabels::Plain,
        },
        x_axis: Axis {
            first: -0.5,
            step: 1.0,
            label: "column".into(),
            ticks: TickLabels::Plain,
        },
        reference: Some(RefMarker {
            row: 10.0,
            col: 5.0,
            label: "reference point (y=10, x=5)".into(),
        }),
        notes: vec![],
    }
}

#[test]
fn map_pixels_bar_marker_mask_and_title() {
    let dir = tempfile::tempdir().unwrap();
    let (v, m) = pattern();
    let fig = figure(&v, &m, Colormap::RdBuR);
    let (c, l) = render_map(&fig).unwrap();
    let (w, h, rgb) = through_png(&c, dir.path());
    assert_eq!((w, h), (c.width(), c.height()));
    // 30 columns blown up to at least 400 pixels.
    assert_eq!(l.zoom, 14);
    assert_eq!((l.map_w, l.map_h), (30 * 14, 20 * 14));
    assert!(w > l.bar_x + l.bar_w && h > l.map_y + l.map_h);
    let img = Img { w, rgb };

    // The pattern: left edge -3 (dark blue), right edge +3 (dark red), centre near white.
    let lut = Colormap::RdBuR.lut();
    for col in [0usize, 7, 14, 22, 29] {
        let t = (v[col] as f64 + 3.0) / 6.0;
        assert_eq!(
            img.cell(&l, 0, col),
            lut[(t * 255.0).round() as usize],
            "column {col}"
        );
    }
    let left = img.cell(&l, 0, 0);
    let right = img.cell(&l, 0, 29);
    assert!(left[2] > 80 && left[0] < 30, "{left:?}");
    assert!(right[0] > 80 && right[2] < 40, "{right:?}");
    // NaN row light grey, masked square white.
    for col in [0, 10, 29] {
        assert_eq!(img.cell(&l, 15, col), NO_DATA);
    }
    for (r, col) in [(2, 20), (5, 25), (3, 22)] {
        assert_eq!(img.cell(&l, r, col), WHITE);
    }
    // Reference marker: black at its centre and around it, inside its cell's neighbourhood.
    let (cx, cy) = (
        l.map_x + 5 * l.zoom + l.zoom / 2,
        l.map_y + 10 * l.zoom + l.zoom / 2,
    );
    for (dx, dy) in [(0i64, 0i64), (-3, -3), (3, 3), (-3, 3)] {
        assert_eq!(
            img.at((cx as i64 + dx) as usize, (cy as i64 + dy) as usize),
            BLACK
        );
    }
    assert_ne!(img.cell(&l, 10, 8), BLACK);

    // Colour bar: top is the high end, colours follow the map monotonically down the bar.
    let bx = l.bar_x + l.bar_w / 2;
    let bar: Vec<[u8; 3]> = (l.bar_y..l.bar_y + l.bar_h)
        .map(|y| img.at(bx, y))
        .collect();
    assert_eq!(bar[0], Colormap::RdBuR.at(1.0));
    assert_eq!(bar[bar.len() - 1], Colormap::RdBuR.at(0.0));
    // Position of each bar colour along the colour map falls monotonically from top to bottom,
    // covering the whole map.
    let pos: Vec<usize> = bar
        .iter()
        .map(|c| {
            (0..256)
                .min_by_key(|&i| {
                    (0..3)
                        .map(|k| (lut[i][k] as i32 - c[k] as i32).pow(2))
                        .sum::<i32>()
                })
                .unwrap()
        })
        .collect();
    assert!(
        pos.windows(2).all(|p| p[1] <= p[0]),
        "bar not monotone: {pos:?}"
    );
    assert_eq!((pos[0], pos[pos.len() - 1]), (255, 0));

    // Title text: dark ink in the title band, above the map, with anti-aliased grey edges.
    let band: Vec<[u8; 3]> = (l.title_y..l.title_y + 20)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| img.at(x, y))
        .collect();
    let dark = band.iter().filter(|c| c[0] < 80).count();
    let grey = band
        .iter()
        .filter(|c| (80..230).contains(&c[0]) && c[0] == c[1] && c[1] == c[2])
        .count();
    assert!(dark > 100 && grey > 50, "title ink {dark}, edges {grey}");
}

#[test]
fn gray_bar_brightens_upwards() {
    let (v, m) = pattern();
    let (c, l) = render_map(&figure(&v, &m, Colormap::Gray)).unwrap();
    let bx = l.bar_x + l.bar_w / 2;
    let lum: Vec<u8> = (l.bar_y..l.bar_y + l.bar_h)
        .map(|y| c.get(bx, y)[0])
        .collect();
    assert_eq!((lum[0], lum[lum.len() - 1]), (255, 0));
    assert!(lum.windows(2).all(|p| p[1] <= p[0]));
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

#[test]
fn golden_map_checksum() {
    let (v, m) = pattern();
    let (c, _) = render_map(&figure(&v, &m, Colormap::RdBuR)).unwrap();
    let sum = format!("{:016x} {}x{}\n", fnv1a(c.rgb()), c.width(), c.height());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plot");
    let golden = fixtures.join("golden_map.txt");
    if std::env::var_os("SBAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &sum).unwrap();
        c.write_png(&fixtures.join("golden_map.png")).unwrap();
    }
    let want = std::fs::read_to_string(&golden)
        .expect("tests/fixtures/plot/golden_map.txt (SBAS_UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        sum, want,
        "the rendering changed: look at it and regenerate with SBAS_UPDATE_GOLDEN=1"
    );
}

#[test]
fn series_points_fit_line_and_legend() {
    let dir = tempfile::tempdir().unwrap();
    let dates: Vec<Date> = (0..12)
        .map(|k| Date::parse("20200101").unwrap().add_days(30 * k))
        .collect();
    let t0 = dates[0].decimal_year();
    let v: Vec<f64> = dates
        .iter()
        .map(|d| -20.0 * (d.decimal_year() - t0))
        .collect();
    let fig = SeriesFigure {
        dates: &dates,
        values: &v,
        title: vec!["timeseries: point y=1, x=2".into()],
        y_label: "displacement (mm)".into(),
        fit: Some((
            LinearFit {
                offset: 0.0,
                rate: -20.0,
            },
            "linear fit: velocity -20.00 mm/year".into(),
        )),
    };
    let (c, l) = render_series(&fig).unwrap();
    let (w, _, rgb) = through_png(&c, dir.path());
    let img = Img { w, rgb };
    let count = |col: [u8; 3]| {
        (l.plot_y..l.plot_y + l.plot_h)
            .flat_map(|y| (l.plot_x..l.plot_x + l.plot_w).map(move |x| (x, y)))
            .filter(|&(x, y)| img.at(x, y) == col)
            .count()
    };
    // Twelve discs of radius 4 (about 50 pixels) drawn over the line; the line shows between them.
    assert!(count(POINT) >= 12 * 40, "{}", count(POINT));
    assert!(count(FIT) > 200, "{}", count(FIT));
    // The series falls: the first marker is higher (smaller y) than the last.
    let ys: Vec<usize> = (l.plot_y..l.plot_y + l.plot_h)
        .filter(|&y| (l.plot_x..l.plot_x + l.plot_w).any(|x| img.at(x, y) == POINT))
        .collect();
    let first_col = (l.plot_x..l.plot_x + l.plot_w)
        .find(|&x| (l.plot_y..l.plot_y + l.plot_h).any(|y| img.at(x, y) == POINT))
        .unwrap();
    let y_first = (l.plot_y..l.plot_y + l.plot_h)
        // The centre column of the first disc (radius 4): its top is the disc's top.
        .find(|&y| img.at(first_col + 4, y) == POINT)
        .unwrap();
    assert_eq!(y_first, ys[0]);
}
