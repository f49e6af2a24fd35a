//! A stack of flat rasters in radar geometry whose files a layout has already found (ROI_PAC,
//! GAMMA): windowed reads of each pair's band, and the geometry MintPy's `load_data` builds
//! for such stacks: the DEM height, and the incidence angle and slant range it computes from
//! the metadata when no file gives them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::raster::RasterLayout;
use super::{check_pairs, check_read, GeomLayer, StackCoords, StackInfo, StackLayer, StackSource};
use crate::meta::{Attributes, Date};
use crate::network::Network;
use crate::window::Window;

/// One band of one raster.
#[derive(Debug, Clone)]
pub struct Band {
    /// The raster's layout.
    pub layout: RasterLayout,
    /// 0-based band.
    pub band: usize,
}

impl Band {
    /// Checks the file's size against its header and its shape against the stack's.
    pub fn checked(
        layout: RasterLayout,
        band: usize,
        shape: Option<(usize, usize)>,
    ) -> anyhow::Result<Band> {
        layout.check_file_size()?;
        if let Some((l, w)) = shape {
            if (layout.length, layout.width) != (l, w) {
                bail!(
                    "raster {} is {} x {} (length x width, from {}) but the stack is {l} x {w}",
                    layout.data_file.display(),
                    layout.length,
                    layout.width,
                    layout.sidecar.display()
                );
            }
        }
        Ok(Band { layout, band })
    }
}

/// The files of one interferogram.
#[derive(Debug, Clone)]
pub struct RawPair {
    /// Reference and secondary dates.
    pub dates: (Date, Date),
    /// Perpendicular baseline (m).
    pub bperp: f32,
    /// Unwrapped phase.
    pub unw: Band,
    /// Coherence, if the stack has it.
    pub cor: Option<Band>,
    /// Connected components, if the stack has them.
    pub conncomp: Option<Band>,
}

/// What a layout found: the stack's pairs, metadata and radar DEM.
#[derive(Debug, Clone)]
pub struct RawParts {
    /// Format name, for messages.
    pub format: &'static str,
    /// Pairs sorted by dates.
    pub pairs: Vec<RawPair>,
    /// The stack's metadata (MintPy's `ifgramStack.h5` attributes).
    pub attrs: Attributes,
    /// Radar-geometry DEM, if any.
    pub height: Option<Band>,
    /// Metadata and other files not read for pixels (for the fingerprint).
    pub extra_files: Vec<PathBuf>,
    /// The map-to-radar lookup table, if the stack has a usable one.
    pub lookup: Option<crate::geo::map_lookup::MapLookup>,
    /// Notes for the user (left-out pairs, ...).
    pub warnings: Vec<String>,
}

/// A ROI_PAC or GAMMA stack opened for windowed reading.
#[derive(Debug)]
pub struct RawStack {
    info: StackInfo,
    parts: RawParts,
    /// MintPy's geometry from metadata: `(near range, range step, earth radius, altitude)`.
    geometry: Option<(f64, f64, f64, f64)>,
}

impl RawStack {
    /// The stack of `parts`: the network from the pairs, the geometry layers MintPy would
    /// build.
    pub fn new(parts: RawParts) -> anyhow::Result<RawStack> {
        let first = parts
            .pairs
            .first()
            .with_context(|| format!("empty {} stack", parts.format))?;
        let (length, width) = (first.unw.layout.length, first.unw.layout.width);
        let dates: Vec<(Date, Date)> = parts.pairs.iter().map(|p| p.dates).collect();
        let bperp: Vec<f32> = parts.pairs.iter().map(|p| p.bperp).collect();
        let network = Network::new(&dates, &bperp).with_context(|| {
            format!(
                "bad interferogram network in the {} stack of {}",
                parts.format,
                first.unw.layout.data_file.display()
            )
        })?;
        let mut layers = vec![StackLayer::Phase];
        if first.cor.is_some() {
            layers.push(StackLayer::Coherence);
        }
        if first.conncomp.is_some() {
            layers.push(StackLayer::ConnComp);
        }
        let a = &parts.attrs;
        let geometry = match (
            a.get_f64_opt("STARTING_RANGE"),
            a.get_f64_opt("RANGE_PIXEL_SIZE"),
            a.get_f64_opt("EARTH_RADIUS"),
            a.get_f64_opt("HEIGHT"),
        ) {
            (Some(r0), Some(dr), Some(re), Some(h)) => Some((r0, dr, re, h)),
            _ => None,
        };
        let mut geom = Vec::new();
        if parts.height.is_some() {
            geom.push(GeomLayer::Height);
        }
        if geometry.is_some() {
            geom.push(GeomLayer::IncidenceAngle);
            geom.push(GeomLayer::SlantRangeDistance);
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for p in &parts.pairs {
            for b in [Some(&p.unw), p.cor.as_ref(), p.conncomp.as_ref()]
                .into_iter()
                .flatten()
            {
                files.push(b.layout.data_file.clone());
            }
        }
        files.extend(parts.height.iter().map(|h| h.layout.data_file.clone()));
        files.extend(parts.extra_files.iter().cloned());
        if let Some(lut) = &parts.lookup {
            if !files.iter().any(|f| f == lut.file()) {
                files.push(lut.file().to_path_buf());
            }
        }
        let info = StackInfo {
            length,
            width,
            network,
            attrs: parts.attrs.clone(),
            layers,
            geometry: geom,
            preferred_rows: 0,
            files,
            warnings: parts.warnings.clone(),
            coords: StackCoords::Radar,
        };
        Ok(RawStack {
            info,
            parts,
            geometry,
        })
    }

    fn band(&self, i: usize, layer: StackLayer) -> anyhow::Result<&Band> {
        let p = &self.parts.pairs[i];
        match layer {
            StackLayer::Phase => Some(&p.unw),
            StackLayer::Coherence => p.cor.as_ref(),
            StackLayer::ConnComp => p.conncomp.as_ref(),
        }
        .with_context(|| {
            format!(
                "the {} stack has no {layer:?} layer ({})",
                self.parts.format,
                p.unw.layout.data_file.display()
            )
        })
    }

    /// MintPy's slant range of column `x`: `linspace(near, far, WIDTH)` as float32.
    fn slant_range(&self, x: usize) -> f64 {
        let Some((r0, dr, _, _)) = self.geometry else {
            return f64::NAN;
        };
        let w = self.info.width;
        super::linspace_at(r0, r0 + dr * (w as f64 - 1.0), w, x)
    }

    fn read_incidence(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let Some((_, _, re, h)) = self.geometry else {
            bail!("the {} stack has no incidence angle", self.parts.format);
        };
        let mut dem = vec![0f32; window.pixels()];
        match &self.parts.height {
            Some(b) => b.layout.read_window(b.band, window, &mut dem)?,
            None => bail!(
                "the {} stack has no DEM for the incidence angle",
                self.parts.format
            ),
        }
        // MintPy's ut.incidence_angle with a DEM, evaluated as numpy 1.x does it: float32
        // arrays with Python floats cast to float32 on the way in.
        let re32 = re as f32;
        let sat2 = ((re + h) * (re + h)) as f32;
        let pi = std::f32::consts::PI;
        for (r, row) in out.chunks_exact_mut(window.cols()).enumerate() {
            for (c, o) in row.iter_mut().enumerate() {
                let rd = self.slant_range(window.x0 + c) as f32;
                let d = dem[r * window.cols() + c];
                let rr = re32 + d;
                let cos = (rr * rr + rd * rd - sat2) / (2.0 * rr * rd);
                *o = (pi - cos.acos()) * 180.0 / pi;
            }
        }
        Ok(())
    }
}

impl StackSource for RawStack {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        self.parts.lookup.as_ref()
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
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_pairs(&self.info, "read_pairs", &pairs, window, out.len())?;
        let n = window.pixels();
        for (i, chunk) in pairs.zip(out.chunks_exact_mut(n)) {
            let b = self.band(i, layer)?;
            match layer {
                StackLayer::Phase | StackLayer::Coherence => {
                    b.layout
                        .read_window_f32(b.band, window, chunk, super::infinite_to_nan)?
                }
                StackLayer::ConnComp => b.layout.read_window_f32(b.band, window, chunk, |v| v)?,
            }
        }
        Ok(())
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(&self.info, "read_geometry", window, 1, out.len())?;
        if !self.info.has_geometry(layer) {
            bail!(
                "the {} stack has no geometry layer {}",
                self.parts.format,
                layer.mintpy_name()
            );
        }
        match layer {
            GeomLayer::Height => {
                let b = self.parts.height.as_ref().context("no DEM")?;
                // As MintPy's geometry loading: DEM no-data -32768 becomes NaN.
                b.layout.read_window_f32(b.band, window, out, |v| {
                    if v == -32768.0 {
                        f32::NAN
                    } else {
                        v
                    }
                })
            }
            GeomLayer::SlantRangeDistance => {
                for row in out.chunks_exact_mut(window.cols()) {
                    for (c, o) in row.iter_mut().enumerate() {
                        *o = self.slant_range(window.x0 + c) as f32;
                    }
                }
                Ok(())
            }
            GeomLayer::IncidenceAngle => self.read_incidence(window, out),
            _ => bail!(
                "geometry layer {} is not built for this stack",
                layer.mintpy_name()
            ),
        }
    }
}

/// MintPy's `DATA_TYPE` spelling after `read_attribute` (`FLOAT` becomes `float32`, ...).
pub fn mintpy_data_type(attrs: &mut Attributes) {
    let mapped = match attrs
        .get("DATA_TYPE")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("byte") => "int8",
        Some("float") | Some("ci2") => "float32",
        Some("double") => "float64",
        Some("cfloat") => "complex64",
        _ => return,
    };
    attrs.set("DATA_TYPE", mapped);
}

/// The sorted entries of `dir` that are folders.
pub fn sub_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in
        std::fs::read_dir(dir).with_context(|| format!("cannot list folder {}", dir.display()))?
    {
        let p = e
            .with_context(|| format!("cannot list folder {}", dir.display()))?
            .path();
        if p.is_dir() {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// The sorted files of `dir` whose name starts with `prefix` and ends with `suffix`.
pub fn files_like(dir: &Path, prefix: &str, suffix: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in
        std::fs::read_dir(dir).with_context(|| format!("cannot list folder {}", dir.display()))?
    {
        let e = e.with_context(|| format!("cannot list folder {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && name.ends_with(suffix) && e.path().is_file() {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}
