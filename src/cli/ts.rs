//! `sbas ts`: the displacement time series of one point, as a PNG plot and a CSV.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::plot::point::{read_point_series, render_point, write_csv, PointRequest};

/// Options of `sbas ts`.
#[derive(Debug, Args)]
pub struct TsArgs {
    /// Run folder.
    pub run_dir: PathBuf,
    /// The point as latitude,longitude in degrees (through inputs/geometryRadar for radar
    /// products, or the grid of a geocoded one).
    #[arg(
        long,
        value_name = "LAT,LON",
        allow_hyphen_values = true,
        conflicts_with = "yx",
        required_unless_present = "yx"
    )]
    pub lalo: Option<String>,
    /// The point as row,column.
    #[arg(long, value_name = "Y,X")]
    pub yx: Option<String>,
    /// Time-series product to read (`timeseries`, `timeseries_demErr`, `geo/geo_timeseries`...).
    #[arg(long = "ts", value_name = "STEM", default_value = "timeseries")]
    pub ts: String,
    /// Show the displacement since this date instead of since the file's REF_DATE.
    #[arg(long = "ref-date", value_name = "YYYYMMDD")]
    pub ref_date: Option<String>,
    /// Fit a straight line and give its velocity in the legend.
    #[arg(long)]
    pub fit: bool,
    /// Output prefix: writes PREFIX.png and PREFIX.csv (default: RUN_DIR/pic/ts_yY_xX).
    #[arg(short = 'o', long = "out", value_name = "PREFIX")]
    pub out: Option<PathBuf>,
}

fn pair<T: std::str::FromStr>(text: &str, what: &str) -> anyhow::Result<(T, T)> {
    let (a, b) = text
        .split_once(',')
        .with_context(|| format!("{what} '{text}': expected two numbers separated by a comma"))?;
    let num = |s: &str| {
        s.trim()
            .parse::<T>()
            .ok()
            .with_context(|| format!("{what} '{text}': '{s}' is not a number"))
    };
    Ok((num(a)?, num(b)?))
}

/// Runs `sbas ts`.
pub fn run(args: &TsArgs) -> anyhow::Result<()> {
    let at = match (&args.lalo, &args.yx) {
        (Some(t), _) => {
            let (lat, lon) = pair::<f64>(t, "--lalo")?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=360.0).contains(&lon) {
                bail!("--lalo '{t}': latitude must be within -90..90 and longitude -180..360");
            }
            PointRequest::Lalo(lat, lon)
        }
        (None, Some(t)) => {
            let (y, x) = pair::<usize>(t, "--yx")?;
            PointRequest::Yx(y, x)
        }
        (None, None) => bail!("give the point with --lalo LAT,LON or --yx Y,X"),
    };
    let series = read_point_series(&args.run_dir, &args.ts, at, args.ref_date.as_deref())?;
    let prefix = args.out.clone().unwrap_or_else(|| {
        args.run_dir
            .join("pic")
            .join(format!("ts_y{}_x{}", series.y, series.x))
    });
    if let Some(parent) = prefix.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let with_ext = |ext: &str| {
        let mut s = prefix.clone().into_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    let png = with_ext(".png");
    let csv = with_ext(".csv");
    render_point(&series, args.fit)?.write_png(&png)?;
    write_csv(&csv, &series)?;
    if series.masked {
        eprintln!(
            "warning: maskTempCoh masks pixel y={}, x={} out (low temporal coherence)",
            series.y, series.x
        );
    }
    println!("{}\n{}", png.display(), csv.display());
    Ok(())
}
