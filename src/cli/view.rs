//! `sbas view`: a PNG map of one layer of a run folder.

use std::path::PathBuf;

use anyhow::{bail, ensure, Context};
use clap::Args;

use crate::plot::colormap::Colormap;
use crate::plot::view::{default_view_path, render_view, MaskChoice, Subset, ViewOptions};
use crate::window::Window;

/// Options of `sbas view` (names follow MintPy's `view.py`).
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Run folder.
    pub run_dir: PathBuf,
    /// Layer: a product (`velocity`, `temporalCoherence`, `timeseries`, `demErr`,
    /// `geo/geo_velocity`, ...), optionally `PRODUCT:DATASET` (`velocity:velocityStd`).
    pub layer: String,
    /// Date of a time-series layer, YYYYMMDD (default: the last date).
    #[arg(long, value_name = "YYYYMMDD")]
    pub date: Option<String>,
    /// Date of a time-series layer by its number among the dates, from 0 (MintPy's
    /// `-n/--dset-num`; `sbas info` lists the dates).
    #[arg(
        short = 'n',
        long = "dset-num",
        value_name = "NUM",
        conflicts_with = "date"
    )]
    pub dset_num: Option<usize>,
    /// Show the displacement since this date instead of since the file's REF_DATE.
    #[arg(long = "ref-date", value_name = "YYYYMMDD")]
    pub ref_date: Option<String>,
    /// Mask: a product of the run folder (`maskTempCoh`), a mask file, or `no`. Masked pixels
    /// are white.
    #[arg(
        short = 'm',
        long = "mask",
        value_name = "maskTempCoh|no|FILE",
        default_value = "no"
    )]
    pub mask: String,
    /// Colour limits in the display unit.
    #[arg(short = 'v', long = "vlim", num_args = 2, value_names = ["MIN", "MAX"], allow_hyphen_values = true)]
    pub vlim: Option<Vec<f64>>,
    /// Latitude range (degrees), with --sub-lon.
    #[arg(long = "sub-lat", alias = "subset-lat", num_args = 2, value_names = ["S", "N"], allow_hyphen_values = true, requires = "sub_lon")]
    pub sub_lat: Option<Vec<f64>>,
    /// Longitude range (degrees), with --sub-lat.
    #[arg(long = "sub-lon", alias = "subset-lon", num_args = 2, value_names = ["W", "E"], allow_hyphen_values = true, requires = "sub_lat")]
    pub sub_lon: Option<Vec<f64>>,
    /// Rows and columns `y0:y1,x0:x1` (end excluded).
    #[arg(long = "subset-yx", value_name = "y0:y1,x0:x1", conflicts_with_all = ["sub_lat", "sub_y", "sub_x"])]
    pub subset_yx: Option<String>,
    /// Row range Y0 Y1 (end excluded).
    #[arg(long = "sub-y", alias = "subset-y", num_args = 2, value_names = ["Y0", "Y1"], conflicts_with = "sub_lat")]
    pub sub_y: Option<Vec<usize>>,
    /// Column range X0 X1 (end excluded).
    #[arg(long = "sub-x", alias = "subset-x", num_args = 2, value_names = ["X0", "X1"], conflicts_with = "sub_lat")]
    pub sub_x: Option<Vec<usize>>,
    /// Colour map: RdBu_r (default for displacement and velocity), RdBu, jet (MintPy's
    /// default), viridis (default for coherence), gray (default for masks).
    #[arg(short = 'c', long = "colormap", value_name = "NAME")]
    pub colormap: Option<String>,
    /// Display unit of lengths: mm, cm or m (default: cm, cm/year for velocity, as MintPy).
    #[arg(short = 'u', long = "unit", value_name = "UNIT")]
    pub unit: Option<String>,
    /// Output PNG (default: RUN_DIR/pic/LAYER[_DATE[_REFDATE]].png).
    #[arg(short = 'o', long = "out", alias = "outfile", value_name = "FILE.png")]
    pub out: Option<PathBuf>,
    /// Show the geocoded product geo/geo_LAYER.
    #[arg(long)]
    pub geo: bool,
    /// Hide the reference point marker.
    #[arg(long)]
    pub noreference: bool,
    /// Show a radar-coordinate map as stored. By default it is flipped as MintPy's view.py
    /// flips it, so north is roughly up and west left: up-down on an ascending orbit,
    /// left-right on a descending one (from the ORBIT_DIRECTION attribute).
    #[arg(long)]
    pub noflip: bool,
    /// DEM whose shaded relief shows through masked and no-data pixels: a product of the run
    /// folder (`inputs/geometryRadar`, `inputs/geometryGeo` with --geo) or a product file.
    #[arg(short = 'd', long = "dem", value_name = "PRODUCT|FILE")]
    pub dem: Option<String>,
    /// Tick labels in degrees N/S/E/W on a latitude/longitude map.
    #[arg(long = "lalo-label")]
    pub lalo_label: bool,
    /// Accepted for MintPy habits; sbas never opens a window.
    #[arg(long, hide = true)]
    pub nodisplay: bool,
}

/// Parses `y0:y1,x0:x1`.
pub fn parse_subset_yx(text: &str) -> anyhow::Result<Window> {
    let err = || format!("--subset-yx '{text}': expected y0:y1,x0:x1 (e.g. 100:400,250:600)");
    let (ys, xs) = text.split_once(',').with_context(err)?;
    let range = |s: &str| -> anyhow::Result<(usize, usize)> {
        let (a, b) = s.split_once(':').with_context(err)?;
        Ok((
            a.trim().parse().ok().with_context(err)?,
            b.trim().parse().ok().with_context(err)?,
        ))
    };
    let ((y0, y1), (x0, x1)) = (range(ys)?, range(xs)?);
    ensure!(
        y0 < y1 && x0 < x1,
        "--subset-yx '{text}': each range must have start < end"
    );
    Ok(Window { y0, y1, x0, x1 })
}

impl ViewArgs {
    /// Turns the command line into view options.
    pub fn options(&self) -> anyhow::Result<ViewOptions> {
        let subset = if let (Some(la), Some(lo)) = (&self.sub_lat, &self.sub_lon) {
            let (s, n, w, e) = (
                la[0].min(la[1]),
                la[0].max(la[1]),
                lo[0].min(lo[1]),
                lo[0].max(lo[1]),
            );
            Subset::Lalo {
                south: s,
                north: n,
                west: w,
                east: e,
            }
        } else if let Some(t) = &self.subset_yx {
            Subset::Yx(parse_subset_yx(t)?)
        } else if self.sub_y.is_some() || self.sub_x.is_some() {
            let (y0, y1) = self
                .sub_y
                .as_ref()
                .map_or((0, usize::MAX), |v| (v[0], v[1]));
            let (x0, x1) = self
                .sub_x
                .as_ref()
                .map_or((0, usize::MAX), |v| (v[0], v[1]));
            ensure!(
                y0 < y1 && x0 < x1,
                "--sub-y/--sub-x: each range must have start < end"
            );
            Subset::Yx(Window { y0, y1, x0, x1 })
        } else {
            Subset::All
        };
        let mask = match self.mask.as_str() {
            "no" | "none" | "" => MaskChoice::No,
            m => MaskChoice::Product(m.to_string()),
        };
        let vlim = match &self.vlim {
            Some(v) if v.len() == 2 => Some((v[0], v[1])),
            Some(_) => bail!("--vlim takes two numbers: MIN MAX"),
            None => None,
        };
        Ok(ViewOptions {
            layer: self.layer.clone(),
            date: self.date.clone(),
            ref_date: self.ref_date.clone(),
            mask,
            vlim,
            subset,
            colormap: self.colormap.as_deref().map(Colormap::parse).transpose()?,
            unit: self.unit.clone(),
            geo: self.geo,
            date_index: self.dset_num,
            no_reference: self.noreference,
            flip: !self.noflip,
            dem: self.dem.clone(),
            lalo_label: self.lalo_label,
            noflip_hint: None,
        })
    }
}

/// Runs `sbas view`.
pub fn run(args: &ViewArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    let (picture, _) = render_view(&args.run_dir, &opts)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_view_path(&args.run_dir, &opts));
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    picture.write_png(&out)?;
    println!("{}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_yx_parses_and_rejects_nonsense() {
        assert_eq!(
            parse_subset_yx("10:20,3:40").unwrap(),
            Window {
                y0: 10,
                y1: 20,
                x0: 3,
                x1: 40
            }
        );
        assert!(parse_subset_yx("20:10,3:40").is_err());
        assert!(parse_subset_yx("10-20,3:40").is_err());
        assert!(parse_subset_yx("10:20").is_err());
    }
}
