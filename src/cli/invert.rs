//! `sbas invert`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::parts::Part;
use crate::plan::parse_size;
use crate::product::inversion::OutputFormat;
use crate::resume::{read_invocation, write_invocation, Invocation};
use crate::source::layout::{LoadGlobs, LoadKey};
use crate::template::inversion::InversionSettings;
use crate::template::Template;
use crate::workflow::{invert_stack_phase, InvertOptions, InvertReport, Phase};

/// Output format choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One Zarr v3 store, `RUN_DIR/sbas.zarr`.
    Zarr,
    /// MintPy-layout HDF5 files (`timeseries.h5`, ...).
    Hdf5,
}

/// Weight function choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightArg {
    /// Inverse phase variance from coherence and looks.
    Var,
    /// Fisher information.
    Fim,
    /// Coherence.
    Coh,
    /// No weights (ordinary least squares).
    No,
}

/// Observation mask choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MaskArg {
    /// No mask.
    No,
    /// Drop observations with connected component 0.
    #[value(name = "connectComponent")]
    ConnectComponent,
    /// Drop observations with coherence below --mask-threshold.
    Coherence,
}

/// Norm of the per-pixel inversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormArg {
    /// Weighted least squares (MintPy's inversion).
    L2,
    /// Least absolute deviations, exact (robust to unwrapping errors).
    L1,
}

/// Options of `sbas invert`.
#[derive(Debug, Args)]
pub struct InvertArgs {
    /// ISCE2 topsStack project folder, or MintPy `ifgramStack.h5` (or a folder holding
    /// `inputs/ifgramStack.h5`).
    pub stack: PathBuf,
    /// Run folder for the outputs (created if needed).
    #[arg(long = "out", short = 'o', value_name = "RUN_DIR")]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Zarr)]
    pub format: FormatArg,
    /// Weight of each interferogram (MintPy weightFunc).
    #[arg(long, value_enum, default_value_t = WeightArg::Var)]
    pub weight: WeightArg,
    /// Mask observations before inversion (MintPy maskDataset).
    #[arg(long = "mask-dataset", value_enum, default_value_t = MaskArg::No)]
    pub mask_dataset: MaskArg,
    /// Coherence threshold for --mask-dataset coherence (MintPy maskThreshold).
    #[arg(long = "mask-threshold", default_value_t = 0.4)]
    pub mask_threshold: f32,
    /// Minimum number of valid interferograms touching each date (MintPy minRedundancy).
    #[arg(long = "min-redundancy", default_value_t = 1.0)]
    pub min_redundancy: f32,
    /// Norm minimised per pixel: l2 (MintPy's least squares) or l1 (least absolute
    /// deviations, robust to unwrapping errors).
    #[arg(long, value_enum, default_value_t = NormArg::L2)]
    pub norm: NormArg,
    /// Temporal coherence threshold of maskTempCoh (MintPy minTempCoh).
    #[arg(long = "min-temp-coh", default_value_t = 0.7)]
    pub min_temp_coh: f32,
    /// Reference point as row,column (e.g. `--ref-yx 120,340`).
    #[arg(long = "ref-yx", value_name = "Y,X", conflicts_with = "ref_lalo")]
    pub ref_yx: Option<String>,
    /// Reference point as latitude,longitude in degrees, through the lat/lon lookup.
    #[arg(long = "ref-lalo", value_name = "LAT,LON", allow_hyphen_values = true)]
    pub ref_lalo: Option<String>,
    /// Minimum average spatial coherence of an automatic reference point.
    #[arg(long = "min-ref-coherence", default_value_t = 0.85)]
    pub min_ref_coherence: f32,
    /// Memory budget for the chunks in flight, e.g. `512MiB`, `4GB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
    /// Worker threads for the inversion (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a metadata value of the stack, MintPy key names (repeatable), e.g.
    /// `--meta WAVELENGTH=0.05546576 --meta NCORRLOOKS=14`.
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// Leave out every interferogram that includes this date, YYYYMMDD (repeatable; MintPy
    /// network.excludeDate).
    #[arg(long = "exclude-date", value_name = "DATE")]
    pub exclude_date: Vec<String>,
    /// Leave out this interferogram, YYYYMMDD_YYYYMMDD (repeatable; MintPy network.excludeDate12).
    #[arg(long = "exclude-pair", value_name = "D1_D2")]
    pub exclude_pair: Vec<String>,
    /// Leave out interferograms longer than this many days (MintPy network.tempBaseMax).
    #[arg(long = "max-temp-baseline", value_name = "DAYS")]
    pub max_temp_baseline: Option<f64>,
    /// Leave out interferograms whose |perpendicular baseline| exceeds this many metres (MintPy
    /// network.perpBaseMax).
    #[arg(long = "max-perp-baseline", value_name = "M")]
    pub max_perp_baseline: Option<f64>,
    /// Leave out interferograms whose average coherence is below this, except those of the
    /// minimum spanning tree (MintPy network.coherenceBased + minCoherence + keepMinSpanTree).
    #[arg(long = "min-coherence", value_name = "C")]
    pub min_coherence: Option<f32>,
    /// Discard an earlier run in RUN_DIR and start over (by default an interrupted run with the
    /// same inputs and settings is resumed, and one with other inputs or settings is refused).
    #[arg(long)]
    pub restart: bool,
    /// Add the unwrapping-error corrections of this file (`unwrapPhase_bridging.json` of
    /// `sbas correct unwrap`) to the phase as it is read.
    #[arg(long = "unwrap-fix", value_name = "FILE")]
    pub unwrap_fix: Option<PathBuf>,
    /// Make written chunks durable (synced to disk and recorded as done) at least this often,
    /// in seconds; 0 syncs after every chunk. A killed run recomputes at most this much work.
    #[arg(long = "sync-every", value_name = "SECONDS", default_value_t = 2.0)]
    pub sync_every: f64,
    /// Invert only part of the stack.
    #[command(flatten)]
    pub subset: super::subset::SubsetFlags,
    /// Multilook at load, as MintPy's mintpy.multilook.ystep/xstep: blocks of Y rows by X
    /// columns (after any subset) become one pixel; the last rows and columns that do not fill
    /// a block are dropped. Row/column options (--ref-yx) then count in the multilooked image.
    #[arg(long, value_name = "Y,X")]
    pub multilook: Option<String>,
    /// How --multilook reduces a block of phase and coherence: nearest (its centre pixel, as
    /// MintPy's default), mean or median (NaN left out). Connected components and geometry are
    /// always nearest.
    #[arg(
        long = "multilook-method",
        value_name = "METHOD",
        default_value = "nearest",
        requires = "multilook"
    )]
    pub multilook_method: String,
    /// Which files form the stack, where the layout's defaults are wrong.
    #[command(flatten)]
    pub files: Box<LoadFlags>,
    /// Print only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also draw the main maps as PNGs into RUN_DIR/pic/ (see `sbas view`).
    #[arg(long)]
    pub pic: bool,
    /// Only prepare a run to be split into parts: survey, reference point, chunk plan, the
    /// empty store and the manifest; no inversion. Then run the parts (`--part I/N`) and
    /// `sbas finalize RUN_DIR`.
    #[arg(long, conflicts_with = "part")]
    pub prepare: bool,
    /// With --prepare: fix the number of parts now (otherwise the first part to start fixes it).
    #[arg(long, value_name = "N", requires = "prepare")]
    pub parts: Option<usize>,
    /// Invert only part I of N of a prepared run: the chunks whose index modulo N is I-1. Inside
    /// a SLURM array job, a prepared run's part is read from SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN when this flag is absent.
    #[arg(long, value_name = "I/N", conflicts_with = "restart")]
    pub part: Option<String>,
}

/// MintPy's `mintpy.load.*File` globs as flags (quote them, so that the shell leaves the `*`
/// to sbas); relative globs are taken from the current folder; `none` turns a layer off.
#[derive(Debug, Args, Default)]
pub struct LoadFlags {
    /// Unwrapped interferograms, one per pair (mintpy.load.unwFile), e.g.
    /// 'merged/interferograms/*/filt_fine.unw'.
    #[arg(long = "unw-file", value_name = "GLOB")]
    pub unw_file: Option<String>,
    /// Coherence files (mintpy.load.corFile).
    #[arg(long = "cor-file", value_name = "GLOB")]
    pub cor_file: Option<String>,
    /// Connected-component files (mintpy.load.connCompFile).
    #[arg(long = "conn-comp-file", value_name = "GLOB")]
    pub conn_comp_file: Option<String>,
    /// DEM height in radar coordinates (mintpy.load.demFile).
    #[arg(long = "dem-file", value_name = "GLOB")]
    pub dem_file: Option<String>,
    /// Latitude lookup (mintpy.load.lookupYFile).
    #[arg(long = "lookup-y-file", value_name = "GLOB")]
    pub lookup_y_file: Option<String>,
    /// Longitude lookup (mintpy.load.lookupXFile).
    #[arg(long = "lookup-x-file", value_name = "GLOB")]
    pub lookup_x_file: Option<String>,
    /// Incidence angle, first band (mintpy.load.incAngleFile).
    #[arg(long = "inc-angle-file", value_name = "GLOB")]
    pub inc_angle_file: Option<String>,
    /// Azimuth angle, second band (mintpy.load.azAngleFile).
    #[arg(long = "az-angle-file", value_name = "GLOB")]
    pub az_angle_file: Option<String>,
    /// Shadow mask (mintpy.load.shadowMaskFile).
    #[arg(long = "shadow-mask-file", value_name = "GLOB")]
    pub shadow_mask_file: Option<String>,
    /// Water mask (mintpy.load.waterMaskFile).
    #[arg(long = "water-mask-file", value_name = "GLOB")]
    pub water_mask_file: Option<String>,
    /// Acquisition metadata (mintpy.load.metaFile), e.g. 'reference/IW*.xml'.
    #[arg(long = "meta-file", value_name = "GLOB")]
    pub meta_file: Option<String>,
    /// Folder of per-date baselines (mintpy.load.baselineDir).
    #[arg(long = "baseline-dir", value_name = "GLOB")]
    pub baseline_dir: Option<String>,
}

impl LoadFlags {
    /// The globs given (`none` or `no`: the layer is off).
    pub fn globs(&self) -> LoadGlobs {
        let mut g = LoadGlobs::new();
        for (key, v) in [
            (LoadKey::Unw, &self.unw_file),
            (LoadKey::Cor, &self.cor_file),
            (LoadKey::ConnComp, &self.conn_comp_file),
            (LoadKey::Dem, &self.dem_file),
            (LoadKey::LookupY, &self.lookup_y_file),
            (LoadKey::LookupX, &self.lookup_x_file),
            (LoadKey::IncAngle, &self.inc_angle_file),
            (LoadKey::AzAngle, &self.az_angle_file),
            (LoadKey::ShadowMask, &self.shadow_mask_file),
            (LoadKey::WaterMask, &self.water_mask_file),
            (LoadKey::Meta, &self.meta_file),
            (LoadKey::BaselineDir, &self.baseline_dir),
        ] {
            match v.as_deref().map(str::trim) {
                None => {}
                Some(t) if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("no") => {
                    g.disable(key)
                }
                Some(t) => g.set(key, t),
            }
        }
        g
    }
}

/// Parses `KEY=VALUE`; numeric keys are checked to hold numbers.
pub fn parse_meta(text: &str) -> anyhow::Result<(String, String)> {
    let (k, v) = text
        .split_once('=')
        .with_context(|| format!("--meta '{text}': expected KEY=VALUE"))?;
    let (k, v) = (k.trim(), v.trim());
    if k.is_empty() || v.is_empty() {
        bail!("--meta '{text}': expected KEY=VALUE");
    }
    const NUMERIC: [&str; 8] = [
        "WAVELENGTH",
        "NCORRLOOKS",
        "ALOOKS",
        "RLOOKS",
        "STARTING_RANGE",
        "RANGE_PIXEL_SIZE",
        "AZIMUTH_PIXEL_SIZE",
        "HEADING",
    ];
    if NUMERIC.contains(&k) && v.parse::<f64>().map(|x| !x.is_finite()).unwrap_or(true) {
        bail!("--meta {k}={v}: {k} must be a number");
    }
    Ok((k.to_string(), v.to_string()))
}

/// The clap name of a value-enum choice (what the user typed).
fn choice(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

impl InvertArgs {
    /// The `--multilook` / `--multilook-method` request, none for 1 x 1.
    fn multilook(&self) -> anyhow::Result<Option<crate::source::multilook::Multilook>> {
        let Some(text) = &self.multilook else {
            return Ok(None);
        };
        let (ystep, xstep) =
            crate::source::multilook::Multilook::parse_looks(text).context("--multilook")?;
        let method = self
            .multilook_method
            .parse()
            .context("--multilook-method")?;
        let ml = crate::source::multilook::Multilook {
            ystep,
            xstep,
            method,
        };
        Ok((!ml.is_noop()).then_some(ml))
    }

    /// The inversion settings of the command line, as a template of its flags: the same keys
    /// `sbas run` reads, so both are parsed and checked by one reader.
    pub fn settings(&self) -> Template {
        let mut flags: Vec<(&str, &'static str, String)> = vec![
            (
                "mintpy.networkInversion.weightFunc",
                "--weight",
                choice(self.weight),
            ),
            (
                "mintpy.networkInversion.maskDataset",
                "--mask-dataset",
                choice(self.mask_dataset),
            ),
            ("sbas.networkInversion.norm", "--norm", choice(self.norm)),
            (
                "mintpy.networkInversion.maskThreshold",
                "--mask-threshold",
                self.mask_threshold.to_string(),
            ),
            (
                "mintpy.networkInversion.minRedundancy",
                "--min-redundancy",
                self.min_redundancy.to_string(),
            ),
            (
                "mintpy.networkInversion.minTempCoh",
                "--min-temp-coh",
                self.min_temp_coh.to_string(),
            ),
            (
                "mintpy.reference.minCoherence",
                "--min-ref-coherence",
                self.min_ref_coherence.to_string(),
            ),
        ];
        let optional = [
            ("mintpy.reference.yx", "--ref-yx", self.ref_yx.clone()),
            ("mintpy.reference.lalo", "--ref-lalo", self.ref_lalo.clone()),
            (
                "mintpy.network.tempBaseMax",
                "--max-temp-baseline",
                self.max_temp_baseline.map(|v| v.to_string()),
            ),
            (
                "mintpy.network.perpBaseMax",
                "--max-perp-baseline",
                self.max_perp_baseline.map(|v| v.to_string()),
            ),
            (
                "mintpy.network.minCoherence",
                "--min-coherence",
                self.min_coherence.map(|v| v.to_string()),
            ),
            (
                "mintpy.network.coherenceBased",
                "--min-coherence",
                self.min_coherence.map(|_| "yes".to_string()),
            ),
            (
                "mintpy.network.excludeDate",
                "--exclude-date",
                list(&self.exclude_date),
            ),
            (
                "mintpy.network.excludeDate12",
                "--exclude-pair",
                list(&self.exclude_pair),
            ),
        ];
        flags.extend(
            optional
                .into_iter()
                .filter_map(|(k, f, v)| v.map(|v| (k, f, v))),
        );
        Template::from_flags(flags)
    }

    /// Turns the command line into run options, checking values.
    pub fn options(&self) -> anyhow::Result<InvertOptions> {
        let InversionSettings {
            network,
            reference,
            inversion,
        } = InversionSettings::from_template(&self.settings())?;
        let meta: Vec<(String, String)> = self
            .meta
            .iter()
            .map(|kv| parse_meta(kv))
            .collect::<anyhow::Result<_>>()?;
        Ok(InvertOptions {
            format: match self.format {
                FormatArg::Zarr => OutputFormat::Zarr,
                FormatArg::Hdf5 => OutputFormat::Hdf5,
            },
            config: inversion,
            reference,
            max_memory: parse_size(&self.max_memory).context("--max-memory")?,
            report: super::terminal::Terminal::reporter(self.quiet),
            restart: self.restart,
            meta: meta.clone(),
            network,
            subset: self.subset.request()?,
            multilook: self.multilook()?,
            restart_if_changed: false,
            load: {
                let mut g = self.files.globs();
                g.set_meta(meta);
                g
            },
            unwrap_fix: self.unwrap_fix.clone(),
            sync_every: std::time::Duration::try_from_secs_f64(self.sync_every).map_err(|_| {
                anyhow::anyhow!(
                    "--sync-every must be a number of seconds >= 0, not {}",
                    self.sync_every
                )
            })?,
        })
    }
}

/// A repeatable flag's values (each may itself be a comma list) as one list, if any.
fn list(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(","))
}

/// Sets the size of the global thread pool (once per process).
pub fn init_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the worker threads")?;
    }
    Ok(())
}

impl InvertArgs {
    /// Which phase this command does; `note` says how a part was chosen.
    fn phase(&self, note: &mut Option<String>) -> anyhow::Result<Phase> {
        if self.prepare {
            return Ok(Phase::Prepare { parts: self.parts });
        }
        if let Some(text) = &self.part {
            let part: Part = text.parse().context("--part")?;
            *note = Some(format!("part {part} (from --part)"));
            return Ok(Phase::Part(part));
        }
        // A plain command inside an array job stays one process unless the run was prepared
        // for parts, so arrays of independent runs keep working as before.
        let env = |k: &str| std::env::var(k).ok();
        if env("SLURM_ARRAY_TASK_ID").is_none() || read_invocation(&self.out)?.is_none() {
            return Ok(Phase::Whole);
        }
        slurm_part(note).map(Phase::Part)
    }
}

/// The part of a prepared run this SLURM array task is; `note` says where it came from.
pub fn slurm_part(note: &mut Option<String>) -> anyhow::Result<Part> {
    let env = |k: &str| std::env::var(k).ok();
    let part = Part::from_slurm_env(env)?.context("reading the SLURM array task")?;
    *note = Some(format!(
        "part {part} (from SLURM_ARRAY_TASK_ID={}, SLURM_ARRAY_TASK_COUNT={}, \
         SLURM_ARRAY_TASK_MIN={})",
        env("SLURM_ARRAY_TASK_ID").unwrap_or_default(),
        env("SLURM_ARRAY_TASK_COUNT").unwrap_or_default(),
        env("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "unset".into())
    ));
    Ok(part)
}

/// An `sbas invert` command line (the arguments after `invert`), parsed.
#[derive(Debug, clap::Parser)]
#[command(name = "sbas invert")]
struct InvertCommand {
    #[command(flatten)]
    args: InvertArgs,
}

/// Parses the arguments of `sbas invert` (those after `invert`).
pub fn parse_invert_args(args: &[String]) -> anyhow::Result<InvertArgs> {
    use clap::Parser;
    let argv = std::iter::once("sbas invert".to_string()).chain(args.iter().cloned());
    InvertCommand::try_parse_from(argv)
        .map(|c| c.args)
        .map_err(|e| anyhow::anyhow!("{}", e.render().to_string().trim_end()))
}

/// The arguments after `sbas invert` on this process's command line.
fn invert_argv() -> anyhow::Result<Vec<String>> {
    argv_after("invert")
}

/// The arguments after the subcommand `sub` on this process's command line.
pub fn argv_after(sub: &str) -> anyhow::Result<Vec<String>> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| {
            a.into_string().map_err(|a| {
                anyhow::anyhow!(
                    "argument {} is not UTF-8 text; --prepare records the command line as text",
                    a.to_string_lossy()
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    // The program's own path (argument 0) is not the subcommand, whatever it is called.
    let at = args
        .iter()
        .skip(1)
        .position(|a| a == sub)
        .with_context(|| format!("the command line lacks the `{sub}` subcommand"))?;
    Ok(args[at + 2..].to_vec())
}

/// Runs `sbas invert`.
pub fn run(args: &InvertArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    init_threads(args.threads)?;
    let mut note = None;
    let phase = args.phase(&mut note)?;
    if let Some(n) = note {
        opts.report.info(n);
    }
    if let Phase::Prepare { .. } = phase {
        // Read now, recorded after the prepare step succeeded (a fresh run clears the state
        // folder first).
        let inv = Invocation {
            cwd: std::env::current_dir().context("reading the current folder")?,
            args: invert_argv()?,
        };
        invert_stack_phase(&args.stack, &args.out, &opts, phase)?;
        return write_invocation(&args.out, &inv);
    }
    let report = invert_stack_phase(&args.stack, &args.out, &opts, phase)?;
    if let Phase::Part(part) = phase {
        if !args.quiet {
            println!(
                "part {part}: {} chunks inverted; finalize with `sbas finalize {}` once every part \
                 is done",
                report.stats.chunks,
                args.out.display()
            );
        }
        return Ok(());
    }
    print_outputs(args, &report)
}

/// Prints the outputs of a run (and draws its maps with --pic).
pub fn print_outputs(args: &InvertArgs, report: &InvertReport) -> anyhow::Result<()> {
    let pictures = if args.pic && !args.prepare {
        crate::plot::overview(&args.out)?
    } else {
        Vec::new()
    };
    if !args.quiet {
        println!("outputs:");
        for f in report.outputs.iter().chain(&pictures) {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
