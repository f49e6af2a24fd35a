//! `sbas subset`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::geo::{subset_run, SubsetRequest};
use crate::plan::parse_size;

/// The subset options shared by `sbas invert` and `sbas subset`.
#[derive(Debug, Clone, Args)]
pub struct SubsetFlags {
    /// Rows y0..y1 and columns x0..x1 (half open, MintPy's `y0:y1,x0:x1`) of the radar image.
    /// At invert time only that window is read, and --ref-yx counts in the subset image.
    #[arg(
        long = "subset-yx",
        value_name = "Y0:Y1,X0:X1",
        conflicts_with = "subset_lalo"
    )]
    pub subset_yx: Option<String>,
    /// Latitude/longitude box in degrees (MintPy's `S:N,W:E`), found through the lat/lon lookup
    /// (with an 8-pixel margin at invert time, as MintPy).
    #[arg(
        long = "subset-lalo",
        value_name = "S:N,W:E",
        allow_hyphen_values = true
    )]
    pub subset_lalo: Option<String>,
}

impl SubsetFlags {
    /// The requested subset, if any.
    pub fn request(&self) -> anyhow::Result<Option<SubsetRequest>> {
        Ok(match (&self.subset_yx, &self.subset_lalo) {
            (Some(t), _) => Some(SubsetRequest::parse_yx(t)?),
            (None, Some(t)) => Some(SubsetRequest::parse_lalo(t)?),
            (None, None) => None,
        })
    }
}

/// Options of `sbas subset`.
#[derive(Debug, Args)]
pub struct SubsetArgs {
    /// Run folder holding the products.
    pub run_dir: PathBuf,
    /// The window to keep.
    #[command(flatten)]
    pub subset: SubsetFlags,
    /// Folder for the cut products (created if needed).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Memory budget, e.g. `512MiB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
}

/// Runs `sbas subset`.
pub fn run(args: &SubsetArgs) -> anyhow::Result<()> {
    let Some(req) = args.subset.request()? else {
        bail!("give the subset with --subset-yx or --subset-lalo");
    };
    let max_memory = parse_size(&args.max_memory).context("--max-memory")?;
    for path in subset_run(
        &args.run_dir,
        &req,
        &args.out,
        max_memory,
        &super::terminal::Terminal::reporter(false),
    )? {
        println!("{}", path.display());
    }
    Ok(())
}
