//! `sbas displacement`: cumulative displacement between two dates.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::plan::parse_size;
use crate::timefunc::{displacement, DisplacementOptions, Point};

/// Options of `sbas displacement`.
#[derive(Debug, Args)]
pub struct DisplacementArgs {
    /// The run folder (the `--out` of `sbas invert`).
    pub run_dir: PathBuf,
    /// First date (YYYYMMDD or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Second date: the map is ts[TO] - ts[FROM].
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// Input time-series product (e.g. `timeseries_demErr`).
    #[arg(long = "ts", value_name = "STEM", default_value = "timeseries")]
    pub ts: String,
    /// Vertical displacement: LOS / cos(incidence angle), assuming no horizontal motion.
    #[arg(long)]
    pub vertical: bool,
    /// Output product (default `displacement_FROM_TO`, `displacement_vertical_FROM_TO`).
    #[arg(long = "out", short = 'o', value_name = "STEM")]
    pub out: Option<String>,
    /// Also print the value at this latitude,longitude (degrees).
    #[arg(
        long,
        value_name = "LAT,LON",
        allow_hyphen_values = true,
        conflicts_with = "yx"
    )]
    pub at: Option<String>,
    /// Also print the value at this pixel (row,column).
    #[arg(long, value_name = "Y,X")]
    pub yx: Option<String>,
    /// Memory budget, e.g. `512MiB`, `4GB`.
    #[arg(long, value_name = "SIZE", default_value = "2GiB")]
    pub max_memory: String,
}

fn pair<T: std::str::FromStr>(text: &str, what: &str) -> anyhow::Result<(T, T)> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if let [a, b] = parts[..] {
        if let (Ok(a), Ok(b)) = (a.parse::<T>(), b.parse::<T>()) {
            return Ok((a, b));
        }
    }
    bail!("'{text}' is not {what}")
}

/// Runs `sbas displacement`.
pub fn run(args: &DisplacementArgs) -> anyhow::Result<()> {
    if !args.run_dir.is_dir() {
        bail!("{} is not a folder", args.run_dir.display());
    }
    let point = match (&args.at, &args.yx) {
        (Some(at), _) => {
            let (lat, lon) = pair::<f64>(at, "LAT,LON in degrees (e.g. --at 34.05,-118.25)")?;
            Some(Point::LatLon(lat, lon))
        }
        (None, Some(yx)) => {
            let (y, x) = pair::<usize>(yx, "Y,X pixel indices (e.g. --yx 120,340)")?;
            Some(Point::Yx(y, x))
        }
        (None, None) => None,
    };
    let opts = DisplacementOptions {
        ts_stem: args.ts.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        vertical: args.vertical,
        out_stem: args.out.clone(),
        point,
        max_memory: parse_size(&args.max_memory).context("--max-memory")?,
    };
    let report = displacement(&args.run_dir, &opts)?;
    print!("{}", report.text());
    Ok(())
}
