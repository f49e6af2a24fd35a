//! `sbas export`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::geo::{export_geotiff, DateSel};
use crate::plan::parse_size;

/// Options of `sbas export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Run folder.
    pub run_dir: PathBuf,
    /// Product and optional dataset, e.g. `geo/geo_velocity`, `geo/geo_velocity:velocityStd`,
    /// `geo/geo_timeseries` (with --date).
    pub layer: String,
    /// The GeoTIFF to write.
    #[arg(long = "out", short = 'o', value_name = "FILE.tif")]
    pub out: PathBuf,
    /// For per-date datasets: `YYYYMMDD` (value at that date) or `YYYYMMDD_YYYYMMDD`
    /// (displacement from the first date to the second).
    #[arg(long)]
    pub date: Option<String>,
    /// Memory budget, e.g. `512MiB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
}

/// Runs `sbas export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let (stem, dataset) = match args.layer.split_once(':') {
        Some((s, d)) => (s, Some(d)),
        None => (args.layer.as_str(), None),
    };
    let date = args.date.as_deref().map(DateSel::parse).transpose()?;
    let max_memory = parse_size(&args.max_memory).context("--max-memory")?;
    let path = export_geotiff(&args.run_dir, stem, dataset, date, &args.out, max_memory)?;
    println!("{}", path.display());
    Ok(())
}
