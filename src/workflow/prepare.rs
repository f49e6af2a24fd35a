//! The first phase of a run: everything decided once, before any chunk is inverted. The stack
//! is checked, the run folder's state opened (fresh, or resumed with the plan and reference point
//! its manifest recorded), and a fresh run fixes its chunk plan and reference point in the
//! manifest, so that later phases (in this process or in others) only read them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::{settings, weight_name, InvertOptions, OUTPUT_NAMES};
use crate::invert::{Inverter, ObsMask, WeightFunc};
use crate::meta::{phase_to_range, Attributes};
use crate::network::Network;
use crate::parts::Part;
use crate::plan::{format_size, ChunkPlan, PixelCost};
use crate::product::inversion::OutputSpec;
use crate::resume::{changes_since, fingerprint, FixedChoices, Opened, RunIdentity, RunState};
use crate::source::{StackLayer, StackSource};
use crate::survey::{choose_reference, RefRequest, ReferencePoint};

/// A run whose plan and reference point are fixed and whose state is open (and locked).
pub struct PreparedRun<'a> {
    /// The stack read.
    pub source: &'a dyn StackSource,
    /// The options of the run.
    pub opts: &'a InvertOptions,
    /// The run folder.
    pub out_dir: PathBuf,
    /// What the run was started with.
    pub identity: RunIdentity,
    /// The folder's state: done chunks, fixed choices, lock.
    pub state: RunState,
    /// The chunk plan.
    pub plan: ChunkPlan,
    /// The reference point (with its phase per interferogram).
    pub reference: ReferencePoint,
    /// Shape, dates and attributes of the outputs.
    pub spec: OutputSpec,
    /// Where the network falls apart into separate parts (empty when connected).
    pub network_gaps: Vec<String>,
    num_looks: f64,
    wavelength: f64,
}

impl PreparedRun<'_> {
    /// The chunks not yet durable, in plan order.
    pub fn todo(&self) -> Vec<usize> {
        (0..self.plan.chunks.len())
            .filter(|id| !self.state.done.contains(id))
            .collect()
    }

    /// The inverter of the run's network, settings and reference point.
    pub fn inverter(&self) -> Inverter {
        Inverter::new(
            self.source.info().network.clone(),
            self.opts.config.clone(),
            self.reference.phase.clone(),
            (self.reference.y, self.reference.x),
            self.num_looks,
            phase_to_range(self.wavelength),
        )
    }
}

/// Checks the stack and opens (or starts) the run in `out_dir`: the first phase of a run.
pub fn prepare<'a>(
    source: &'a dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &'a InvertOptions,
) -> anyhow::Result<PreparedRun<'a>> {
    prepare_with(source, stack, out_dir, opts, None)
}

/// Opens the prepared run in `out_dir` for one of its parts: its plan and reference point come
/// from the manifest, which must match this invocation; the state is locked for this part only.
pub fn prepare_part<'a>(
    source: &'a dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &'a InvertOptions,
    part: Part,
) -> anyhow::Result<PreparedRun<'a>> {
    prepare_with(source, stack, out_dir, opts, Some(part))
}

fn prepare_with<'a>(
    source: &'a dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &'a InvertOptions,
    part: Option<Part>,
) -> anyhow::Result<PreparedRun<'a>> {
    let info = source.info();
    let net = &info.network;
    let rep = &opts.report;
    let n = net.num_dates();
    rep.info(format!(
        "stack: {} rows x {} columns, {n} dates ({} .. {}), {} interferograms",
        info.length,
        info.width,
        net.dates[0],
        net.dates[n - 1],
        net.num_pairs()
    ));
    for w in &info.warnings {
        rep.warn(w);
    }
    // Metadata given on the command line override the stack's own.
    let mut stack_attrs = info.attrs.clone();
    for (k, v) in &opts.meta {
        stack_attrs.set(k.clone(), v);
    }
    let (wavelength, num_looks) = physical_constants(&stack_attrs, opts)?;
    if opts.config.mask == Some(ObsMask::ConnComp) && !info.has_layer(StackLayer::ConnComp) {
        bail!("--mask-dataset connectComponent: the stack has no connected-component files");
    }
    let network_gaps = network_gaps(net);
    if !network_gaps.is_empty() {
        rep.warn(format!(
            "the interferogram network falls apart into {} separate parts (breaks: {}); \
             such pixels are solved with minimum norm, as MintPy does, and their displacement across \
             a break is not constrained",
            network_gaps.len() + 1,
            network_gaps.join(", ")
        ));
    }

    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("creating the output folder {}", out_dir.display()))?;
    let identity = RunIdentity {
        stack: std::fs::canonicalize(stack)
            .unwrap_or_else(|_| stack.to_path_buf())
            .display()
            .to_string(),
        settings: settings(opts),
        inputs: fingerprint(&info.files)?,
    };
    let (state, plan, reference) = open_state(source, out_dir, &identity, opts, part)?;
    rep.info(format!(
        "plan: {} chunks of {} rows under --max-memory {}",
        plan.chunks.len(),
        plan.rows_per_chunk,
        format_size(opts.max_memory)
    ));
    rep.info(format!(
        "reference point: y={}, x={}{} ({})",
        reference.y,
        reference.x,
        reference
            .lalo
            .map(|(a, o)| format!(", lat={a:.5}, lon={o:.5}"))
            .unwrap_or_default(),
        reference.how
    ));
    let spec = OutputSpec {
        dir: out_dir.to_path_buf(),
        length: info.length,
        width: info.width,
        chunk_rows: plan.rows_per_chunk,
        dates: net.dates.clone(),
        bperp: net.date_bperp(),
        attrs: output_attributes(&stack_attrs, info.length, info.width, &reference, opts, net),
    };
    Ok(PreparedRun {
        source,
        opts,
        out_dir: out_dir.to_path_buf(),
        identity,
        state,
        plan,
        reference,
        spec,
        network_gaps,
        num_looks,
        wavelength,
    })
}

/// The radar wavelength and, for the var and fim weights, the number of looks.
fn physical_constants(attrs: &Attributes, opts: &InvertOptions) -> anyhow::Result<(f64, f64)> {
    let wavelength = attrs
        .get_f64("WAVELENGTH")
        .context("the stack metadata lacks the radar wavelength (WAVELENGTH)")?;
    let num_looks = match opts.config.weight {
        WeightFunc::Var | WeightFunc::Fim => crate::invert::num_looks(attrs)
            .context("the var and fim weights need the number of looks")?,
        _ => 1.0,
    };
    Ok((wavelength, num_looks))
}

/// Opens the run state: a fresh run plans its chunks and chooses its reference point (and
/// records both); a resumed one takes them from its manifest.
fn open_state(
    source: &dyn StackSource,
    out_dir: &Path,
    identity: &RunIdentity,
    opts: &InvertOptions,
    part: Option<Part>,
) -> anyhow::Result<(RunState, ChunkPlan, ReferencePoint)> {
    let info = source.info();
    let (m, n) = (info.network.num_pairs(), info.network.num_dates());
    let rep = &opts.report;
    let stack_layers = 2 + usize::from(opts.config.mask == Some(ObsMask::ConnComp));
    let cost = PixelCost::inversion(m, n, stack_layers, 2);
    let survey_progress =
        |plan: &ChunkPlan| rep.progress("survey", plan.chunks.len(), info.length * info.width);
    let opened = match part {
        Some(part) => Opened::Resume(RunState::open_part(out_dir, identity, part)?),
        None => {
            let restart = opts.restart || restart_for_changes(out_dir, identity, opts);
            RunState::open(out_dir, identity, restart, &OUTPUT_NAMES)?
        }
    };
    match opened {
        Opened::Fresh(lock) => {
            let plan = ChunkPlan::new(
                info.length,
                info.width,
                cost,
                opts.max_memory,
                info.preferred_rows,
            )?;
            let reference =
                choose_reference(source, &plan, opts.reference, &survey_progress(&plan))?;
            let fixed = FixedChoices {
                rows_per_chunk: plan.rows_per_chunk,
                chunks: plan.chunks.len(),
                ref_yx: (reference.y, reference.x),
                ref_how: reference.how.clone(),
            };
            let state = RunState::create(out_dir, lock, identity, fixed)?;
            Ok((state, plan, reference))
        }
        Opened::Resume(state) => {
            let f = state.fixed.clone();
            let plan = ChunkPlan::with_rows(
                info.length,
                info.width,
                f.rows_per_chunk,
                cost,
                opts.max_memory,
            )?;
            if plan.chunks.len() != f.chunks {
                bail!(
                    "the run in {} was planned differently; start over with --restart",
                    out_dir.display()
                );
            }
            let mut reference = choose_reference(
                source,
                &plan,
                RefRequest::Yx(f.ref_yx.0, f.ref_yx.1),
                &survey_progress(&plan),
            )?;
            reference.how = f.ref_how.clone();
            if state.complete {
                rep.info(format!(
                    "{} already holds the complete result of this run",
                    out_dir.display()
                ));
            } else if part.is_none() {
                rep.info(format!(
                    "resuming: {} of {} chunks were already done",
                    state.done.len(),
                    plan.chunks.len()
                ));
            }
            Ok((state, plan, reference))
        }
    }
}

/// Whether `sbas run`'s update mode starts over because the inputs or settings changed.
fn restart_for_changes(out_dir: &Path, identity: &RunIdentity, opts: &InvertOptions) -> bool {
    if !opts.restart_if_changed {
        return false;
    }
    let changes = changes_since(out_dir, identity);
    if changes.is_empty() {
        return false;
    }
    opts.report.info(format!(
        "the inputs or settings changed since the last inversion in {}; inverting again:\n  {}",
        out_dir.display(),
        changes.join("\n  ")
    ));
    true
}

/// Describes where the network of all pairs breaks, as `lastdate|firstdate` of consecutive parts.
fn network_gaps(net: &Network) -> Vec<String> {
    let parts = net.components(|_| true);
    parts
        .windows(2)
        .map(|w| {
            let last = w[0].iter().copied().max().unwrap_or(0);
            let first = w[1].iter().copied().min().unwrap_or(0);
            format!("{} | {}", net.dates[last], net.dates[first])
        })
        .collect()
}

/// Root metadata of every output: the stack's, plus the reference and the inversion settings
/// under MintPy's key names.
fn output_attributes(
    stack: &Attributes,
    length: usize,
    width: usize,
    reference: &ReferencePoint,
    opts: &InvertOptions,
    net: &Network,
) -> Attributes {
    let mut a = stack.clone();
    a.set("LENGTH", length);
    a.set("WIDTH", width);
    a.set("REF_Y", reference.y);
    a.set("REF_X", reference.x);
    if let Some((lat, lon)) = reference.lalo {
        a.set("REF_LAT", lat);
        a.set("REF_LON", lon);
    }
    a.set("REF_DATE", net.dates[0]);
    a.set("START_DATE", net.dates[0]);
    a.set("END_DATE", net.dates[net.num_dates() - 1]);
    let c = &opts.config;
    let weight = weight_name(c.weight);
    let (mask, thr) = match c.mask {
        None => ("no", 0.4),
        Some(ObsMask::ConnComp) => ("connectComponent", 0.4),
        Some(ObsMask::Coherence(t)) => ("coherence", t),
    };
    a.set("mintpy.networkInversion.obsDatasetName", "unwrapPhase");
    a.set("mintpy.networkInversion.numIfgram", net.num_pairs());
    a.set("mintpy.networkInversion.weightFunc", weight);
    a.set("mintpy.networkInversion.maskDataset", mask);
    a.set("mintpy.networkInversion.maskThreshold", thr);
    a.set("mintpy.networkInversion.minRedundancy", c.min_redundancy);
    a.set("mintpy.networkInversion.minNormVelocity", "True");
    a.set("mintpy.networkInversion.minTempCoh", c.min_temp_coh);
    if c.solver != crate::invert::SolverKind::L2 {
        a.set("sbas.networkInversion.norm", c.solver.name());
    }
    a.set("sbas.version", env!("CARGO_PKG_VERSION"));
    a
}
