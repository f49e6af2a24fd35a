//! The geometry a run used, kept next to its results as product `inputs/geometryRadar` (MintPy's
//! `inputs/geometryRadar.h5`; `inputs/geometryGeo` for a stack in map coordinates), so later steps (DEM error, LOS to vertical, geocoding, maps by
//! lat/lon) need not go back to the stack.

use std::path::{Path, PathBuf};

use super::{DatasetSpec, ProductSpec, ProductWriter, GEOMETRY_GEO_STEM, GEOMETRY_STEM};
use crate::meta::Attributes;
use crate::product::OutputFormat;
use crate::source::{GeomLayer, StackCoords, StackSource};
use crate::window::Window;

/// Unit and description of a geometry layer, as MintPy's geometry files describe them.
fn describe(layer: GeomLayer) -> (&'static str, &'static str) {
    match layer {
        GeomLayer::Height => ("m", "DEM height above the ellipsoid"),
        GeomLayer::Latitude => ("degree", "latitude of the radar pixel"),
        GeomLayer::Longitude => ("degree", "longitude of the radar pixel"),
        GeomLayer::IncidenceAngle => ("degree", "incidence angle from vertical"),
        GeomLayer::AzimuthAngle => ("degree", "azimuth angle of the line of sight"),
        GeomLayer::SlantRangeDistance => ("m", "slant range distance"),
        GeomLayer::ShadowMask => ("1", "shadow or layover (true)"),
        GeomLayer::WaterMask => ("1", "land (true) or water (false)"),
    }
}

/// Copies every geometry layer of `source` into product `inputs/geometryRadar` (or
/// `inputs/geometryGeo`) of `dir`, strip
/// by strip (`rows_per_strip` rows at a time). Returns `None` when the stack has no geometry.
pub fn write_geometry(
    source: &dyn StackSource,
    dir: &Path,
    format: OutputFormat,
    attrs: &Attributes,
    rows_per_strip: usize,
) -> anyhow::Result<Option<PathBuf>> {
    let info = source.info();
    if info.geometry.is_empty() {
        return Ok(None);
    }
    // A run written into MintPy's own folder must not overwrite the geometry it reads from.
    let ext = match format {
        OutputFormat::Zarr => "zarr",
        OutputFormat::Hdf5 => "h5",
    };
    // MintPy names the geometry of a geocoded stack geometryGeo.
    let stem = match info.coords {
        StackCoords::Map(_) => GEOMETRY_GEO_STEM,
        StackCoords::Radar => GEOMETRY_STEM,
    };
    let target = dir.join(format!("{stem}.{ext}"));
    if let Ok(target_abs) = std::fs::canonicalize(&target) {
        if info
            .files
            .iter()
            .any(|f| std::fs::canonicalize(f).is_ok_and(|f| f == target_abs))
        {
            return Ok(Some(target));
        }
    }
    let datasets = info
        .geometry
        .iter()
        .map(|&g| {
            let (unit, long_name) = describe(g);
            if matches!(g, GeomLayer::ShadowMask | GeomLayer::WaterMask) {
                DatasetSpec::mask(g.mintpy_name(), long_name)
            } else {
                DatasetSpec::map(g.mintpy_name(), unit, long_name)
            }
        })
        .collect();
    let mut attrs = attrs.clone();
    for key in ["REF_DATE", "REF_Y", "REF_X", "REF_LAT", "REF_LON", "UNIT"] {
        attrs.remove(key);
    }
    let spec = ProductSpec {
        stem: stem.to_string(),
        file_type: "geometry".into(),
        length: info.length,
        width: info.width,
        dates: Vec::new(),
        bperp: Vec::new(),
        datasets,
        attrs,
    };
    let mut writer = ProductWriter::create(dir, format, spec)?;
    // Whole storage chunks per strip (a few MB per layer), never less than the caller's strip.
    let chunk = writer.map_chunk_rows();
    let rows = rows_per_strip.div_ceil(chunk).max(1) * chunk;
    let mut buf = Vec::new();
    let mut y0 = 0;
    while y0 < info.length {
        let w = Window {
            y0,
            y1: (y0 + rows).min(info.length),
            x0: 0,
            x1: info.width,
        };
        buf.resize(w.pixels(), 0.0);
        for &g in &info.geometry {
            source.read_geometry(g, &w, &mut buf)?;
            writer.write(g.mintpy_name(), w, &buf)?;
        }
        y0 = w.y1;
    }
    writer.finish().map(Some)
}
