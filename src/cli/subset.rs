//! `sbas subset`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::geo::{subset_run, SubsetRequest};
use crate::plan::parse_size;

/// Options of `sbas subset`.
#[derive(Debug, Args)]
pub struct SubsetArgs {
    /// Run folder holding the products.
    pub run_dir: PathBuf,
    /// Rows y0..y1 and columns x0..x1 (half open, MintPy's `y0:y1,x0:x1`) of the radar image.
    #[arg(
        long = "subset-yx",
        value_name = "Y0:Y1,X0:X1",
        conflicts_with = "subset_lalo"
    )]
    pub subset_yx: Option<String>,
    /// Latitude/longitude box in degrees (MintPy's `S:N,W:E`).
    #[arg(
        long = "subset-lalo",
        value_name = "S:N,W:E",
        allow_hyphen_values = true
    )]
    pub subset_lalo: Option<String>,
    /// Folder for the cut products (created if needed).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Memory budget, e.g. `512MiB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
}

/// Runs `sbas subset`.
pub fn run(args: &SubsetArgs) -> anyhow::Result<()> {
    let req = match (&args.subset_yx, &args.subset_lalo) {
        (Some(t), _) => SubsetRequest::parse_yx(t)?,
        (None, Some(t)) => SubsetRequest::parse_lalo(t)?,
        (None, None) => bail!("give the subset with --subset-yx or --subset-lalo"),
    };
    let max_memory = parse_size(&args.max_memory).context("--max-memory")?;
    for path in subset_run(&args.run_dir, &req, &args.out, max_memory)? {
        println!("{}", path.display());
    }
    Ok(())
}
