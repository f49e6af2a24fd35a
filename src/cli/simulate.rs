//! `sbas simulate`.

use clap::Args;

/// Options of `sbas simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Output folder (an ISCE2 topsStack tree is written there).
    pub out_dir: std::path::PathBuf,
}

/// Runs `sbas simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "simulate into {} is not available yet",
        args.out_dir.display()
    )
}
