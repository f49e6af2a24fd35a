//! `sbas invert` as a library call. A run has three phases, each its own module: [`prepare`]
//! (check the stack, open or start the run's state, fix the chunk plan and the reference point
//! in the manifest), [`execute`] (invert a set of chunks into the store) and [`finalize`] (close
//! the store, assemble HDF5, mark the run complete). [`invert_source`] chains them in one
//! process; [`split`] runs them in separate processes, the chunks shared out among parts.

mod execute;
mod finalize;
mod prepare;
mod split;

pub use execute::{execute, Executed};
pub use finalize::{finalize, finish_complete};
pub use prepare::{prepare, prepare_part, PreparedRun};
pub use split::{finalize_run, prepare_only, run_part, Phase};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::invert::{InversionConfig, ObsMask, SolverKind, WeightFunc};
use crate::network_edit::{self, EditedStack, NetworkEdit};
use crate::pipeline::PassStats;
use crate::product::inversion::OutputFormat;
use crate::report::Reporter;
use crate::source::{open_stack_globs, StackSource};
use crate::survey::{RefRequest, ReferencePoint};

/// Options of one inversion run.
#[derive(Debug, Clone)]
pub struct InvertOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Science settings.
    pub config: InversionConfig,
    /// Reference point request.
    pub reference: RefRequest,
    /// Memory budget for chunk buffers in flight, bytes.
    pub max_memory: u64,
    /// Where progress, log lines and warnings go (silent by default).
    pub report: Reporter,
    /// Discard an earlier run in the output folder instead of resuming it.
    pub restart: bool,
    /// Metadata that override the stack's (MintPy key names, e.g. `WAVELENGTH`, `NCORRLOOKS`).
    pub meta: Vec<(String, String)>,
    /// Interferograms to leave out (MintPy modify_network); the default keeps all.
    pub network: NetworkEdit,
    /// Invert only this part of the stack (only its rows and columns are read); row/column
    /// options such as a `RefRequest::Yx` reference are then in the subset image, as in MintPy.
    pub subset: Option<crate::geo::SubsetRequest>,
    /// Multilook the (subset) stack at load, as MintPy's `mintpy.multilook.*`: blocks of
    /// `ystep` x `xstep` pixels become one; row/column options then count in the multilooked
    /// image.
    pub multilook: Option<crate::source::multilook::Multilook>,
    /// Start over (instead of refusing) when the run folder holds a run of other inputs or
    /// settings: MintPy's update mode, used by `sbas run`.
    pub restart_if_changed: bool,
    /// Longest time written chunks wait to be made durable (synced and recorded as done); zero
    /// syncs after every chunk. A killed run recomputes at most this much work.
    pub sync_every: std::time::Duration,
    /// File globs of the stack (MintPy's `mintpy.load.*File`) in place of its format's
    /// defaults; empty: the format's defaults.
    pub load: crate::source::layout::LoadGlobs,
    /// Unwrapping-error corrections (an `unwrapPhase_*.json` of `sbas correct unwrap`) added
    /// to the phase as it is read; `None`: the phase as stored.
    pub unwrap_fix: Option<PathBuf>,
}

impl Default for InvertOptions {
    fn default() -> Self {
        InvertOptions {
            format: OutputFormat::Zarr,
            config: InversionConfig::default(),
            reference: RefRequest::Auto {
                min_coherence: 0.85,
            },
            max_memory: 2 << 30,
            report: Reporter::silent(),
            restart: false,
            meta: Vec::new(),
            network: NetworkEdit::default(),
            subset: None,
            multilook: None,
            restart_if_changed: false,
            sync_every: crate::pipeline::SYNC_INTERVAL,
            load: crate::source::layout::LoadGlobs::new(),
            unwrap_fix: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct InvertReport {
    /// The reference point.
    pub reference: ReferencePoint,
    /// Totals of the inversion pass.
    pub stats: PassStats,
    /// Output files or stores written.
    pub outputs: Vec<PathBuf>,
    /// Rows per chunk and number of chunks.
    pub rows_per_chunk: usize,
    /// Number of chunks.
    pub chunks: usize,
    /// Chunks already done by an earlier, interrupted run.
    pub resumed_chunks: usize,
    /// Dates N and pairs M.
    pub num_dates: usize,
    /// Interferograms used.
    pub num_pairs: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Where the network falls apart into separate parts (empty when connected).
    pub network_gaps: Vec<String>,
}

pub use crate::product::inversion::OUTPUT_NAMES;

/// Inverts the stack at `stack` into `out_dir`, resuming an interrupted run of the same inputs
/// and settings there.
pub fn invert_stack(
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
) -> anyhow::Result<InvertReport> {
    invert_stack_phase(stack, out_dir, opts, Phase::Whole)
}

/// Does `phase` of the run of the stack at `stack` in `out_dir` (see [`Phase`]).
pub fn invert_stack_phase(
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    phase: Phase,
) -> anyhow::Result<InvertReport> {
    let start = Instant::now();
    with_stack_view(stack, opts, |source| {
        let fix = match &opts.unwrap_fix {
            None => return run_phase(source, stack, out_dir, opts, start, phase),
            Some(path) => crate::source::unwrap_fix::UnwrapFix::read(path)?,
        };
        opts.report.info(format!(
            "unwrapping-error corrections {}: {} corrected samples",
            fix.dataset,
            fix.num_corrected()
        ));
        let fixed = crate::source::unwrap_fix::FixedStack::new(source, &fix)
            .with_context(|| format!("applying {}", fix.dataset))?;
        run_phase(&fixed, stack, out_dir, opts, start, phase)
    })
}

/// Opens the stack at `stack` as the inversion sees it (the options' file globs, subset,
/// multilook and network edit, not the unwrapping corrections) and hands it to `f`.
pub fn with_stack_view<T>(
    stack: &Path,
    opts: &InvertOptions,
    f: impl FnOnce(&dyn StackSource) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let source = open_stack_globs(stack, &opts.load)
        .with_context(|| format!("opening stack {}", stack.display()))?;
    if let Some(note) = crate::source::layout_note(stack, &opts.load, source.info()) {
        opts.report.info(note);
    }
    let source = match &opts.subset {
        None => source,
        Some(req) => {
            let window = crate::geo::resolve_subset(source.as_ref(), req)
                .with_context(|| format!("subset {} of {}", req.describe(), stack.display()))?;
            opts.report.info(format!(
                "subset {}: rows {}..{}, columns {}..{} of the {} x {} stack",
                req.describe(),
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                source.info().length,
                source.info().width
            ));
            Box::new(crate::geo::SubsetSource::new(source, window)?)
        }
    };
    let source = match opts.multilook {
        Some(ml) if !ml.is_noop() => {
            let view = crate::source::multilook::MultilookSource::new(source, ml)
                .with_context(|| format!("multilooking {}", stack.display()))?;
            opts.report.info(format!(
                "multilook {}: {} x {} pixels",
                ml.describe(),
                view.info().length,
                view.info().width
            ));
            Box::new(view)
        }
        _ => source,
    };
    if opts.network.is_noop() {
        return f(source.as_ref());
    }
    let dropped = network_edit::resolve(
        source.as_ref(),
        &opts.network,
        opts.max_memory,
        &opts.report,
    )?;
    let edited = EditedStack::new(source.as_ref(), &dropped)?;
    f(&edited)
}

fn run_phase(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    start: Instant,
    phase: Phase,
) -> anyhow::Result<InvertReport> {
    match phase {
        Phase::Whole => invert_source(source, stack, out_dir, opts, start),
        Phase::Prepare { parts } => prepare_only(source, stack, out_dir, opts, parts, start),
        Phase::Part(part) => run_part(source, stack, out_dir, opts, part, start),
        Phase::Finalize => finalize_run(source, stack, out_dir, opts, start),
    }
}

/// The settings that change a run's outputs, as recorded in its manifest.
fn settings(opts: &InvertOptions) -> Vec<(String, String)> {
    let c = &opts.config;
    let mut v = vec![
        ("format", format!("{:?}", opts.format).to_lowercase()),
        ("weight", weight_name(c.weight).to_string()),
        (
            "mask-dataset",
            match c.mask {
                None => "no".to_string(),
                Some(ObsMask::ConnComp) => "connectComponent".to_string(),
                Some(ObsMask::Coherence(t)) => format!("coherence < {t}"),
            },
        ),
        ("min-redundancy", c.min_redundancy.to_string()),
        ("min-temp-coh", c.min_temp_coh.to_string()),
    ];
    // Only when not the default, so that earlier runs' manifests still match.
    if c.solver != SolverKind::L2 {
        v.push(("norm", c.solver.name().to_string()));
    }
    v.push((
        "reference",
        match opts.reference {
            RefRequest::Yx(y, x) => format!("y/x {y},{x}"),
            RefRequest::Lalo(a, o) => format!("lat/lon {a},{o}"),
            RefRequest::Auto { min_coherence } => {
                format!("automatic (min coherence {min_coherence})")
            }
        },
    ));
    let mut v: Vec<(String, String)> = v.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for (k, val) in &opts.meta {
        v.push((format!("meta {k}"), val.clone()));
    }
    // Recorded only when given, so runs made before subsets existed still resume.
    if let Some(req) = &opts.subset {
        v.push(("subset".to_string(), req.describe()));
    }
    if let Some(ml) = opts.multilook.filter(|m| !m.is_noop()) {
        v.push(("multilook".to_string(), ml.describe()));
    }
    for (k, val) in opts.network.describe() {
        v.push((format!("network {k}"), val));
    }
    // The corrections' content, so a run over other corrections is not resumed.
    if let Some(path) = &opts.unwrap_fix {
        let digest = std::fs::read(path)
            .map(|b| format!("{} bytes, fnv1a {:016x}", b.len(), fnv1a(&b)))
            .unwrap_or_else(|e| format!("unreadable: {e}"));
        v.push((
            "unwrap-fix".to_string(),
            format!("{} ({digest})", path.display()),
        ));
    }
    v
}

/// FNV-1a hash of `bytes`: a fingerprint, not a security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn weight_name(w: WeightFunc) -> &'static str {
    match w {
        WeightFunc::Var => "var",
        WeightFunc::Fim => "fim",
        WeightFunc::Coh => "coh",
        WeightFunc::No => "no",
    }
}

/// Inverts an already opened stack (read from `stack`) into `out_dir`: the three phases of a
/// run in one process.
pub fn invert_source(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    let mut run = prepare(source, stack, out_dir, opts)?;
    if run.state.complete {
        return finish_complete(&run, start);
    }
    let todo = run.todo();
    let executed = execute(&mut run, &todo, true)?;
    finalize(run, executed, start)
}
