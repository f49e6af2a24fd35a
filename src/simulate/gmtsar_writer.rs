//! The simulated stack written as a GMTSAR time-series project, in the layout of MintPy's
//! GMTSAR example (`docs/dir_structure.md` of insarlab/MintPy, commit 06a98622):
//! `supermaster.PRM`, `config.tops.txt`, `baseline_table.dat`,
//! `interferograms/<YYYYDDD>_<YYYYDDD>/{unwrap_ll.grd,corr_ll.grd}` and
//! `geometry/{dem.grd,incidence_angle.grd}`, on a latitude/longitude grid of one arc second.
//!
//! Facts followed:
//! - grids: GMT netCDF classic (`CDF\x01`) files, as GMTSAR's scripts make them
//!   (`gmt set IO_NC4_CHUNK_SIZE classic` in `gmtsar/csh/intf.csh`, `filter.csh` of
//!   gmtsar/gmtsar, commit ad6e95df); geocoded grids pixel-registered (`xyz2grd -r` in
//!   `gmtsar/csh/proj_ra2ll.csh`); the header of a real GMT 6.4 grid
//!   (`gmtsar/python/bin_py/tests/data/xyz2grd_phase_small.grd`, same commit): global
//!   `Conventions = "CF-1.7"`, `title`, `history`, `description`, `GMT_version`,
//!   `node_offset` (int), coordinate variables (double) with `long_name`, `actual_range`
//!   (the outer edges for a pixel-registered grid), `axis`, and `z` (float, dimensions
//!   (y, x), rows south first) with `long_name`, `_FillValue = NaN`, `actual_range`; `z`'s
//!   `units` as `geocode.csh` sets them with `gmt grdedit -D`;
//! - PRM: `name = value` lines with the keys and printf formats of GMTSAR's
//!   `put_sio_struct.c` (`preproc/ALOS_preproc/lib_src/`, same commit), e.g. `%lf` for
//!   `near_range`, `%lg` for `radar_wavelength`, `%16.10lf` for `SC_clock_start`
//!   (`YYYYDDD.fraction`, the day of year minus one: `intf_tops.csh` names the pair folders
//!   by its whole part);
//! - pair folders `YYYYDDD_YYYYDDD` with the day of year minus one (MintPy's
//!   `ptime.yyyyddd2yyyymmdd`), `baseline_table.dat` columns `file_ID yyyyddd.fraction day_cnt
//!   b_para b_perp` (MintPy's `prep_gmtsar.read_baseline_table` docstring);
//! - `config.*.txt` beside the PRM with `filter_wavelength` (what `prep_gmtsar` reads the looks
//!   from).
//!
//! Our choices: the geographic axis names `lon`/`lat` with CF units; Sentinel-1 (SC_identity
//! 10), descending; the grids share one extent (real geometry grids are larger and must be
//! cut to the interferograms' grid, as MintPy needs); the phase keeps the ISCE2 simulation's
//! values and sign (MintPy reads GMTSAR's unwrapped phase as it reads ISCE2's).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;

use super::config::SimConfig;
use super::fields::Scene;
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};
use crate::meta::Date;
use crate::source::raster::netcdf3::write::{classic_bytes, VarOut};
use crate::source::raster::netcdf3::{NcAttr, NcType, NcValue};

/// Pixel size (degrees): one arc second.
pub const PIXEL: f64 = 1.0 / 3600.0;
/// North-west corner (longitude, latitude) of the grid.
pub const CORNER: (f64, f64) = (sensor::ORIGIN_LAT_LON.1, sensor::ORIGIN_LAT_LON.0);
/// GMTSAR's default filter wavelength (m), written to `config.tops.txt`.
pub const FILTER_WAVELENGTH: f64 = 200.0;
/// The heading MintPy's template gives for the simulated pass (GMTSAR does not record it).
pub const HEADING: f64 = sensor::HEADING;

/// GMTSAR's date text `YYYYDDD` with the day of year from 0 (folder names).
pub fn yyyyddd0(d: Date) -> String {
    let (y, _, _) = d.ymd();
    let jan1 = Date::from_ymd(y, 1, 1).unwrap_or(d);
    format!("{y}{:03}", jan1.days_until(d))
}

fn text(name: &str, s: &str) -> NcAttr {
    NcAttr {
        name: name.into(),
        value: NcValue::Text(s.into()),
    }
}

fn nums(name: &str, v: Vec<f64>) -> NcAttr {
    NcAttr {
        name: name.into(),
        value: NcValue::Numbers(v),
    }
}

/// The bytes of a pixel-registered GMT grid of `data` (rows north first, as the stack is
/// read), `rows` x `cols`, `z` in `units`, described as `title`.
pub fn grd_bytes(data: &[f32], rows: usize, cols: usize, units: &str, title: &str) -> Vec<u8> {
    let (w, n) = CORNER;
    let (e, s) = (w + PIXEL * cols as f64, n - PIXEL * rows as f64);
    let xs: Vec<f64> = (0..cols).map(|j| w + (j as f64 + 0.5) * PIXEL).collect();
    let ys: Vec<f64> = (0..rows).map(|i| s + (i as f64 + 0.5) * PIXEL).collect();
    // GMT stores the southern row first.
    let mut z = Vec::with_capacity(data.len() * 4);
    for r in (0..rows).rev() {
        for v in &data[r * cols..(r + 1) * cols] {
            z.extend(v.to_be_bytes());
        }
    }
    let finite = data.iter().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f32::INFINITY, |a, &b| a.min(b)) as f64;
    let hi = finite.fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
    let be = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_be_bytes()).collect() };
    let coord = |name: &str, unit: &str, axis: &str, range: [f64; 2]| {
        vec![
            text("long_name", name),
            text("units", unit),
            text("standard_name", name),
            text("axis", axis),
            nums("actual_range", range.to_vec()),
        ]
    };
    let vars = vec![
        VarOut {
            name: "lon".into(),
            dims: vec![0],
            attrs: coord("longitude", "degrees_east", "X", [w, e]),
            ty: NcType::Double,
            data: be(&xs),
        },
        VarOut {
            name: "lat".into(),
            dims: vec![1],
            attrs: coord("latitude", "degrees_north", "Y", [s, n]),
            ty: NcType::Double,
            data: be(&ys),
        },
        VarOut {
            name: "z".into(),
            dims: vec![1, 0],
            attrs: vec![
                text("long_name", "z"),
                text("units", units),
                nums("_FillValue", vec![f64::NAN]),
                nums("actual_range", vec![lo, hi]),
            ],
            ty: NcType::Float,
            data: z,
        },
    ];
    classic_bytes(
        &[("lon", cols), ("lat", rows)],
        &[
            text("Conventions", "CF-1.7"),
            text("title", title),
            text("history", "xyz2grd llpb -R -I -r -fg -Gout.grd -bi3f"),
            text("description", ""),
            text("GMT_version", "6.4.0 [64-bit]"),
            nums("node_offset", vec![1.0]),
        ],
        &vars,
        &[("node_offset", NcType::Int), ("_FillValue", NcType::Float)],
    )
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// GMTSAR's clock of `seconds` into date `d`: `YYYYDDD.fraction`, the day of year minus one.
fn sc_clock(d: Date, seconds: f64) -> f64 {
    let (y, _, _) = d.ymd();
    let jan1 = Date::from_ymd(y, 1, 1).unwrap_or(d);
    let doy = jan1.days_until(d);
    y as f64 * 1000.0 + doy as f64 + seconds / 86400.0
}

/// The supermaster's PRM text (reference date `d`, `rows` x `cols` multilooked radar image).
fn prm_text(d: Date, rows: usize, cols: usize) -> String {
    let al = sensor::ALOOKS;
    let rl = sensor::RLOOKS;
    let (n_lines, n_bins) = (rows * al, cols * rl);
    let c = 299_792_458.0f64;
    let fs = c / (2.0 * sensor::RANGE_PIXEL_SIZE_FULL);
    let re = sensor::EARTH_RADIUS;
    let h = sensor::HEIGHT;
    // The orbital speed whose ground-track speed is the simulated satellite speed.
    let vel = sensor::SATELLITE_SPEED * (re + h) / re;
    let t0 = sensor::CENTER_LINE_UTC - 1.5;
    let t1 = sensor::CENTER_LINE_UTC + 1.5;
    let (y, m, day) = d.ymd();
    let mut s = String::new();
    let mut kv = |k: &str, v: String| {
        let _ = writeln!(s, "{k:<24}= {v} ");
    };
    kv("num_valid_az", n_lines.to_string());
    kv("nrows", n_lines.to_string());
    kv("first_line", "1".into());
    kv("deskew", "n".into());
    kv("caltone", format!("{:.6}", 0.0));
    kv("st_rng_bin", "1".into());
    kv("Flip_iq", "n".into());
    kv("offset_video", "n".into());
    kv("az_res", format!("{:.6}", 0.0));
    kv("nlooks", "1".into());
    kv("chirp_ext", "0".into());
    kv("scnd_rng_mig", "n".into());
    kv("rng_spec_wgt", format!("{:.6}", 1.0));
    kv("rm_rng_band", format!("{:.6}", 0.2));
    kv("rm_az_band", format!("{:.6}", 0.0));
    kv("rshift", "0".into());
    kv("ashift", "0".into());
    kv("stretch_r", format!("{:.6}", 0.0));
    kv("stretch_a", format!("{:.6}", 0.0));
    kv("a_stretch_r", format!("{:.6}", 0.0));
    kv("a_stretch_a", format!("{:.6}", 0.0));
    kv("first_sample", "1".into());
    kv("SC_identity", "10".into());
    kv("rng_samp_rate", format!("{fs:.6}"));
    kv("input_file", format!("S1_{y}{m:02}{day:02}_ALL_F1.raw"));
    kv("num_rng_bins", n_bins.to_string());
    kv("bytes_per_line", (n_bins * 4).to_string());
    kv("good_bytes_per_line", (n_bins * 4).to_string());
    kv("PRF", format!("{:.6}", sensor::PRF));
    // C's %e.
    kv("pulse_dur", "5.240481e-05".into());
    kv("near_range", format!("{:.6}", sensor::STARTING_RANGE));
    kv("num_lines", n_lines.to_string());
    kv("num_patches", "1".into());
    kv("SC_clock_start", format!("{:16.10}", sc_clock(d, t0)));
    kv("SC_clock_stop", format!("{:16.10}", sc_clock(d, t1)));
    kv("clock_start", format!("{:16.12}", sc_clock(d, t0) % 1000.0));
    kv("clock_stop", format!("{:16.12}", sc_clock(d, t1) % 1000.0));
    kv("led_file", format!("S1_{y}{m:02}{day:02}_ALL_F1.LED"));
    kv("date", format!("{:02}{m:02}{day:02}", y % 100));
    kv("orbdir", "D".into());
    kv("lookdir", "R".into());
    // %lg: six significant digits.
    kv("radar_wavelength", sig6(sensor::WAVELENGTH));
    kv("chirp_slope", sig6(1.078230e12));
    kv("rng_samp_rate", format!("{fs:.6}"));
    kv("I_mean", "0".into());
    kv("Q_mean", "0".into());
    kv("SC_vel", format!("{vel:.6}"));
    kv("earth_radius", format!("{re:.6}"));
    kv("equatorial_radius", format!("{:.6}", 6_378_137.0));
    kv("polar_radius", format!("{:.6}", 6_356_752.31424518));
    kv("SC_height", format!("{h:.6}"));
    kv("SC_height_start", format!("{:.6}", h - 20.0));
    kv("SC_height_end", format!("{:.6}", h + 20.0));
    kv("fd1", format!("{:.6}", 0.0));
    kv("fdd1", format!("{:12.8}", 0.0));
    kv("fddd1", format!("{:.6}", 0.0));
    kv("sub_int_r", format!("{:.6}", 0.0));
    kv("sub_int_a", format!("{:.6}", 0.0));
    kv("B_parallel", format!("{:.6}", 0.0));
    kv("B_perpendicular", format!("{:.6}", 0.0));
    s
}

/// C's `%lg`: six significant digits, trailing zeros removed.
fn sig6(v: f64) -> String {
    let s = format!("{v:.5e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    if (-5..6).contains(&e) {
        let decimals = (5 - e).max(0) as usize;
        let t = format!("{v:.decimals$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    } else {
        let m = m.trim_end_matches('0').trim_end_matches('.');
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// `baseline_table.dat`: one line per date.
fn baseline_table(dates: &[Date], scene: &Scene) -> String {
    let mut s = String::new();
    let first = dates.first().copied();
    for (k, &d) in dates.iter().enumerate() {
        let (y, m, day) = d.ymd();
        let frac = sc_clock(d, sensor::CENTER_LINE_UTC);
        let jan1 = first
            .and_then(|f| Date::from_ymd(f.ymd().0, 1, 1))
            .unwrap_or(d);
        let _ = writeln!(
            s,
            "S1_{y}{m:02}{day:02}_ALL_F1 {frac:.10} {} {:.12} {:.12}",
            jan1.days_until(d),
            scene.bpar[k],
            scene.bperp[k]
        );
    }
    s
}

/// Writes a synthetic GMTSAR project with ground truth into `out`. The bytes depend only on
/// `cfg`.
pub fn simulate_gmtsar(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let ifgs = out.join("interferograms");
    let geometry = out.join("geometry");
    let truth_dir = out.join("truth");
    create_dir(&ifgs)?;
    create_dir(&geometry)?;
    create_dir(&truth_dir)?;
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    let (rows, cols) = (cfg.rows, cfg.cols);
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(rows * cols),
        |buf, (k, &(i, j))| -> anyhow::Result<()> {
            let name = format!("{}_{}", yyyyddd0(dates[i]), yyyyddd0(dates[j]));
            let dir = ifgs.join(&name);
            create_dir(&dir)?;
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            write(
                &dir.join("unwrap_ll.grd"),
                &grd_bytes(
                    &buf.phase,
                    rows,
                    cols,
                    "radians",
                    &format!("{name} unwrapped phase"),
                ),
            )?;
            write(
                &dir.join("corr_ll.grd"),
                &grd_bytes(
                    &buf.coh,
                    rows,
                    cols,
                    "dimensionless",
                    &format!("{name} geocoded correlation"),
                ),
            )
        },
    )?;
    let dem: Vec<f32> = scene.height.iter().map(|&h| h as f32).collect();
    write(
        &geometry.join("dem.grd"),
        &grd_bytes(&dem, rows, cols, "m", "dem"),
    )?;
    let inc: Vec<f32> = (0..rows * cols)
        .map(|p| scene.incidence_deg[p % cols])
        .collect();
    write(
        &geometry.join("incidence_angle.grd"),
        &grd_bytes(&inc, rows, cols, "degrees", "incidence angle"),
    )?;
    write(
        &out.join("supermaster.PRM"),
        prm_text(dates[0], rows, cols).as_bytes(),
    )?;
    write(
        &out.join("config.tops.txt"),
        format!(
            "# GMTSAR p2p_processing configuration (the keys prep_gmtsar reads)\n\
             proc_stage = 1\nfilter_wavelength = {FILTER_WAVELENGTH}\ndec_factor = 0\n"
        )
        .as_bytes(),
    )?;
    write(
        &out.join("baseline_table.dat"),
        baseline_table(&dates, &scene).as_bytes(),
    )?;
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: ifgs,
        geometry_dir: geometry,
        baselines_dir: out.to_path_buf(),
        reference_dir: out.to_path_buf(),
        truth_dir,
        rows,
        cols,
        num_dates: cfg.num_dates,
        num_pairs: pairs.len(),
        reference_pixel: cfg.reference_pixel(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmtsar_text_of_dates_and_numbers() {
        let d = Date::parse("20141231").unwrap();
        assert_eq!(yyyyddd0(d), "2014364");
        assert_eq!(yyyyddd0(Date::parse("20150101").unwrap()), "2015000");
        assert_eq!(sig6(0.05546576), "0.0554658");
        assert_eq!(sig6(1.07823e12), "1.07823e+12");
        assert_eq!(sig6(128.0), "128");
    }
}
