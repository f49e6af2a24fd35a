//! `sbas invert` as a library call: open the stack, plan chunks, choose the reference point,
//! run the inversion pipeline and finalize the outputs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::invert::{InversionConfig, Inverter, ObsMask, WeightFunc};
use crate::meta::{phase_to_range, Attributes};
use crate::network_edit::{self, EditedStack, NetworkEdit};
use crate::pipeline::{run_inversion, Durability, PassStats};
use crate::plan::{format_size, ChunkPlan, PixelCost};
use crate::product::{write_geometry, Product, GEOMETRY_STEM};
use crate::progress::{Progress, ProgressMode};
use crate::resume::{changes_since, fingerprint, FixedChoices, Opened, RunIdentity, RunState};
use crate::sink::{
    create_sink, staging_dir, store_path, write_hdf5_from_staging, OutputFormat, OutputSpec,
};
use crate::source::{open_stack, StackLayer, StackSource};
use crate::survey::{choose_reference, RefRequest, ReferencePoint};

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
    /// Progress display.
    pub progress: ProgressMode,
    /// Discard an earlier run in the output folder instead of resuming it.
    pub restart: bool,
    /// Metadata that override the stack's (MintPy key names, e.g. `WAVELENGTH`, `NCORRLOOKS`).
    pub meta: Vec<(String, String)>,
    /// Interferograms to leave out (MintPy modify_network); the default keeps all.
    pub network: NetworkEdit,
    /// Invert only this part of the stack (only its rows and columns are read); row/column
    /// options such as a `RefRequest::Yx` reference are then in the subset image, as in MintPy.
    pub subset: Option<crate::geo::SubsetRequest>,
    /// Start over (instead of refusing) when the run folder holds a run of other inputs or
    /// settings: MintPy's update mode, used by `sbas run`.
    pub restart_if_changed: bool,
    /// Longest time written chunks wait to be made durable (synced and recorded as done); zero
    /// syncs after every chunk. A killed run recomputes at most this much work.
    pub sync_every: std::time::Duration,
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
            progress: ProgressMode::Auto,
            restart: false,
            meta: Vec::new(),
            network: NetworkEdit::default(),
            subset: None,
            restart_if_changed: false,
            sync_every: crate::pipeline::SYNC_INTERVAL,
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

/// Every output name a run may leave in its folder (removed by `--restart`).
pub const OUTPUT_NAMES: [&str; 6] = [
    crate::sink::STORE_NAME,
    "timeseries.h5",
    "temporalCoherence.h5",
    "numInvIfgram.h5",
    "avgSpatialCoh.h5",
    "maskTempCoh.h5",
];

/// Inverts the stack at `stack` into `out_dir`, resuming an interrupted run of the same inputs
/// and settings there.
pub fn invert_stack(
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
) -> anyhow::Result<InvertReport> {
    let start = Instant::now();
    let source = open_stack(stack).with_context(|| format!("opening stack {}", stack.display()))?;
    let source = match &opts.subset {
        None => source,
        Some(req) => {
            let window = crate::geo::resolve_subset(source.as_ref(), req)
                .with_context(|| format!("subset {} of {}", req.describe(), stack.display()))?;
            if opts.progress != ProgressMode::Quiet {
                eprintln!(
                    "subset {}: rows {}..{}, columns {}..{} of the {} x {} stack",
                    req.describe(),
                    window.y0,
                    window.y1,
                    window.x0,
                    window.x1,
                    source.info().length,
                    source.info().width
                );
            }
            Box::new(crate::geo::SubsetSource::new(source, window)?)
        }
    };
    if opts.network.is_noop() {
        return invert_source(source.as_ref(), stack, out_dir, opts, start);
    }
    let dropped = network_edit::resolve(
        source.as_ref(),
        &opts.network,
        opts.max_memory,
        opts.progress == ProgressMode::Quiet,
    )?;
    let edited = EditedStack::new(source.as_ref(), &dropped)?;
    invert_source(&edited, stack, out_dir, opts, start)
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
    for (k, val) in opts.network.describe() {
        v.push((format!("network {k}"), val));
    }
    v
}

fn weight_name(w: WeightFunc) -> &'static str {
    match w {
        WeightFunc::Var => "var",
        WeightFunc::Fim => "fim",
        WeightFunc::Coh => "coh",
        WeightFunc::No => "no",
    }
}

/// Inverts an already opened stack (read from `stack`) into `out_dir`.
pub fn invert_source(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    let info = source.info();
    let net = &info.network;
    let (m, n) = (net.num_pairs(), net.num_dates());
    let quiet = opts.progress == ProgressMode::Quiet;
    let say = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    say(format!(
        "stack: {} rows x {} columns, {n} dates ({} .. {}), {m} interferograms",
        info.length,
        info.width,
        net.dates[0],
        net.dates[n - 1]
    ));

    // Metadata given on the command line override the stack's own.
    let mut stack_attrs = info.attrs.clone();
    for (k, v) in &opts.meta {
        stack_attrs.set(k.clone(), v);
    }
    let wavelength = stack_attrs
        .get_f64("WAVELENGTH")
        .context("the stack metadata lacks the radar wavelength (WAVELENGTH)")?;
    let num_looks = match opts.config.weight {
        WeightFunc::Var | WeightFunc::Fim => crate::invert::num_looks(&stack_attrs)
            .context("the var and fim weights need the number of looks")?,
        _ => 1.0,
    };
    if opts.config.mask == Some(ObsMask::ConnComp) && !info.has_layer(StackLayer::ConnComp) {
        bail!("--mask-dataset connectComponent: the stack has no connected-component files");
    }

    let network_gaps = network_gaps(net);
    if !network_gaps.is_empty() {
        eprintln!(
            "warning: the interferogram network falls apart into {} separate parts (breaks: {}); \
             such pixels are solved with minimum norm, as MintPy does, and their displacement across \
             a break is not constrained",
            network_gaps.len() + 1,
            network_gaps.join(", ")
        );
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
    let stack_layers = 2 + usize::from(opts.config.mask == Some(ObsMask::ConnComp));
    let cost = PixelCost::inversion(m, n, stack_layers, 2);
    let survey_progress = |plan: &ChunkPlan| {
        Progress::new(
            opts.progress,
            "survey",
            plan.chunks.len(),
            info.length * info.width,
        )
    };

    let mut restart = opts.restart;
    if opts.restart_if_changed && !restart {
        let changes = changes_since(out_dir, &identity);
        if !changes.is_empty() {
            say(format!(
                "the inputs or settings changed since the last inversion in {}; inverting again:\n  {}",
                out_dir.display(),
                changes.join("\n  ")
            ));
            restart = true;
        }
    }
    let (mut state, plan, reference) =
        match RunState::open(out_dir, &identity, restart, &OUTPUT_NAMES)? {
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
                (
                    RunState::create(out_dir, lock, &identity, fixed)?,
                    plan,
                    reference,
                )
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
                    say(format!(
                        "{} already holds the complete result of this run",
                        out_dir.display()
                    ));
                } else {
                    say(format!(
                        "resuming: {} of {} chunks were already done",
                        state.done.len(),
                        plan.chunks.len()
                    ));
                }
                (state, plan, reference)
            }
        };
    say(format!(
        "plan: {} chunks of {} rows under --max-memory {}",
        plan.chunks.len(),
        plan.rows_per_chunk,
        format_size(opts.max_memory)
    ));
    say(format!(
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
    let staging = staging_dir(out_dir);
    let report = |stats: PassStats,
                  outputs: Vec<PathBuf>,
                  resumed: usize,
                  reference: ReferencePoint| InvertReport {
        reference,
        stats,
        outputs,
        rows_per_chunk: plan.rows_per_chunk,
        chunks: plan.chunks.len(),
        resumed_chunks: resumed,
        num_dates: n,
        num_pairs: m,
        elapsed: start.elapsed(),
        network_gaps: network_gaps.clone(),
    };
    if state.complete {
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("removing {}", staging.display()))?;
        }
        let mut outputs = match opts.format {
            OutputFormat::Zarr => vec![store_path(out_dir)],
            OutputFormat::Hdf5 => OUTPUT_NAMES[1..].iter().map(|f| out_dir.join(f)).collect(),
        };
        // Runs finished before the geometry was kept get it now.
        if !Product::exists(out_dir, GEOMETRY_STEM) {
            outputs.extend(write_geometry(
                source,
                out_dir,
                opts.format,
                &spec.attrs,
                plan.rows_per_chunk,
            )?);
        }
        return Ok(report(
            PassStats::default(),
            outputs,
            plan.chunks.len(),
            reference,
        ));
    }

    let inverter = Inverter::new(
        net.clone(),
        opts.config.clone(),
        reference.phase.clone(),
        (reference.y, reference.x),
        num_looks,
        phase_to_range(wavelength),
    );
    // HDF5 runs write their chunks to a Zarr staging store and assemble the files at the end.
    let chunk_spec = match opts.format {
        OutputFormat::Zarr => spec.clone(),
        OutputFormat::Hdf5 => OutputSpec {
            dir: staging.clone(),
            ..spec.clone()
        },
    };
    let mut sink = create_sink(OutputFormat::Zarr, &chunk_spec)?;
    let resumed = state.done.len();
    let todo: Vec<usize> = (0..plan.chunks.len())
        .filter(|id| !state.done.contains(id))
        .collect();
    let todo_pixels = todo.iter().map(|&id| plan.chunks[id].pixels()).sum();
    let progress = Progress::new(opts.progress, "invert", todo.len(), todo_pixels);
    let mut on_durable = |ids: &[usize]| state.mark_all_done(ids);
    // The geometry is copied while the inversion runs, so it does not add its own pass at the
    // end (it is a tenth of a second on the benchmark stack, a serial tail otherwise).
    let (stats, geometry) = std::thread::scope(|s| {
        let geometry = s.spawn(|| {
            write_geometry(
                source,
                out_dir,
                opts.format,
                &spec.attrs,
                plan.rows_per_chunk,
            )
        });
        let stats = run_inversion(
            source,
            &inverter,
            &plan,
            &todo,
            sink.as_mut(),
            Durability {
                every: opts.sync_every,
                record: &mut on_durable,
            },
            &progress,
        );
        (stats, geometry.join())
    });
    let stats = stats?;
    let geometry = geometry.map_err(|_| anyhow::anyhow!("the geometry writer panicked"))??;
    let mut outputs = sink.finalize().context("finalizing the outputs")?;
    if opts.format == OutputFormat::Hdf5 {
        outputs =
            write_hdf5_from_staging(&spec, &plan.chunks).context("writing the HDF5 outputs")?;
    }
    outputs.extend(geometry);
    state.mark_complete(&identity)?;
    if opts.format == OutputFormat::Hdf5 {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    if stats.inversion.rank_deficient > 0 {
        eprintln!(
            "warning: {} pixels had a network that falls apart after dropping their no-data pairs; \
             they were solved with minimum norm",
            stats.inversion.rank_deficient
        );
    }
    say(format!(
        "inverted {} of {} pixels ({} skipped for low redundancy) in {:.1} s",
        stats.inversion.inverted,
        stats.pixels,
        stats.inversion.low_redundancy,
        start.elapsed().as_secs_f64()
    ));
    Ok(report(stats, outputs, resumed, reference))
}

/// Describes where the network of all pairs breaks, as `lastdate|firstdate` of consecutive parts.
fn network_gaps(net: &crate::network::Network) -> Vec<String> {
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
    net: &crate::network::Network,
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
    a.set("sbas.version", env!("CARGO_PKG_VERSION"));
    a
}
