//! `sbas simulate`.

use std::path::PathBuf;

use clap::Args;

use crate::meta::Date;
use crate::simulate::{simulate_as, Effects, Processor, SimConfig};

/// Options of `sbas simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Output folder (an ISCE2 topsStack tree is written there).
    pub out_dir: PathBuf,
    /// Image rows (multilooked azimuth lines).
    #[arg(long, default_value_t = 200)]
    pub rows: usize,
    /// Image columns (multilooked range samples).
    #[arg(long, default_value_t = 250)]
    pub cols: usize,
    /// Number of acquisition dates.
    #[arg(long, default_value_t = 30)]
    pub dates: usize,
    /// Pair each date with this many following dates.
    #[arg(long, default_value_t = 3)]
    pub neighbors: usize,
    /// Random seed: the same seed gives identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First acquisition date (YYYYMMDD).
    #[arg(long, default_value = "20200101")]
    pub start_date: String,
    /// Days between acquisitions.
    #[arg(long, default_value_t = 12)]
    pub interval_days: i32,
    /// Largest absolute perpendicular baseline of a date relative to the first date (m).
    #[arg(long, default_value_t = 150.0)]
    pub max_bperp: f64,
    /// No linear deformation.
    #[arg(long)]
    pub no_deformation: bool,
    /// No seasonal deformation.
    #[arg(long)]
    pub no_seasonal: bool,
    /// No DEM error.
    #[arg(long)]
    pub no_dem_error: bool,
    /// No atmospheric delay.
    #[arg(long)]
    pub no_atmosphere: bool,
    /// No decorrelation phase noise.
    #[arg(long)]
    pub no_decorrelation: bool,
    /// No water body.
    #[arg(long)]
    pub no_water: bool,
    /// No low-coherence patch.
    #[arg(long)]
    pub no_low_coherence: bool,
    /// No missing-data patches.
    #[arg(long)]
    pub no_missing_data: bool,
    /// No unwrapping errors.
    #[arg(long)]
    pub no_unwrap_errors: bool,
    /// Add a random planar + quadratic phase ramp per date (off by default).
    #[arg(long)]
    pub ramp: bool,
    /// Leave a one-pixel unlabelled border (conncomp 0) along each unwrapping-error patch, as
    /// SNAPHU leaves between components (off by default).
    #[arg(long)]
    pub unwrap_gaps: bool,
    /// Put the first unwrapping error on the first interferogram, an edge pair of the network
    /// (off by default).
    #[arg(long)]
    pub unwrap_edge: bool,
    /// Layout to write: isce-tops (ISCE2 stackSentinel), isce-stripmap (ISCE2 stackStripMap), roipac, gamma, hyp3 (ASF HyP3
    /// INSAR_GAMMA products), licsar (COMET LiCSAR frame GEOC folder), dolphin (dolphin work folder),
    /// snap (ESA SNAP BEAM-DIMAP exports), gmtsar (GMTSAR project with netCDF grids), aria
    /// (ARIA-tools ariaTSsetup.py folder: stack VRTs, ENVI rasters).
    #[arg(long, default_value = "isce-tops", value_parser = parse_processor)]
    pub processor: Processor,
    /// hyp3: give each pair a different extent (a border of no data), as unclipped products.
    #[arg(long)]
    pub vary_extent: bool,
    /// aria: also write ARIA's per-date correction stacks (`stack/troposphereTotal/HRRRStack.vrt`,
    /// `stack/setStack.vrt`), which together hold the simulated atmosphere, and an ionosphere
    /// pair stack (`stack/ionoStack.vrt`).
    #[arg(long)]
    pub aria_corrections: bool,
}

/// Parses `--processor`.
fn parse_processor(s: &str) -> Result<Processor, String> {
    Processor::parse(s).ok_or_else(|| {
        format!("unknown processor '{s}' (isce-tops, isce-stripmap, roipac, gamma, hyp3, licsar, dolphin, snap, gmtsar, aria)")
    })
}

impl SimulateArgs {
    /// The simulation these options ask for.
    pub fn config(&self) -> anyhow::Result<SimConfig> {
        let start_date =
            Date::parse(&self.start_date).map_err(|e| anyhow::anyhow!("--start-date: {e}"))?;
        Ok(SimConfig {
            rows: self.rows,
            cols: self.cols,
            num_dates: self.dates,
            start_date,
            interval_days: self.interval_days,
            neighbors: self.neighbors,
            seed: self.seed,
            max_bperp_m: self.max_bperp,
            effects: Effects {
                deformation: !self.no_deformation,
                seasonal: !self.no_seasonal,
                dem_error: !self.no_dem_error,
                atmosphere: !self.no_atmosphere,
                decorrelation: !self.no_decorrelation,
                water: !self.no_water,
                low_coherence: !self.no_low_coherence,
                missing_data: !self.no_missing_data,
                unwrap_errors: !self.no_unwrap_errors,
                ramp: self.ramp,
                unwrap_gaps: self.unwrap_gaps,
                unwrap_edge: self.unwrap_edge,
            },
        })
    }
}

/// Runs `sbas simulate`: writes the tree and prints a one-line summary.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let cfg = args.config()?;
    let t0 = std::time::Instant::now();
    let processor = match args.processor {
        Processor::Hyp3 { .. } => Processor::Hyp3 {
            vary_extent: args.vary_extent,
        },
        p => p,
    };
    if args.aria_corrections && processor != Processor::Aria {
        anyhow::bail!("--aria-corrections needs --processor aria");
    }
    let r = simulate_as(&args.out_dir, &cfg, processor)?;
    if args.aria_corrections {
        crate::simulate::aria_writer::write_aria_corrections(&args.out_dir, &cfg)?;
    }
    let off: Vec<&str> = cfg
        .effects
        .named()
        .iter()
        .filter(|(_, on)| !on)
        .map(|(n, _)| *n)
        .collect();
    println!(
        "simulated {} x {} pixels, {} dates, {} interferograms (seed {}, effects off: {}) into {} in {:.1} s",
        r.rows,
        r.cols,
        r.num_dates,
        r.num_pairs,
        cfg.seed,
        if off.is_empty() { "none".to_string() } else { off.join(",") },
        r.out_dir.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> super::SimulateArgs {
        match Cli::try_parse_from(args).expect("arguments parse").command {
            Command::Simulate(a) => a,
            // Other subcommands exist on other branches.
            #[allow(unreachable_patterns)]
            _ => panic!("expected the simulate subcommand"),
        }
    }

    #[test]
    fn flags_switch_effects_off() {
        let a = parse(&[
            "sbas",
            "simulate",
            "out",
            "--rows",
            "40",
            "--cols",
            "50",
            "--dates",
            "12",
            "--neighbors",
            "2",
            "--seed",
            "9",
            "--no-water",
            "--no-unwrap-errors",
        ]);
        let cfg = a.config().expect("valid options");
        assert_eq!(
            (cfg.rows, cfg.cols, cfg.num_dates, cfg.neighbors, cfg.seed),
            (40, 50, 12, 2, 9)
        );
        assert!(!cfg.effects.water && !cfg.effects.unwrap_errors);
        assert!(cfg.effects.atmosphere && cfg.effects.dem_error);
        let bad = parse(&["sbas", "simulate", "out", "--start-date", "2020-01-01"]);
        assert!(bad.config().is_err());
    }
}
