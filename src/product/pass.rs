//! One strip pass for every step that streams products after the inversion (corrections, time
//! functions, tropospheric delays): plan row strips under the memory budget, read the declared
//! inputs of each strip, hand them to the step's science, write the declared outputs, finish
//! the products. A step declares what it reads and writes and supplies only the per-strip
//! computation; image-wide steps (a fit over all strips, then its removal) run two passes.

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};

use super::pass_split::{self, PartLog, PassSplit};
use super::{DatasetSpec, Product, ProductSpec, ProductWriter};
use crate::meta::Attributes;
use crate::plan::{ChunkPlan, PixelCost};
use crate::product::OutputFormat;
use crate::window::Window;

/// Name of the per-date dataset of a time-series product.
pub const TIMESERIES_DATASET: &str = "timeseries";

/// Opens the time-series product `stem` of `dir` for a step, refusing one left unfinished by
/// an interrupted run and one without a per-date `timeseries` dataset with dates.
pub fn open_timeseries(dir: &Path, stem: &str) -> anyhow::Result<Product> {
    let p = Product::open(dir, stem)
        .with_context(|| format!("cannot open the time series '{stem}' in {}", dir.display()))?;
    ensure!(
        p.is_complete(),
        "{} is not complete (an interrupted run?): finish or redo the run that writes it",
        p.path().display()
    );
    let per_date = p.dataset_names().iter().any(|d| d == TIMESERIES_DATASET)
        && p.is_per_date(TIMESERIES_DATASET)?;
    ensure!(
        per_date && !p.dates().is_empty(),
        "'{stem}' in {} is not a time series (no per-date '{TIMESERIES_DATASET}' dataset with \
         dates; it has {})",
        dir.display(),
        p.dataset_names().join(", ")
    );
    Ok(p)
}

/// The spec of a time series like `ts` (its size, dates and baselines) named `stem`: one
/// per-date `timeseries` dataset in `unit` described by `long_name`, root metadata `attrs`.
pub fn series_like(
    ts: &Product,
    stem: &str,
    unit: &str,
    long_name: &str,
    attrs: Attributes,
) -> ProductSpec {
    ProductSpec {
        stem: stem.to_string(),
        file_type: "timeseries".into(),
        length: ts.length(),
        width: ts.width(),
        dates: ts.dates().to_vec(),
        bperp: ts.bperp().to_vec(),
        datasets: vec![DatasetSpec::series(TIMESERIES_DATASET, unit, long_name)],
        attrs,
    }
}

/// The spec of a product of maps the size of `ts` named `stem`, of MintPy type `file_type`.
pub fn maps_like(
    ts: &Product,
    stem: &str,
    file_type: &str,
    datasets: Vec<DatasetSpec>,
    attrs: Attributes,
) -> ProductSpec {
    ProductSpec {
        stem: stem.to_string(),
        file_type: file_type.to_string(),
        length: ts.length(),
        width: ts.width(),
        dates: Vec::new(),
        bperp: Vec::new(),
        datasets,
        attrs,
    }
}

/// The cost of a step that keeps `bytes_per_pixel` bytes of buffers for every pixel of a strip
/// (inputs, outputs and scratch together, one strip in flight).
pub fn buffers_cost(bytes_per_pixel: usize) -> PixelCost {
    PixelCost {
        input_bytes: 0,
        output_bytes: 0,
        scratch_bytes: bytes_per_pixel,
    }
}

/// An input of a pass, read over each strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputId(usize);

/// An output of a pass (one dataset of one product it writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputId(usize);

struct Input<'a> {
    product: &'a Product,
    dataset: String,
    /// One plane of a per-date dataset rather than the whole dataset.
    date: Option<usize>,
}

struct Output {
    writer: usize,
    dataset: String,
    /// Values per pixel (the dates of a per-date dataset, else 1).
    planes: usize,
}

/// The values of the inputs over one strip: `dates x rows x cols` for a per-date dataset, else
/// `rows x cols`.
#[derive(Debug, Default)]
pub struct Inputs {
    buffers: Vec<Vec<f32>>,
}

impl Inputs {
    /// The values of input `id`.
    pub fn get(&self, id: InputId) -> &[f32] {
        &self.buffers[id.0]
    }

    /// Takes the values of input `id` (left empty until the next strip is read), so a step that
    /// edits its input in place can hand the buffer to an output without a copy.
    pub fn take(&mut self, id: InputId) -> Vec<f32> {
        std::mem::take(&mut self.buffers[id.0])
    }
}

/// The values the step leaves for each output over one strip; they are written after the step
/// returns. Buffers are kept from strip to strip.
#[derive(Debug, Default)]
pub struct Outputs {
    buffers: Vec<Vec<f32>>,
}

impl Outputs {
    /// The buffer of output `id`, holding what the previous strip left: the step sets its length.
    pub fn get(&mut self, id: OutputId) -> &mut Vec<f32> {
        &mut self.buffers[id.0]
    }

    /// Makes `values` the buffer of output `id` and returns it for editing.
    pub fn set(&mut self, id: OutputId, values: Vec<f32>) -> &mut Vec<f32> {
        self.buffers[id.0] = values;
        &mut self.buffers[id.0]
    }
}

/// One strip as the step sees it.
#[derive(Debug)]
pub struct Strip {
    /// The pixels of the strip.
    pub window: Window,
    /// The declared inputs, read over `window`.
    pub inputs: Inputs,
    /// The declared outputs, to fill over `window`.
    pub outputs: Outputs,
}

impl Strip {
    /// Pixels of the strip.
    pub fn pixels(&self) -> usize {
        self.window.pixels()
    }
}

/// A pass over the row strips of a `length x width` image: its inputs, the products it writes
/// and the strips the budget allows.
pub struct StripPass<'a> {
    step: String,
    length: usize,
    width: usize,
    /// The plan's terms, kept to re-plan when an output holds memory of its own.
    cost: PixelCost,
    max_memory: u64,
    /// Memory the outputs' writers hold between writes ([`ProductWriter::pending_bytes_bound`]).
    reserved: u64,
    strips: Vec<Window>,
    inputs: Vec<Input<'a>>,
    /// The products written; `None` for a part of a split run, which writes none.
    writers: Vec<Option<ProductWriter>>,
    /// Where each product goes, in the order created.
    paths: Vec<PathBuf>,
    outputs: Vec<Output>,
    split: PassSplit,
}

impl<'a> StripPass<'a> {
    /// Plans the strips of step `step` (named in its errors): strips of whole rows whose
    /// buffers, `cost` per pixel, fit `max_memory` bytes. A budget too small for one row is an
    /// error naming the step and `--max-memory`.
    pub fn new(
        step: &str,
        length: usize,
        width: usize,
        cost: PixelCost,
        max_memory: u64,
    ) -> anyhow::Result<StripPass<'a>> {
        let plan = ChunkPlan::new(length, width, cost, max_memory, 1).with_context(|| {
            format!("{step}: planning strips of the {length} x {width} pixel image")
        })?;
        Ok(StripPass {
            step: step.to_string(),
            length,
            width,
            cost,
            max_memory,
            reserved: 0,
            strips: plan.chunks,
            inputs: Vec::new(),
            writers: Vec::new(),
            paths: Vec::new(),
            outputs: Vec::new(),
            split: PassSplit::Whole,
        })
    }

    /// The same pass shared with other processes as `split` says (a part computes only its
    /// strips; the assembly only writes the products).
    pub fn with_split(mut self, split: PassSplit) -> StripPass<'a> {
        self.split = split;
        self
    }

    /// The strips, top to bottom.
    pub fn strips(&self) -> &[Window] {
        &self.strips
    }

    /// Declares an input: `dataset` of `product` (all its dates when it is per date).
    pub fn read(&mut self, product: &'a Product, dataset: &str) -> InputId {
        self.add_input(product, dataset, None)
    }

    /// Declares an input: plane `date` of the per-date `dataset` of `product`.
    pub fn read_date(&mut self, product: &'a Product, dataset: &str, date: usize) -> InputId {
        self.add_input(product, dataset, Some(date))
    }

    fn add_input(&mut self, product: &'a Product, dataset: &str, date: Option<usize>) -> InputId {
        self.inputs.push(Input {
            product,
            dataset: dataset.to_string(),
            date,
        });
        InputId(self.inputs.len() - 1)
    }

    /// Creates product `spec` in `dir` and declares each of its datasets an output; returns
    /// their ids in the order of `spec.datasets`.
    pub fn create(
        &mut self,
        dir: &Path,
        format: OutputFormat,
        spec: ProductSpec,
    ) -> anyhow::Result<Vec<OutputId>> {
        let planes = |per_date: bool| if per_date { spec.dates.len() } else { 1 };
        let outputs: Vec<(String, usize)> = spec
            .datasets
            .iter()
            .map(|d| (d.name.clone(), planes(d.per_date)))
            .collect();
        let ext = match format {
            OutputFormat::Zarr => "zarr",
            OutputFormat::Hdf5 => "h5",
        };
        self.paths.push(dir.join(format!("{}.{ext}", spec.stem)));
        // The strips shrink to leave room for the shards this product's writer keeps; from the
        // spec, not the writer, so that every part of a split run plans the same strips.
        let pending = ProductWriter::pending_bytes_bound(format, &spec);
        if pending > 0 {
            self.reserved += pending;
            let (length, width) = (self.length, self.width);
            let plan = ChunkPlan::new_reserving(
                length,
                width,
                self.cost,
                self.max_memory,
                1,
                self.reserved,
            )
            .with_context(|| {
                format!(
                    "{}: planning strips of the {length} x {width} pixel image",
                    self.step
                )
            })?;
            self.strips = plan.chunks;
        }
        // A part leaves the products to the assembly: creating them would remove what
        // another part's assembly may be writing.
        let writer = match self.split {
            PassSplit::Part { .. } => None,
            _ => Some(ProductWriter::create(dir, format, spec)?),
        };
        self.writers.push(writer);
        let first = self.outputs.len();
        self.outputs
            .extend(outputs.into_iter().map(|(dataset, planes)| Output {
                writer: self.writers.len() - 1,
                dataset,
                planes,
            }));
        Ok((first..self.outputs.len()).map(OutputId).collect())
    }

    /// Runs `step` on every strip, top to bottom: reads the inputs, calls `step`, writes the
    /// outputs it filled. A part of a split run runs `step` only on its strips not yet durable
    /// and keeps their outputs; the assembly runs no `step` and writes the parts' outputs.
    pub fn run(
        &mut self,
        mut step: impl FnMut(&mut Strip) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let plan = pass_split::plan_line(self.length, self.width, &self.strips);
        let mut log = None;
        let mut todo: Vec<usize> = (0..self.strips.len()).collect();
        match &self.split {
            PassSplit::Whole => {}
            PassSplit::Part { dir, part } => {
                let done = pass_split::durable_strips(dir, &plan)?;
                todo.retain(|&k| part.owns(k) && !done.contains(&k));
                log = Some(PartLog::open(dir, *part, &plan)?);
            }
            PassSplit::Assemble { dir, parts } => {
                let (dir, parts) = (dir.clone(), *parts);
                return self.assemble(&dir, parts, &plan);
            }
        }
        let mut strip = Strip {
            window: Window::full(0, 0),
            inputs: Inputs {
                buffers: vec![Vec::new(); self.inputs.len()],
            },
            outputs: Outputs {
                buffers: vec![Vec::new(); self.outputs.len()],
            },
        };
        for k in todo {
            let window = self.strips[k];
            strip.window = window;
            for (input, buffer) in self.inputs.iter().zip(&mut strip.inputs.buffers) {
                *buffer = input.read(window).with_context(|| {
                    format!(
                        "{}: reading {} of {}",
                        self.step,
                        input.dataset,
                        input.product.path().display()
                    )
                })?;
            }
            step(&mut strip)?;
            match &mut log {
                Some(log) => log.keep(k, &strip.outputs.buffers)?,
                None => self.write(window, &strip.outputs.buffers)?,
            }
        }
        Ok(())
    }

    /// Writes every strip the parts kept in `dir`, in plan order, after checking that each is
    /// durable.
    fn assemble(&mut self, dir: &Path, parts: usize, plan: &str) -> anyhow::Result<()> {
        let done = pass_split::durable_strips(dir, plan)?;
        let missing: Vec<usize> = (0..self.strips.len())
            .filter(|k| !done.contains(k))
            .collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "{}: {} of {} strips are not durable yet ({}); run those parts (again), then \
                 finalize",
                self.step,
                missing.len(),
                self.strips.len(),
                pass_split::describe_missing(&missing, parts)
            );
        }
        for k in 0..self.strips.len() {
            let window = self.strips[k];
            let sizes: Vec<usize> = self
                .outputs
                .iter()
                .map(|o| o.planes * window.pixels())
                .collect();
            let values = pass_split::read_strip(dir, k, &sizes)?;
            self.write(window, &values)?;
        }
        Ok(())
    }

    fn write(&mut self, window: Window, values: &[Vec<f32>]) -> anyhow::Result<()> {
        for (output, values) in self.outputs.iter().zip(values) {
            if let Some(w) = &mut self.writers[output.writer] {
                w.write(&output.dataset, window, values)?;
            }
        }
        Ok(())
    }

    /// Finishes the products written, in the order they were created; returns their paths.
    /// A part of a split run writes no product: it returns the paths the assembly will write.
    pub fn finish(self) -> anyhow::Result<Vec<PathBuf>> {
        self.writers
            .into_iter()
            .zip(self.paths)
            .map(|(w, path)| match w {
                Some(w) => w.finish(),
                None => Ok(path),
            })
            .collect()
    }
}

impl Input<'_> {
    fn read(&self, window: Window) -> anyhow::Result<Vec<f32>> {
        match self.date {
            Some(k) => self.product.read_date(&self.dataset, k, window),
            None => self.product.read(&self.dataset, window),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;
    use crate::plan::FIXED_OVERHEAD_BYTES;

    const LENGTH: usize = 23;
    const WIDTH: usize = 17;
    const DATES: usize = 3;

    fn series_spec(stem: &str) -> ProductSpec {
        let d0 = Date::from_ymd(2020, 1, 1).expect("valid date");
        ProductSpec {
            stem: stem.into(),
            file_type: "timeseries".into(),
            length: LENGTH,
            width: WIDTH,
            dates: (0..DATES).map(|i| d0.add_days(12 * i as i32)).collect(),
            bperp: vec![0.0; DATES],
            datasets: vec![DatasetSpec::series(TIMESERIES_DATASET, "m", "displacement")],
            attrs: Attributes::new(),
        }
    }

    /// Writes a series whose values differ at every date and pixel; finished or not.
    fn write_series(dir: &Path, format: OutputFormat, stem: &str, finish: bool) {
        let mut w = ProductWriter::create(dir, format, series_spec(stem)).expect("create");
        let values: Vec<f32> = (0..DATES * LENGTH * WIDTH).map(|v| v as f32).collect();
        w.write(TIMESERIES_DATASET, Window::full(LENGTH, WIDTH), &values)
            .expect("write");
        if finish {
            w.finish().expect("finish");
        }
    }

    /// Budget for `rows` rows per strip of a step keeping `bytes` per pixel.
    fn budget(rows: usize, bytes: usize) -> u64 {
        FIXED_OVERHEAD_BYTES + (rows * WIDTH * bytes) as u64
    }

    /// What a writer of `series_spec` in `format` holds between writes.
    fn held(format: OutputFormat) -> u64 {
        ProductWriter::pending_bytes_bound(format, &series_spec("any"))
    }

    /// The toy step: `out = ts + 1`, written as `stem`; returns the strips used.
    fn add_one(dir: &Path, format: OutputFormat, stem: &str, max_memory: u64) -> usize {
        let ts = open_timeseries(dir, "ts").expect("open");
        let bytes = 8 * DATES;
        let mut pass =
            StripPass::new("toy", LENGTH, WIDTH, buffers_cost(bytes), max_memory).expect("plan");
        let input = pass.read(&ts, TIMESERIES_DATASET);
        let out = pass.create(dir, format, series_spec(stem)).expect("create")[0];
        pass.run(|strip| {
            let values = strip.outputs.set(out, strip.inputs.take(input));
            for v in values.iter_mut() {
                *v += 1.0;
            }
            Ok(())
        })
        .expect("run");
        let strips = pass.strips().len();
        assert_eq!(pass.finish().expect("finish").len(), 1);
        strips
    }

    fn read_all(dir: &Path, stem: &str) -> Vec<f32> {
        Product::open(dir, stem)
            .expect("open")
            .read(TIMESERIES_DATASET, Window::full(LENGTH, WIDTH))
            .expect("read")
    }

    #[test]
    fn many_strips_equal_one_strip() {
        for format in [OutputFormat::Hdf5, OutputFormat::Zarr] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let dir = tmp.path();
            write_series(dir, format, "ts", true);
            let bytes = 8 * DATES;
            assert_eq!(
                add_one(dir, format, "many", budget(2, bytes) + held(format)),
                LENGTH.div_ceil(2)
            );
            assert_eq!(add_one(dir, format, "one", 1 << 30), 1);
            let input = read_all(dir, "ts");
            let many = read_all(dir, "many");
            assert_eq!(many, read_all(dir, "one"));
            let expected: Vec<f32> = input.iter().map(|v| v + 1.0).collect();
            assert_eq!(many, expected);
        }
    }

    #[test]
    fn a_budget_below_one_row_names_the_step() {
        let e = StripPass::new("toy step", LENGTH, WIDTH, buffers_cost(100), budget(0, 100))
            .err()
            .expect("too small");
        let e = format!("{e:#}");
        assert!(e.contains("toy step") && e.contains("--max-memory"), "{e}");
        assert!(StripPass::new("toy", LENGTH, WIDTH, buffers_cost(100), budget(1, 100)).is_ok());
    }

    #[test]
    fn zarr_series_leave_room_for_their_partly_written_shards() {
        // A row of shards of every date: 24 rows (the image's, rounded up to 8) x 20 columns.
        assert_eq!(held(OutputFormat::Hdf5), 0);
        assert_eq!(held(OutputFormat::Zarr), (24 * 20 * (4 * DATES + 1)) as u64);
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        write_series(dir, OutputFormat::Zarr, "ts", true);
        let bytes = 8 * DATES;
        // The budget of 4-row strips, less what the shards hold: thinner strips.
        let squeezed = budget(4, bytes) + held(OutputFormat::Zarr) - (WIDTH * bytes) as u64;
        assert_eq!(
            add_one(dir, OutputFormat::Zarr, "squeezed", squeezed),
            LENGTH.div_ceil(3)
        );
        // HDF5 holds nothing: the shards' room goes to its strips.
        let rows = 3 + held(OutputFormat::Zarr) as usize / (WIDTH * bytes);
        assert_eq!(
            add_one(dir, OutputFormat::Hdf5, "squeezed", squeezed),
            LENGTH.div_ceil(rows)
        );
        // Room for the shards but not one row: an error that says so.
        let ts = open_timeseries(dir, "ts").expect("open");
        let mut pass = StripPass::new("toy", LENGTH, WIDTH, buffers_cost(bytes), budget(1, bytes))
            .expect("one row fits without the shards");
        pass.read(&ts, TIMESERIES_DATASET);
        let e = pass
            .create(dir, OutputFormat::Zarr, series_spec("tight"))
            .expect_err("too small with the shards");
        let e = format!("{e:#}");
        assert!(
            e.contains("toy") && e.contains("partly written shards"),
            "{e}"
        );
    }

    #[test]
    fn unfinished_or_map_products_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        write_series(dir, OutputFormat::Hdf5, "ts", true);
        assert!(open_timeseries(dir, "ts").is_ok());
        write_series(dir, OutputFormat::Hdf5, "partial", false);
        assert!(Product::open(dir, "partial").is_ok());
        let e = format!(
            "{:#}",
            open_timeseries(dir, "partial").err().expect("refused")
        );
        assert!(e.contains("not complete"), "{e}");
        let mut spec = series_spec("map");
        spec.dates.clear();
        spec.bperp.clear();
        spec.datasets = vec![DatasetSpec::map("timeseries", "m", "a map")];
        let mut w = ProductWriter::create(dir, OutputFormat::Hdf5, spec).expect("create");
        let map = vec![0.0; LENGTH * WIDTH];
        w.write(TIMESERIES_DATASET, Window::full(LENGTH, WIDTH), &map)
            .expect("write");
        w.finish().expect("finish");
        let e = format!("{:#}", open_timeseries(dir, "map").err().expect("refused"));
        assert!(e.contains("not a time series"), "{e}");
        let e = format!("{:#}", open_timeseries(dir, "none").err().expect("refused"));
        assert!(e.contains("'none'"), "{e}");
    }

    /// The toy step `out = ts + 1` as `split` says; returns the strips it computed.
    fn add_one_split(dir: &Path, format: OutputFormat, split: PassSplit) -> anyhow::Result<usize> {
        let ts = open_timeseries(dir, "ts")?;
        let mut pass = StripPass::new(
            "toy",
            LENGTH,
            WIDTH,
            buffers_cost(8 * DATES),
            budget(4, 8 * DATES) + held(format),
        )?
        .with_split(split);
        let input = pass.read(&ts, TIMESERIES_DATASET);
        let out = pass.create(dir, format, series_spec("split"))?[0];
        let mut computed = 0;
        pass.run(|strip| {
            computed += 1;
            let values = strip.outputs.set(out, strip.inputs.take(input));
            for v in values.iter_mut() {
                *v += 1.0;
            }
            Ok(())
        })?;
        pass.finish()?;
        Ok(computed)
    }

    #[test]
    fn parts_compute_their_strips_once_and_the_assembly_writes_the_whole() {
        for format in [OutputFormat::Hdf5, OutputFormat::Zarr] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let dir = tmp.path();
            write_series(dir, format, "ts", true);
            let state = dir.join("state");
            let part = |i| PassSplit::Part {
                dir: state.clone(),
                part: crate::parts::Part::new(i, 2).expect("part"),
            };
            let assemble = PassSplit::Assemble {
                dir: state.clone(),
                parts: 2,
            };
            let strips = LENGTH.div_ceil(4);
            assert_eq!(
                add_one_split(dir, format, part(1)).expect("part 1"),
                strips.div_ceil(2)
            );
            assert!(!Product::exists(dir, "split"), "a part writes no product");
            // Run again (a requeue after a kill): nothing left to compute.
            assert_eq!(add_one_split(dir, format, part(1)).expect("again"), 0);
            let e = add_one_split(dir, format, assemble.clone()).expect_err("part 2 missing");
            assert!(format!("{e:#}").contains("part 2/2: strips 1, 3"), "{e:#}");
            assert_eq!(
                add_one_split(dir, format, part(2)).expect("part 2"),
                strips / 2
            );
            assert_eq!(add_one_split(dir, format, assemble).expect("assemble"), 0);
            let whole = budget(4, 8 * DATES) + held(format);
            assert_eq!(add_one(dir, format, "whole", whole), strips);
            assert_eq!(read_all(dir, "split"), read_all(dir, "whole"));
        }
    }
}
