//! `sbas correct ...`: corrections of a run folder's time series (MintPy's `dem_error.py`,
//! `remove_ramp.py`, `timeseries_rms.py`, `reference_date.py`). No science here.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::correct::dem_error::{self, DemErrModel, DemErrOptions};
use crate::correct::ramp::RampType;
use crate::correct::reference_date::{self, RefDateChoice};
use crate::correct::residual_rms::{self, read_date_file, RmsOptions, EXCLUDE_DATE_FILE};
use crate::correct::{deramp, io};
use crate::meta::Date;
use crate::plan::parse_size;

/// Options of `sbas correct`.
#[derive(Debug, Args)]
pub struct CorrectArgs {
    /// Which correction.
    #[command(subcommand)]
    pub step: CorrectStep,
}

/// The corrections.
#[derive(Debug, Subcommand)]
pub enum CorrectStep {
    /// Estimate and remove the DEM error (topographic residual): writes `<TS>_demErr`,
    /// `demErr` and `timeseriesResidual`.
    DemError(DemErrorArgs),
    /// Remove a phase ramp from every date: writes `<TS>_ramp`.
    Deramp(DerampArgs),
    /// Residual RMS per date: writes `rms_<TS>_ramp.txt`, `reference_date.txt` and
    /// `exclude_date.txt`.
    Rms(RmsArgs),
    /// Re-reference time series to a date, in place (sets `REF_DATE`).
    ReferenceDate(RefDateArgs),
    /// Unwrapping-error corrections of a stack's interferograms (MintPy's
    /// `correct_unwrap_error`): writes `<OUT>/unwrapPhase_bridging.json` (or
    /// `unwrapPhase_phaseClosure.json`, `unwrapPhase_bridging_phaseClosure.json`) for `sbas
    /// invert --unwrap-fix`.
    Unwrap(UnwrapArgs),
}

/// Options of `sbas correct unwrap`.
#[derive(Debug, Args)]
pub struct UnwrapArgs {
    /// The stack (ISCE2 topsStack folder, MintPy `ifgramStack.h5`, ...).
    pub stack: PathBuf,
    /// Folder for the corrections.
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// bridging, phase_closure or bridging+phase_closure.
    #[arg(long, default_value = "bridging")]
    pub method: String,
    /// Pixels sampled per common region by the phase closure (`numSample`), spread evenly.
    #[arg(long = "num-sample", default_value_t = 100)]
    pub num_sample: usize,
    /// Reference point as row,column (default: chosen as `sbas invert` does).
    #[arg(long = "ref-yx", value_name = "Y,X")]
    pub ref_yx: Option<String>,
    /// Minimum average spatial coherence of an automatic reference point.
    #[arg(long = "min-ref-coherence", default_value_t = 0.85)]
    pub min_ref_coherence: f32,
    /// Smallest connected component bridged, pixels (`connCompMinArea`).
    #[arg(long = "min-area", default_value_t = 2.5e3)]
    pub min_area: f64,
    /// Half size of the windows at the bridge ends, pixels (`bridgePtsRadius`).
    #[arg(long, default_value_t = 50)]
    pub radius: usize,
    /// Ramp removed before the jumps are measured (`ramp`): no, linear, quadratic, ...
    #[arg(long, default_value = "no")]
    pub ramp: String,
    /// Keep the connected components on water (by default the stack's water mask zeroes them).
    #[arg(long = "no-water-mask")]
    pub no_water_mask: bool,
    /// Memory budget, e.g. `512MiB`, `4GB`.
    #[arg(long, default_value = "2GiB")]
    pub max_memory: String,
    /// Only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Options shared by every correction.
#[derive(Debug, Args)]
pub struct Common {
    /// The run folder (the `--out` of `sbas invert`).
    pub run_dir: PathBuf,
    /// Memory budget, e.g. `512MiB`, `4GB`.
    #[arg(long, default_value = "2GiB")]
    pub max_memory: String,
}

impl Common {
    fn budget(&self) -> anyhow::Result<u64> {
        anyhow::ensure!(
            self.run_dir.is_dir(),
            "{} is not a folder",
            self.run_dir.display()
        );
        parse_size(&self.max_memory).context("--max-memory")
    }
}

fn parse_dates(list: &[String], what: &str) -> anyhow::Result<Vec<Date>> {
    list.iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(|s| Date::parse(s).map_err(|e| anyhow::anyhow!("{what}: {e}")))
        .collect()
}

/// Options of `sbas correct dem-error`.
#[derive(Debug, Args)]
pub struct DemErrorArgs {
    #[command(flatten)]
    common: Common,
    /// The time series to correct (a product stem of the run folder).
    #[arg(long = "ts", default_value = "timeseries")]
    pub input: String,
    /// Order of the polynomial deformation model.
    #[arg(long, default_value_t = 2)]
    pub poly_order: usize,
    /// Step (Heaviside) dates of the deformation model, YYYYMMDD (repeat or comma-separate).
    #[arg(long = "step-date")]
    pub step_dates: Vec<String>,
    /// Dates left out of the fit (still corrected), YYYYMMDD, or `exclude_date.txt` to read the
    /// RMS step's outliers (as MintPy's default; missing file = none).
    #[arg(long = "exclude-date")]
    pub exclude_dates: Vec<String>,
    /// Fit the phase velocity instead of the phase.
    #[arg(long)]
    pub phase_velocity: bool,
    /// Use the scene-centre slant range and incidence instead of the per-pixel geometry.
    #[arg(long)]
    pub no_pixelwise_geometry: bool,
}

/// Options of `sbas correct deramp`.
#[derive(Debug, Args)]
pub struct DerampArgs {
    #[command(flatten)]
    common: Common,
    /// The time series (a product stem of the run folder).
    #[arg(long = "ts", default_value = "timeseries")]
    pub input: String,
    /// linear, quadratic, linear_range, linear_azimuth, quadratic_range or quadratic_azimuth.
    #[arg(long, default_value = "linear")]
    pub ramp: String,
    /// Mask of the pixels of the fit: a mask product, or `no` for every pixel.
    #[arg(long, default_value = "maskTempCoh")]
    pub mask: String,
}

/// Options of `sbas correct rms`.
#[derive(Debug, Args)]
pub struct RmsArgs {
    #[command(flatten)]
    common: Common,
    /// The residual series.
    #[arg(long = "ts", default_value = "timeseriesResidual")]
    pub input: String,
    /// Mask of the pixels: a mask product, or `no`.
    #[arg(long, default_value = "maskTempCoh")]
    pub mask: String,
    /// Ramp removed before the RMS, or `no`.
    #[arg(long, default_value = "quadratic")]
    pub deramp: String,
    /// Dates with RMS above CUTOFF x MAD are outliers.
    #[arg(long, default_value_t = 3.0)]
    pub cutoff: f64,
}

/// Options of `sbas correct reference-date`.
#[derive(Debug, Args)]
pub struct RefDateArgs {
    #[command(flatten)]
    common: Common,
    /// `auto` (the date in reference_date.txt, from `sbas correct rms`), YYYYMMDD, or `no`.
    #[arg(long = "date", default_value = "auto")]
    pub date: String,
    /// Time series to re-reference (product stems; repeatable). Default: every time series
    /// of the run folder (`timeseries*` products except `timeseriesResidual*`).
    #[arg(long = "ts")]
    pub stems: Vec<String>,
}

/// Runs `sbas correct`.
pub fn run(args: &CorrectArgs) -> anyhow::Result<()> {
    match &args.step {
        CorrectStep::DemError(a) => {
            let budget = a.common.budget()?;
            let dir = &a.common.run_dir;
            let mut exclude = Vec::new();
            for e in &a.exclude_dates {
                if e.ends_with(".txt") {
                    let path = dir.join(e);
                    if path.exists() {
                        exclude.extend(read_date_file(&path)?);
                    } else if e != EXCLUDE_DATE_FILE {
                        anyhow::bail!("--exclude-date: {} not found", path.display());
                    }
                } else {
                    exclude.extend(parse_dates(std::slice::from_ref(e), "--exclude-date")?);
                }
            }
            let options = DemErrOptions {
                model: DemErrModel {
                    poly_order: a.poly_order,
                    step_dates: parse_dates(&a.step_dates, "--step-date")?,
                    exclude_dates: exclude,
                    phase_velocity: a.phase_velocity,
                },
                pixelwise_geometry: !a.no_pixelwise_geometry,
                split: Default::default(),
            };
            let out = dem_error::run(dir, &a.input, &options, budget)?;
            println!(
                "DEM error estimated at {} pixels ({} geometry): wrote {}, {}, {}",
                out.pixels_estimated,
                if out.pixelwise_geometry {
                    "per-pixel"
                } else {
                    "scene-centre"
                },
                out.corrected.display(),
                out.dem_error.display(),
                out.residual.display()
            );
        }
        CorrectStep::Deramp(a) => {
            let budget = a.common.budget()?;
            let ramp: RampType = a.ramp.parse().context("--ramp")?;
            let out = deramp::run(&a.common.run_dir, &a.input, ramp, &a.mask, budget)?;
            println!(
                "removed a {ramp} ramp per date: wrote {}",
                out.path.display()
            );
        }
        CorrectStep::Rms(a) => {
            let budget = a.common.budget()?;
            let deramp = if a.deramp.trim().eq_ignore_ascii_case("no") {
                None
            } else {
                Some(a.deramp.parse::<RampType>().context("--deramp")?)
            };
            let options = RmsOptions {
                input_stem: a.input.clone(),
                mask: a.mask.clone(),
                deramp,
                cutoff: a.cutoff,
            };
            let out = residual_rms::run(&a.common.run_dir, &options, budget)?;
            let min_i = out
                .dates
                .iter()
                .position(|d| *d == out.min_rms_date)
                .unwrap_or(0);
            println!(
                "residual RMS written to {}; minimum {:.4} m on {}; {} date(s) above {:.4} m ({} x MAD){}",
                out.rms_file.display(),
                out.rms[min_i],
                out.min_rms_date,
                out.excluded.len(),
                out.threshold,
                a.cutoff,
                if out.excluded.is_empty() {
                    String::new()
                } else {
                    format!(": {}", io::py_date_list(&out.excluded))
                }
            );
        }
        CorrectStep::Unwrap(a) => unwrap(a)?,
        CorrectStep::ReferenceDate(a) => {
            let budget = a.common.budget()?;
            let dir = &a.common.run_dir;
            let choice: RefDateChoice = a.date.parse().context("--date")?;
            let stems = if a.stems.is_empty() {
                reference_date::chain_stems(dir)
            } else {
                a.stems.clone()
            };
            anyhow::ensure!(
                !stems.is_empty(),
                "no time series found in {}",
                dir.display()
            );
            match reference_date::run(dir, &stems, choice, budget)? {
                Some(d) => println!("time series {} referenced to {d}", stems.join(", ")),
                None => println!("reference date unchanged (--date no)"),
            }
        }
    }
    Ok(())
}

fn unwrap(a: &UnwrapArgs) -> anyhow::Result<()> {
    keep_freed_blocks();
    use crate::correct::unwrap::BridgingOptions;
    use crate::correct::unwrap_run::{correct_unwrap_source, UnwrapMethod, UnwrapOptions};
    use crate::survey::RefRequest;
    let reference = match &a.ref_yx {
        Some(t) => {
            let (y, x) = t
                .split_once(',')
                .and_then(|(y, x)| Some((y.trim().parse().ok()?, x.trim().parse().ok()?)))
                .with_context(|| format!("--ref-yx {t}: expected ROW,COLUMN"))?;
            RefRequest::Yx(y, x)
        }
        None => RefRequest::Auto {
            min_coherence: a.min_ref_coherence,
        },
    };
    let ramp = if a.ramp.trim().eq_ignore_ascii_case("no") {
        None
    } else {
        Some(a.ramp.parse::<RampType>().context("--ramp")?)
    };
    anyhow::ensure!(
        a.min_area.is_finite() && a.min_area >= 0.0,
        "--min-area must be a number of pixels >= 0"
    );
    let report = super::terminal::Terminal::reporter(a.quiet);
    let opts = UnwrapOptions {
        method: UnwrapMethod::parse(&a.method).context("--method")?,
        bridging: BridgingOptions {
            min_area: a.min_area,
            radius: a.radius,
            ramp,
        },
        num_sample: a.num_sample,
        water_mask: !a.no_water_mask,
        reference,
        max_memory: parse_size(&a.max_memory).context("--max-memory")?,
        report: report.clone(),
    };
    let source = crate::source::open_stack(&a.stack)
        .with_context(|| format!("opening stack {}", a.stack.display()))?;
    let r = correct_unwrap_source(source.as_ref(), &a.out, &opts)?;
    report.info(format!(
        "{}: {} of {} interferograms corrected, {} samples (reference y={}, x={}; {} at a time) in {:.2} s: wrote {}",
        opts.method.name(),
        r.corrected_ifgs,
        source.info().network.num_pairs(),
        r.corrected_samples,
        r.ref_yx.0,
        r.ref_yx.1,
        r.group,
        r.seconds,
        r.path.display()
    ));
    Ok(())
}

/// Lets glibc's allocator reuse freed blocks of up to 8 MiB instead of handing them back to the
/// kernel, for `sbas correct unwrap` only: its cleaning allocates and frees images of a few
/// megabytes per interferogram, and by default such blocks kept being fresh maps, zeroed page by
/// page on first touch and unmapped on free (a third of bridging's time; README, *Speed* of the
/// unwrapping-error corrections). Not process-wide: fixed thresholds turn off glibc's own
/// adjustment, which other commands gain from (reading an `ifgramStack.h5` through HDF5 became
/// 20-30 % slower with them, and a 32 MiB threshold raised the inversion's peak by 32 MB).
/// Called before the command starts its threads.
fn keep_freed_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt changes the allocator's thresholds under the allocator's own lock (a
    // refused value leaves the default); nothing else is affected.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
    }
}
