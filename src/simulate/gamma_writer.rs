//! The simulated stack in GAMMA's layout, as MintPy's default GAMMA paths expect it:
//!
//! ```text
//! PROCESS/DONE/IFG_D1_D2/diff_filt_D1_D2_9rlks.unw        big-endian float32 phase
//!                        filt_D1_D2_9rlks.cor             big-endian float32 coherence
//!                        D1_D2_9rlks.off                  interferogram parameters
//!                        D1_9rlks.amp.par, D2_9rlks.amp.par   multilooked image parameters
//!                        D1_D2_9rlks.base_perp            base_perp output (baselines)
//!                        D1_9rlks.amp.corner              SLC_corners output, reduced
//! PROCESS/SIM/sim_D1_D2/sim_D1_D2_9rlks.hgt_sim (+ .diff_par)    radar DEM
//!                       sim_D1_D2_9rlks.UTM_TO_RDC (+ .utm.dem.par)   map-to-radar lookup
//!                       D1_9rlks.amp.par, D1_9rlks.amp.corner
//! ```
//!
//! (`D1_D2` the first pair for `SIM`; dates `YYYYMMDD`.) The `.base_perp` and `.corner` files
//! are what MintPy's `prep_gamma` would otherwise make by calling GAMMA's `base_perp` and
//! `SLC_corners`, so MintPy loads the tree without GAMMA installed.

use std::path::{Path, PathBuf};

use super::fields::Scene;
use super::isce_writer::{write_text, RawWriter};
use super::map_lookup::{lookup_grid, lookup_row};
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, PairBuffers};
use super::SimConfig;
use crate::meta::pyfmt::py_f64;
use crate::meta::Date;

/// Speed of light (m/s), for `radar_frequency`.
const SPEED_OF_LIGHT: f64 = 299_792_458.0;

/// `_9rlks` and the like: the looks suffix of GAMMA names.
fn lks() -> String {
    format!("_{}rlks", sensor::RLOOKS)
}

/// The interferogram folder of a pair.
pub fn pair_dir(root: &Path, d1: Date, d2: Date) -> PathBuf {
    root.join("PROCESS")
        .join("DONE")
        .join(format!("IFG_{d1}_{d2}"))
}

/// The unwrapped interferogram of a pair.
pub fn unw_path(root: &Path, d1: Date, d2: Date) -> PathBuf {
    pair_dir(root, d1, d2).join(format!("diff_filt_{d1}_{d2}{}.unw", lks()))
}

/// `v` in C's `%.Ne` form (`5.4050005e+09`), as GAMMA prints it.
fn sci(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, num) = e.strip_prefix('-').map_or(("+", e), |n| ("-", n));
            format!("{m}e{sign}{num:0>2}")
        }
        None => s,
    }
}

/// Appends big-endian float32 samples.
fn put_be(w: &mut RawWriter, v: &[f32]) -> anyhow::Result<()> {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_be_bytes()).collect();
    w.u8s(&bytes)
}

fn write_be(path: &Path, v: &[f32]) -> anyhow::Result<()> {
    let mut w = RawWriter::create(path)?;
    put_be(&mut w, v)?;
    w.finish()
}

/// A multilooked image parameter file (`.amp.par`) of acquisition `d`.
fn amp_par(d: Date, rows: usize, cols: usize) -> String {
    let (y, m, dd) = d.ymd();
    let rs = sensor::STARTING_RANGE;
    let far = rs + sensor::range_pixel_size() * (cols - 1) as f64;
    format!(
        "Gamma Interferometric SAR Processor (ISP) - Image Parameter File\n\n\
         title:     S1A_IW_SLC_sim\n\
         sensor:    S1A IW IW2 VV\n\
         date:      {y} {m:02} {dd:02} 01 50 06.5000\n\
         start_time:             6592.000000   s\n\
         center_time:            {:.6}   s\n\
         end_time:               6621.000000   s\n\
         azimuth_line_time:     {}   s\n\
         line_header_size:                  0\n\
         range_samples:          {cols:>10}\n\
         azimuth_lines:          {rows:>10}\n\
         range_looks:            {:>10}\n\
         azimuth_looks:          {:>10}\n\
         image_format:               FLOAT\n\
         image_geometry:             SLANT_RANGE\n\
         heading:                {:.7}   degrees\n\
         range_pixel_spacing:        {:.6}   m\n\
         azimuth_pixel_spacing:      {:.6}   m\n\
         near_range_slc:           {rs:.4}   m\n\
         center_range_slc:         {:.4}   m\n\
         far_range_slc:            {far:.4}   m\n\
         incidence_angle:             {:.4}   degrees\n\
         azimuth_deskew:          ON\n\
         azimuth_angle:               90.0000   degrees\n\
         radar_frequency:        {}   Hz\n\
         adc_sampling_rate:      6.4345238e+07   Hz\n\
         chirp_bandwidth:        5.6500000e+07   Hz\n\
         prf:                     {:.6}   Hz\n\
         sar_to_earth_center:             {:.4}   m\n\
         earth_radius_below_sensor:       {:.4}   m\n\
         earth_semi_major_axis:           6378137.0000   m\n\
         earth_semi_minor_axis:           6356752.3141   m\n",
        sensor::CENTER_LINE_UTC,
        sci(sensor::AZIMUTH_TIME_INTERVAL * sensor::ALOOKS as f64, 7),
        sensor::RLOOKS,
        sensor::ALOOKS,
        sensor::HEADING,
        sensor::range_pixel_size(),
        sensor::azimuth_pixel_size(),
        (rs + far) / 2.0,
        sensor::incidence_deg(cols / 2),
        sci(SPEED_OF_LIGHT / sensor::WAVELENGTH, 7),
        sensor::PRF,
        sensor::EARTH_RADIUS + sensor::HEIGHT,
        sensor::EARTH_RADIUS,
    )
}

/// The offset parameter file (`.off`) of a pair.
fn off_text(d1: Date, d2: Date, rows: usize, cols: usize) -> String {
    format!(
        "Gamma Interferometric SAR Processor (ISP) - Offset Parameters\n\n\
         title:  {d1}_{d2}\n\
         initial_range_offset:                  0\n\
         initial_azimuth_offset:                0\n\
         slc1_starting_range_pixel:             0\n\
         number_of_slc_range_pixels:   {:>10}\n\
         range_offset_polynomial:         0.00000   0.0000e+00   0.0000e+00   0.0000e+00   0.0000e+00   0.0000e+00\n\
         azimuth_offset_polynomial:       0.00000   0.0000e+00   0.0000e+00   0.0000e+00   0.0000e+00   0.0000e+00\n\
         slc1_starting_azimuth_line:            0\n\
         interferogram_azimuth_lines:  {rows:>10}\n\
         interferogram_width:          {cols:>10}\n\
         first_nonzero_range_pixel:             0\n\
         number_of_nonzero_range_pixels: {cols:>8}\n\
         interferogram_range_looks:    {:>10}\n\
         interferogram_azimuth_looks:  {:>10}\n\
         interferogram_range_pixel_spacing:    {:.6}   m\n\
         interferogram_azimuth_pixel_spacing:  {:.6}   m\n",
        cols * sensor::RLOOKS,
        sensor::RLOOKS,
        sensor::ALOOKS,
        sensor::range_pixel_size(),
        sensor::azimuth_pixel_size(),
    )
}

/// `base_perp` output: a table whose 8th column is the perpendicular baseline, for the
/// first and the last line (MintPy keeps those two).
fn base_perp_text(bperp: f64, rows: usize) -> String {
    let mut s = String::from(
        "*** Calculate baseline components perpendicular and parallel to look vector ***\n\n\
         \x20  row  sample  slant_range  look_ang  inc_ang    bpara       bperp       blen\n\
         ---------------------------------------------------------------------------\n",
    );
    for row in [0, rows - 1] {
        s.push_str(&format!(
            "{:>5} {:>5} {:>7} {:>12.3} {:>9.4} {:>9.4} {:>10.4} {} {:>10.4}\n",
            0,
            row,
            0,
            sensor::STARTING_RANGE,
            30.0,
            35.0,
            0.0,
            py_f64(bperp),
            bperp.abs()
        ));
    }
    s
}

/// `SLC_corners` reduced to `lat lon` of the four corners, as MintPy's awk keeps them.
fn corner_text(rows: usize, cols: usize) -> String {
    [(0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)]
        .iter()
        .map(|&(y, x)| {
            let (lat, lon) = sensor::lat_lon(y, x);
            format!("{lat:.6} {lon:.6}\n")
        })
        .collect()
}

/// Writes one pair's rasters and parameter files.
fn write_pair(
    root: &Path,
    (d1, d2): (Date, Date),
    bperp: f64,
    buf: &PairBuffers,
    rows: usize,
    cols: usize,
) -> anyhow::Result<()> {
    let dir = pair_dir(root, d1, d2);
    create_dir(&dir)?;
    let l = lks();
    write_be(&unw_path(root, d1, d2), &buf.phase)?;
    write_be(&dir.join(format!("filt_{d1}_{d2}{l}.cor")), &buf.coh)?;
    write_text(
        &dir.join(format!("{d1}_{d2}{l}.off")),
        &off_text(d1, d2, rows, cols),
    )?;
    for d in [d1, d2] {
        write_text(
            &dir.join(format!("{d}{l}.amp.par")),
            &amp_par(d, rows, cols),
        )?;
    }
    write_text(
        &dir.join(format!("{d1}{l}.amp.corner")),
        &corner_text(rows, cols),
    )?;
    write_text(
        &dir.join(format!("{d1}_{d2}{l}.base_perp")),
        &base_perp_text(bperp, rows),
    )
}

/// Writes the radar DEM and the lookup table into `PROCESS/SIM/sim_D1_D2/`.
fn write_geometry(root: &Path, (d1, d2): (Date, Date), scene: &Scene) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let dir = root
        .join("PROCESS")
        .join("SIM")
        .join(format!("sim_{d1}_{d2}"));
    create_dir(&dir)?;
    let l = lks();
    let stem = dir.join(format!("sim_{d1}_{d2}{l}"));
    let height: Vec<f32> = scene.height.iter().map(|&h| h as f32).collect();
    write_be(&stem.with_extension("hgt_sim"), &height)?;
    write_text(
        &stem.with_extension("diff_par"),
        &format!(
            "Gamma Differential SAR Processing and Interferometry Parameters\n\n\
             title:  sim_{d1}_{d2}\n\
             range_offset_polynomial:   0.00000   0.0000e+00\n\
             azimuth_offset_polynomial: 0.00000   0.0000e+00\n\
             range_samp_1:  {cols:>10}\n\
             az_samp_1:     {rows:>10}\n\
             first_nonzero_range_pixel_1:    0\n\
             number_of_nonzero_range_pixels_1:  {cols}\n\
             range_samp_2:  {cols:>10}\n\
             az_samp_2:     {rows:>10}\n"
        ),
    )?;
    write_text(
        &dir.join(format!("{d1}{l}.amp.par")),
        &amp_par(d1, rows, cols),
    )?;
    write_text(
        &dir.join(format!("{d1}{l}.amp.corner")),
        &corner_text(rows, cols),
    )?;

    let g = lookup_grid(rows, cols);
    let mut w = RawWriter::create(&stem.with_extension("UTM_TO_RDC"))?;
    for i in 0..g.length {
        let row: Vec<f32> = lookup_row(&g, rows, cols, i)
            .iter()
            .flat_map(|v| [v.0, v.1])
            .collect();
        put_be(&mut w, &row)?;
    }
    w.finish()?;
    write_text(
        &stem.with_extension("utm.dem.par"),
        &format!(
            "Gamma DIFF&GEO DEM/MAP parameter file\n\
             title: sim\n\
             DEM_projection:     EQA\n\
             data_format:        REAL*4\n\
             DEM_hgt_offset:          0.00000\n\
             DEM_scale:               1.00000\n\
             width:              {:>8}\n\
             nlines:             {:>8}\n\
             corner_lat:     {}  decimal degrees\n\
             corner_lon:     {}  decimal degrees\n\
             post_lat:     {}  decimal degrees\n\
             post_lon:     {}  decimal degrees\n\n\
             ellipsoid_name: WGS 84\n",
            g.width,
            g.length,
            py_f64(g.y_first),
            py_f64(g.x_first),
            py_f64(g.y_step),
            py_f64(g.x_step),
        ),
    )
}

/// Writes the GAMMA tree of `scene` under `root`.
pub(super) fn write_gamma(root: &Path, cfg: &SimConfig, scene: &Scene) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let dates = cfg.dates();
    let pairs = cfg.pairs();
    let (rows, cols) = (scene.rows, scene.cols);
    let defects = pair_defects(cfg, pairs.len());
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(rows * cols),
        |buf, (k, &(i, j))| {
            fill_pair(cfg, scene, k, (i, j), &defects, buf);
            let bperp = scene.bperp[j] - scene.bperp[i];
            write_pair(root, (dates[i], dates[j]), bperp, buf, rows, cols)
        },
    )?;
    let (i, j) = pairs[0];
    write_geometry(root, (dates[i], dates[j]), scene)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_gamma_prints_them() {
        assert_eq!(sci(5.4050005e9, 7), "5.4050005e+09");
        assert_eq!(sci(0.0061666689, 7), "6.1666689e-03");
        let t = base_perp_text(-19.5, 10);
        let rows: Vec<Vec<&str>> = t
            .lines()
            .skip_while(|l| !l.contains("bpara       bperp       blen"))
            .skip(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.len() == 9 && r[7] == "-19.5"), "{t}");
    }
}
