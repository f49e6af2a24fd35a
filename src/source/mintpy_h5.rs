//! MintPy `inputs/ifgramStack.h5` + `geometryRadar.h5` reader.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use hdf5::types::{
    FixedAscii, FixedUnicode, FloatSize, TypeDescriptor, VarLenAscii, VarLenUnicode,
};
use ndarray::s;

use super::{Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer, StackSource};
use crate::meta::{Attributes, Date};
use crate::network::Network;
use crate::source::{check_pairs, check_read};
use crate::window::Window;

/// The MintPy format: `ifgramStack.h5` (any `.h5` file given directly), or a work folder
/// holding `inputs/ifgramStack.h5` or `ifgramStack.h5`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MintPyFormat;

impl MintPyFormat {
    /// The stack file `path` stands for: itself if it is a `.h5` file, else the first of
    /// `inputs/ifgramStack.h5` and `ifgramStack.h5` in the folder `path`.
    fn stack_file(path: &Path) -> Option<PathBuf> {
        if path.is_file() {
            let is_h5 = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("h5"));
            return is_h5.then(|| path.to_path_buf());
        }
        [
            path.join("inputs").join("ifgramStack.h5"),
            path.join("ifgramStack.h5"),
        ]
        .into_iter()
        .find(|h5| h5.is_file())
    }
}

impl StackFormat for MintPyFormat {
    fn name(&self) -> &'static str {
        "MintPy"
    }

    fn detect(&self, path: &Path) -> Detection {
        match MintPyFormat::stack_file(path) {
            Some(_) => Detection::Recognised,
            None => Detection::not_recognised(
                "an ifgramStack.h5 file (a .h5 file), or a folder holding \
                 inputs/ifgramStack.h5 or ifgramStack.h5",
            ),
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        let h5 = MintPyFormat::stack_file(path).with_context(|| {
            format!(
                "{} is neither a .h5 file nor a folder holding inputs/ifgramStack.h5 or \
                 ifgramStack.h5",
                path.display()
            )
        })?;
        Ok(Box::new(MintPyStack::open(&h5)?))
    }
}

/// A MintPy interferogram stack opened for windowed reading.
pub struct MintPyStack {
    info: StackInfo,
    stack_path: PathBuf,
    stack: hdf5::File,
    geom_path: Option<PathBuf>,
    geom: Option<hdf5::File>,
    /// Index in the file of each kept pair, in network order.
    kept: Vec<usize>,
    /// Pairs in the file (kept or not).
    total_pairs: usize,
}

impl std::fmt::Debug for MintPyStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MintPyStack")
            .field("stack", &self.stack_path)
            .field("geometry", &self.geom_path)
            .field("kept", &self.kept.len())
            .field("total_pairs", &self.total_pairs)
            .finish()
    }
}

/// Reads every root attribute of an HDF5 file as text, whatever its stored type.
pub fn read_root_attributes(file: &hdf5::File, path: &Path) -> anyhow::Result<Attributes> {
    let mut a = Attributes::new();
    let names = file
        .attr_names()
        .with_context(|| format!("cannot list the attributes of {}", path.display()))?;
    for name in names {
        let attr = file
            .attr(&name)
            .with_context(|| format!("cannot open attribute {name} of {}", path.display()))?;
        let text = attribute_text(&attr).with_context(|| {
            format!("cannot read attribute {name} of {} as text", path.display())
        })?;
        a.set(name, text);
    }
    Ok(a)
}

/// Reads a string, bytes or numeric attribute as text (numbers as Python prints them).
fn attribute_text(attr: &hdf5::Attribute) -> anyhow::Result<String> {
    use crate::meta::pyfmt::{py_f32, py_f64};
    let desc = attr.dtype()?.to_descriptor()?;
    let n = attr.size();
    let scalar = n == 1;
    let join = |v: Vec<String>| {
        if scalar {
            v.into_iter().next().unwrap_or_default()
        } else {
            format!("[{}]", v.join(" "))
        }
    };
    Ok(match desc {
        TypeDescriptor::VarLenUnicode => join(
            attr.read_raw::<VarLenUnicode>()?
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
        ),
        TypeDescriptor::VarLenAscii => join(
            attr.read_raw::<VarLenAscii>()?
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
        ),
        TypeDescriptor::FixedAscii(_) => join(
            attr.read_raw::<FixedAscii<1024>>()?
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
        ),
        TypeDescriptor::FixedUnicode(_) => join(
            attr.read_raw::<FixedUnicode<1024>>()?
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
        ),
        TypeDescriptor::Integer(_) => join(
            attr.read_raw::<i64>()?
                .iter()
                .map(|v| v.to_string())
                .collect(),
        ),
        TypeDescriptor::Unsigned(_) => join(
            attr.read_raw::<u64>()?
                .iter()
                .map(|v| v.to_string())
                .collect(),
        ),
        TypeDescriptor::Float(FloatSize::U4) => {
            join(attr.read_raw::<f32>()?.iter().map(|v| py_f32(*v)).collect())
        }
        TypeDescriptor::Float(_) => {
            join(attr.read_raw::<f64>()?.iter().map(|v| py_f64(*v)).collect())
        }
        TypeDescriptor::Boolean | TypeDescriptor::Enum(_) => join(
            attr.read_raw::<bool>()?
                .iter()
                .map(|v| if *v { "True" } else { "False" }.to_string())
                .collect(),
        ),
        other => bail!("unsupported attribute type {other}"),
    })
}

fn dataset(file: &hdf5::File, path: &Path, name: &str) -> anyhow::Result<hdf5::Dataset> {
    file.dataset(name)
        .with_context(|| format!("{} has no dataset '{name}'", path.display()))
}

fn is_bool(ds: &hdf5::Dataset) -> bool {
    matches!(
        ds.dtype().and_then(|t| t.to_descriptor()),
        Ok(TypeDescriptor::Boolean) | Ok(TypeDescriptor::Enum(_))
    )
}

/// The network of the pairs `dropIfgram` keeps (all if absent) in the stack file `stack` at
/// `p`, which holds `m` pairs, and the index in the file of each of its pairs.
fn kept_network(stack: &hdf5::File, p: &Path, m: usize) -> anyhow::Result<(Network, Vec<usize>)> {
    let dates = dataset(stack, p, "date")?
        .read_2d::<FixedAscii<8>>()
        .with_context(|| format!("{}: cannot read dataset 'date' as |S8", p.display()))?;
    if dates.shape() != [m, 2] {
        bail!(
            "{}: dataset 'date' has shape {:?}, expected ({m}, 2) to match 'unwrapPhase'",
            p.display(),
            dates.shape()
        );
    }
    let bperp = dataset(stack, p, "bperp")?
        .read_raw::<f32>()
        .with_context(|| format!("{}: cannot read dataset 'bperp'", p.display()))?;
    if bperp.len() != m {
        bail!(
            "{}: 'bperp' has {} values for {m} pairs",
            p.display(),
            bperp.len()
        );
    }
    let keep: Vec<bool> = match stack.dataset("dropIfgram") {
        Ok(ds) => {
            let v = if is_bool(&ds) {
                ds.read_raw::<bool>()
            } else {
                ds.read_raw::<u8>()
                    .map(|v| v.iter().map(|b| *b != 0).collect())
            }
            .with_context(|| format!("{}: cannot read dataset 'dropIfgram'", p.display()))?;
            if v.len() != m {
                bail!(
                    "{}: 'dropIfgram' has {} values for {m} pairs",
                    p.display(),
                    v.len()
                );
            }
            v
        }
        Err(_) => vec![true; m],
    };
    let mut items: Vec<(Date, Date, f32, usize)> = Vec::new();
    for i in (0..m).filter(|i| keep[*i]) {
        let parse = |j: usize| {
            let t = dates[[i, j]].as_str().to_string();
            Date::parse(&t).with_context(|| {
                format!(
                    "{}: dataset 'date' row {i} holds '{t}', not YYYYMMDD",
                    p.display()
                )
            })
        };
        let (d1, d2) = (parse(0)?, parse(1)?);
        if d1 >= d2 {
            bail!(
                "{}: pair {i} ({d1}_{d2}) does not have its first date before its second",
                p.display()
            );
        }
        if !bperp[i].is_finite() {
            bail!(
                "{}: dataset 'bperp' holds {} for pair {i} ({d1}_{d2}), not a finite number",
                p.display(),
                bperp[i]
            );
        }
        items.push((d1, d2, bperp[i], i));
    }
    if items.is_empty() {
        bail!(
            "{}: empty stack (no interferogram kept by 'dropIfgram')",
            p.display()
        );
    }
    items.sort_by_key(|x| (x.0, x.1));
    let pairs: Vec<(Date, Date)> = items.iter().map(|x| (x.0, x.1)).collect();
    let bp: Vec<f32> = items.iter().map(|x| x.2).collect();
    let network = Network::new(&pairs, &bp)
        .with_context(|| format!("{}: bad interferogram network", p.display()))?;
    let kept: Vec<usize> = items.iter().map(|x| x.3).collect();
    Ok((network, kept))
}

/// The geometry file beside the stack file `p` (`geometryRadar.h5`, else `geometryGeo.h5`),
/// opened, with the layers it holds, each checked to be `length x width`.
fn open_geometry(
    p: &Path,
    length: usize,
    width: usize,
) -> anyhow::Result<(Option<PathBuf>, Option<hdf5::File>, Vec<GeomLayer>)> {
    let dir = p.parent().unwrap_or(Path::new("."));
    let geom_path = ["geometryRadar.h5", "geometryGeo.h5"]
        .iter()
        .map(|n| dir.join(n))
        .find(|g| g.is_file());
    let mut geometry = Vec::new();
    let geom = match &geom_path {
        Some(g) => {
            let f = hdf5::File::open(g)
                .with_context(|| format!("cannot open HDF5 file {}", g.display()))?;
            for layer in GeomLayer::ALL {
                if let Ok(ds) = f.dataset(layer.mintpy_name()) {
                    if ds.shape() != [length, width] {
                        bail!(
                            "{}: dataset '{}' has shape {:?}, the stack is ({length}, {width})",
                            g.display(),
                            layer.mintpy_name(),
                            ds.shape()
                        );
                    }
                    geometry.push(layer);
                }
            }
            Some(f)
        }
        None => None,
    };
    Ok((geom_path, geom, geometry))
}

impl MintPyStack {
    /// Opens `ifgramStack.h5` at `stack_path`, with `geometryRadar.h5` (or `geometryGeo.h5`)
    /// beside it if present.
    pub fn open(stack_path: &Path) -> anyhow::Result<MintPyStack> {
        let p = stack_path;
        let stack = hdf5::File::open(p)
            .with_context(|| format!("cannot open HDF5 file {}", p.display()))?;
        let unw = dataset(&stack, p, "unwrapPhase")?;
        let shape = unw.shape();
        if shape.len() != 3 {
            bail!(
                "{}: dataset 'unwrapPhase' has shape {shape:?}, expected (pairs, length, width)",
                p.display()
            );
        }
        let (m, length, width) = (shape[0], shape[1], shape[2]);
        if length == 0 || width == 0 {
            bail!(
                "{}: dataset 'unwrapPhase' has shape {shape:?}: the images are empty",
                p.display()
            );
        }
        let (network, kept) = kept_network(&stack, p, m)?;

        let mut layers = vec![StackLayer::Phase];
        for (layer, name) in [
            (StackLayer::Coherence, "coherence"),
            (StackLayer::ConnComp, "connectComponent"),
        ] {
            if let Ok(ds) = stack.dataset(name) {
                if ds.shape() != shape {
                    bail!(
                        "{}: dataset '{name}' has shape {:?}, 'unwrapPhase' {shape:?}",
                        p.display(),
                        ds.shape()
                    );
                }
                layers.push(layer);
            }
        }
        let mut attrs = read_root_attributes(&stack, p)?;
        if !attrs
            .get_f64_opt("WAVELENGTH")
            .is_some_and(|v| v.is_finite() && v > 0.0)
        {
            bail!(
                "{}: root attribute WAVELENGTH is missing or not a positive number",
                p.display()
            );
        }
        attrs.set("LENGTH", length);
        attrs.set("WIDTH", width);
        let preferred_rows = unw.chunk().map(|c| c[1]).unwrap_or(0);

        let (geom_path, geom, geometry) = open_geometry(p, length, width)?;
        let mut files = vec![p.to_path_buf()];
        files.extend(geom_path.clone());
        let coords = StackCoords::from_attrs(&attrs, length, width)
            .with_context(|| format!("{}", p.display()))?;
        Ok(MintPyStack {
            info: StackInfo {
                length,
                width,
                network,
                attrs,
                layers,
                geometry,
                preferred_rows,
                files,
                warnings: Vec::new(),
                coords,
            },
            stack_path: p.to_path_buf(),
            stack,
            geom_path,
            geom,
            kept,
            total_pairs: m,
        })
    }

    fn layer_dataset(&self, layer: StackLayer) -> anyhow::Result<hdf5::Dataset> {
        let name = match layer {
            StackLayer::Phase => "unwrapPhase",
            StackLayer::Coherence => "coherence",
            StackLayer::ConnComp => "connectComponent",
        };
        dataset(&self.stack, &self.stack_path, name)
    }

    /// Copies the kept pairs `pairs` of `all` (blocks of `n` values of `layer`, the first the
    /// file's pair `first`) into `out`, with infinite values made NaN as every reader does.
    fn copy_kept(
        &self,
        layer: StackLayer,
        pairs: Range<usize>,
        all: &[f32],
        first: usize,
        n: usize,
        out: &mut [f32],
    ) {
        for (dst, &i) in out.chunks_exact_mut(n).zip(&self.kept[pairs]) {
            let i = i - first;
            for (d, v) in dst.iter_mut().zip(&all[i * n..(i + 1) * n]) {
                *d = super::sanitize(layer, *v);
            }
        }
    }
}

impl StackSource for MintPyStack {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        crate::source::read_all_pairs(self, layer, window, out)
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_pairs(&self.info, "read_pairs", &pairs, window, out.len())?;
        let n = window.pixels();
        let ds = self.layer_dataset(layer)?;
        // One hyperslab read for the file's pairs from the first to the last asked (the kept
        // pairs are in date order, the file's may not be): the HDF5 library is serialised
        // anyway, and each chunk is decompressed once.
        let kept = &self.kept[pairs.clone()];
        let (first, last) = kept
            .iter()
            .fold((usize::MAX, 0), |(lo, hi), &i| (lo.min(i), hi.max(i)));
        let data = ds
            .read_slice::<f32, _, ndarray::Ix3>(s![
                first..last + 1,
                window.y0..window.y1,
                window.x0..window.x1
            ])
            .with_context(|| {
                format!(
                    "cannot read {layer:?} rows {}..{} cols {}..{} of {}",
                    window.y0,
                    window.y1,
                    window.x0,
                    window.x1,
                    self.stack_path.display()
                )
            })?;
        let all = data
            .as_slice()
            .expect("freshly read arrays are standard-layout");
        self.copy_kept(layer, pairs, all, first, n, out);
        Ok(())
    }

    fn read_pixel(
        &self,
        layer: StackLayer,
        y: usize,
        x: usize,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(
            &self.info,
            "read_pixel",
            &Window::pixel(y, x),
            self.kept.len(),
            out.len(),
        )?;
        let ds = self.layer_dataset(layer)?;
        let data = ds.read_slice_1d::<f32, _>(s![.., y, x]).with_context(|| {
            format!(
                "cannot read {layer:?} at ({y}, {x}) of {}",
                self.stack_path.display()
            )
        })?;
        let all = data.to_vec();
        self.copy_kept(layer, 0..self.kept.len(), &all, 0, 1, out);
        Ok(())
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(&self.info, "read_geometry", window, 1, out.len())?;
        let (Some(f), Some(path)) = (&self.geom, &self.geom_path) else {
            bail!(
                "no geometryRadar.h5 beside {}: geometry layer {} is unavailable",
                self.stack_path.display(),
                layer.mintpy_name()
            );
        };
        let ds = dataset(f, path, layer.mintpy_name())?;
        let sel = s![window.y0..window.y1, window.x0..window.x1];
        let ctx = || {
            format!(
                "cannot read '{}' rows {}..{} cols {}..{} of {}",
                layer.mintpy_name(),
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                path.display()
            )
        };
        if is_bool(&ds) {
            let v = ds.read_slice_2d::<bool, _>(sel).with_context(ctx)?;
            for (o, b) in out.iter_mut().zip(v.iter()) {
                *o = if *b { 1.0 } else { 0.0 };
            }
        } else {
            let v = ds.read_slice_2d::<f32, _>(sel).with_context(ctx)?;
            for (o, b) in out.iter_mut().zip(v.iter()) {
                *o = *b;
            }
        }
        Ok(())
    }
}
