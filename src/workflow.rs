//! `sbas invert` as a library call: open the stack, plan chunks, choose the reference point,
//! run the inversion pipeline and finalize the outputs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::invert::{InversionConfig, Inverter, ObsMask, WeightFunc};
use crate::meta::{phase_to_range, Attributes};
use crate::pipeline::{run_inversion, PassStats};
use crate::plan::{format_size, ChunkPlan, PixelCost};
use crate::progress::{Progress, ProgressMode};
use crate::sink::{create_sink, OutputFormat, OutputSpec};
use crate::source::{open_stack, GeomLayer, StackLayer, StackSource};
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
    /// Dates N and pairs M.
    pub num_dates: usize,
    /// Interferograms used.
    pub num_pairs: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Where the network falls apart into separate parts (empty when connected).
    pub network_gaps: Vec<String>,
}

/// Inverts the stack at `stack` into `out_dir`.
pub fn invert_stack(
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
) -> anyhow::Result<InvertReport> {
    let start = Instant::now();
    let source = open_stack(stack).with_context(|| format!("opening stack {}", stack.display()))?;
    invert_source(source.as_ref(), out_dir, opts, start)
}

/// Inverts an already opened stack into `out_dir`.
pub fn invert_source(
    source: &dyn StackSource,
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

    let wavelength = info
        .attrs
        .get_f64("WAVELENGTH")
        .context("the stack metadata lacks the radar wavelength (WAVELENGTH)")?;
    let num_looks = match opts.config.weight {
        WeightFunc::Var | WeightFunc::Fim => crate::invert::num_looks(&info.attrs)
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

    let stack_layers = 2 + usize::from(opts.config.mask == Some(ObsMask::ConnComp));
    let cost = PixelCost::inversion(m, n, stack_layers, 2);
    let plan = ChunkPlan::new(
        info.length,
        info.width,
        cost,
        opts.max_memory,
        info.preferred_rows,
    )?;
    say(format!(
        "plan: {} chunks of {} rows under --max-memory {}",
        plan.chunks.len(),
        plan.rows_per_chunk,
        format_size(opts.max_memory)
    ));

    let survey_progress = Progress::new(
        opts.progress,
        "survey",
        plan.chunks.len(),
        info.length * info.width,
    );
    let reference = choose_reference(source, &plan, opts.reference, &survey_progress)?;
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

    let inverter = Inverter::new(
        net.clone(),
        opts.config.clone(),
        reference.phase.clone(),
        (reference.y, reference.x),
        num_looks,
        phase_to_range(wavelength),
    );

    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("creating the output folder {}", out_dir.display()))?;
    let spec = OutputSpec {
        dir: out_dir.to_path_buf(),
        length: info.length,
        width: info.width,
        chunk_rows: plan.rows_per_chunk,
        dates: net.dates.clone(),
        bperp: net.date_bperp(),
        attrs: output_attributes(&info.attrs, info.length, info.width, &reference, opts, net),
    };
    let sink = create_sink(opts.format, &spec)?;
    let progress = Progress::new(
        opts.progress,
        "invert",
        plan.chunks.len(),
        info.length * info.width,
    );
    let (stats, outputs) = run_inversion(source, &inverter, &plan, sink, &progress)?;
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
    let _ = info.has_geometry(GeomLayer::WaterMask);
    Ok(InvertReport {
        reference,
        stats,
        outputs,
        rows_per_chunk: plan.rows_per_chunk,
        chunks: plan.chunks.len(),
        num_dates: n,
        num_pairs: m,
        elapsed: start.elapsed(),
        network_gaps,
    })
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
    let weight = match c.weight {
        WeightFunc::Var => "var",
        WeightFunc::Fim => "fim",
        WeightFunc::Coh => "coh",
        WeightFunc::No => "no",
    };
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
