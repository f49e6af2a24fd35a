//! Stack metadata with MintPy key names, harvested as MintPy's `prep_isce` does:
//! `reference/data.rsc` if present, else `reference/IW*.xml`; then looks, `NCORRLOOKS`,
//! corner coordinates and centre incidence angle from `merged/geom_reference`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::tops_xml::{read_swath_number, read_tops_xml};
use crate::meta::pyfmt::{py_f32, py_f64};
use crate::meta::Attributes;
use crate::source::layout::{self, LoadGlobs, LoadKey};
use crate::source::raster::{
    isce_xml, raster_layout, read_rsc, sidecar, vrt, DataType, RasterLayout,
};
use crate::source::GeomLayer;

fn is_xml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml"))
}

/// Formats a raster value as Python prints a numpy scalar of the raster's type.
fn fmt_value(v: f64, dtype: DataType) -> String {
    match dtype {
        DataType::F64 => py_f64(v),
        _ => py_f32(v as f32),
    }
}

/// Looks (azimuth, range) from `*.rdr.full.{xml,vrt}` versus `*.rdr` of the first geometry
/// file that has both, as MintPy's `extract_multilook_number`.
fn multilook_numbers(geom_dir: &Path) -> anyhow::Result<Option<(usize, usize)>> {
    for base in ["hgt", "lat", "lon", "los", "shadowMask"] {
        let f = geom_dir.join(format!("{base}.rdr"));
        if !f.is_file() {
            continue;
        }
        let full_xml = sidecar(&f, "full.xml");
        let full_vrt = sidecar(&f, "full.vrt");
        let (fw, fl) = if full_xml.is_file() {
            isce_xml::size_from_xml(&full_xml)?
        } else if full_vrt.is_file() {
            let l = vrt::layout_from_vrt(&full_vrt, &full_vrt)?;
            (l.width, l.length)
        } else {
            continue;
        };
        let mli = raster_layout(&f)?;
        if mli.width == 0 || mli.length == 0 {
            bail!("raster {} has zero size", f.display());
        }
        return Ok(Some((fl / mli.length, fw / mli.width)));
    }
    Ok(None)
}

/// First and last rows (2 rows inside) with no zero value, as MintPy's
/// `get_nonzero_row_number`; `None` if no row is free of zeros.
fn nonzero_rows(layout: &RasterLayout, band: usize) -> anyhow::Result<Option<(usize, usize)>> {
    const BUFFER: usize = 2;
    const STRIP: usize = 256;
    let (mut first, mut last, mut all) = (None, None, true);
    let mut y0 = 0;
    while y0 < layout.length {
        let y1 = (y0 + STRIP).min(layout.length);
        let rows = layout.read_rows_f64(band, y0, y1)?;
        for (r, row) in rows.chunks_exact(layout.width).enumerate() {
            if row.iter().all(|v| *v != 0.0) {
                first.get_or_insert(y0 + r);
                last = Some(y0 + r);
            } else {
                all = false;
            }
        }
        y0 = y1;
    }
    let l = layout.length;
    let (r0, r1) = if all {
        (BUFFER, l.checked_sub(1 + BUFFER))
    } else {
        match (first, last) {
            (Some(f), Some(e)) => (f + BUFFER, e.checked_sub(BUFFER)),
            _ => return Ok(None),
        }
    };
    Ok(match r1 {
        Some(r1) if r0 < l && r1 < l => Some((r0, r1)),
        _ => None,
    })
}

/// The acquisition metadata files of a stack: the matches of `metaFile`, and the `data.rsc`
/// beside them (which `prep_isce` writes and reads first).
#[derive(Debug, Clone)]
pub struct MetaFiles {
    /// `mintpy.load.metaFile`, as given (for messages).
    pub glob: String,
    /// Its matches, sorted.
    pub files: Vec<PathBuf>,
    /// `data.rsc` in the folder of the first match (or of the glob, when nothing matches).
    pub rsc: Option<PathBuf>,
    /// Metadata the user gave (`--meta KEY=VALUE`): with `WAVELENGTH` among them, they stand
    /// in for a missing `data.rsc`.
    pub given: Vec<(String, String)>,
}

impl MetaFiles {
    /// The metadata files `globs` give.
    pub fn find(globs: &LoadGlobs) -> anyhow::Result<MetaFiles> {
        let glob = globs.get(LoadKey::Meta).unwrap_or_default().to_string();
        let files = layout::all_matches(globs, LoadKey::Meta)?;
        let dir = match files.first() {
            Some(f) => f.parent().map(Path::to_path_buf),
            None => Path::new(&glob)
                .parent()
                .filter(|d| !d.to_string_lossy().contains(['*', '?', '[']))
                .map(Path::to_path_buf),
        };
        let rsc = dir.map(|d| d.join("data.rsc"));
        Ok(MetaFiles {
            glob,
            files,
            rsc,
            given: globs.meta().to_vec(),
        })
    }

    /// The metadata given with `--meta`, if they hold `WAVELENGTH` (the one key sbas cannot do
    /// without).
    fn given_attrs(&self) -> Option<Attributes> {
        if !self.given.iter().any(|(k, _)| k == "WAVELENGTH") {
            return None;
        }
        let mut a = Attributes::new();
        for (k, v) in &self.given {
            a.set(k.clone(), v.clone());
        }
        Some(a)
    }
}

/// With several `IW*.xml` beside `xml`, their swath numbers joined in increasing order (`123`
/// for IW1..IW3), as MintPy's `extract_tops_metadata`; `None` with one file.
fn joined_swaths(xml: &Path) -> anyhow::Result<Option<String>> {
    let dir = xml.parent().unwrap_or(Path::new("."));
    let files = layout::expand(&dir.join("IW*.xml").to_string_lossy())?;
    if files.len() < 2 {
        return Ok(None);
    }
    let mut numbers = Vec::with_capacity(files.len());
    for f in &files {
        numbers.extend(read_swath_number(f)?);
    }
    numbers.sort_unstable();
    Ok(Some(numbers.iter().map(u32::to_string).collect()))
}

/// Builds the stack's metadata from `meta` (its `data.rsc` if present, else the first
/// `IW*.xml`). `geom` gives the raster and band of each geometry layer present. Errors if
/// `WAVELENGTH` cannot be found.
pub fn stack_metadata<'a>(
    meta: &MetaFiles,
    geom_dir: &Path,
    length: usize,
    width: usize,
    geom: impl Fn(GeomLayer) -> Option<(&'a RasterLayout, usize)>,
) -> anyhow::Result<Attributes> {
    let rsc = meta.rsc.as_ref().filter(|r| r.is_file());
    let (mut a, source) = if let Some(rsc) = rsc {
        (read_rsc(rsc)?, rsc.display().to_string())
    } else if let Some(xml) = meta.files.first().filter(|f| is_xml(f)) {
        let mut a = read_tops_xml(xml)?;
        if let Some(joined) = joined_swaths(xml)? {
            a.set("beam_swath", joined);
        }
        (a, xml.display().to_string())
    } else if let Some(a) = meta.given_attrs() {
        (a, "--meta".to_string())
    } else if let Some(shelve) = meta.files.first() {
        let missing = missing_keys(&meta.given);
        bail!(
            "no acquisition metadata for {}: sbas cannot read ISCE2's shelve (only ISCE2 can) \
             and there is no {} beside it. MintPy's prep_isce.py writes that file (one \
             'KEY VALUE' line per key, MintPy's key names); or give the keys on the command \
             line (in a template: sbas.load.meta = KEY=VALUE, ...): --meta \
             WAVELENGTH=<metres> (required){}",
            shelve.display(),
            meta.rsc
                .as_ref()
                .map(|r| r.display().to_string())
                .unwrap_or_else(|| "data.rsc".to_string()),
            missing
        );
    } else {
        bail!(
            "no acquisition metadata: mintpy.load.metaFile = {} matches nothing and there is \
             no data.rsc beside it; give at least --meta WAVELENGTH=<metres> (in a template: \
             sbas.load.meta = KEY=VALUE, ...){}",
            meta.glob,
            missing_keys(&meta.given)
        );
    };
    if !a
        .get_f64_opt("WAVELENGTH")
        .is_some_and(|v| v.is_finite() && v > 0.0)
    {
        bail!(
            "metadata {source}: WAVELENGTH is missing or not a positive number ('{}')",
            a.get("WAVELENGTH").unwrap_or_default()
        );
    }

    // Looks, and pixel sizes scaled by them, unless the metadata already holds them
    // (a data.rsc written by prep_isce does).
    if !a.contains("ALOOKS") || !a.contains("RLOOKS") {
        let (al, rl) = multilook_numbers(geom_dir)?.unwrap_or((1, 1));
        let (al, rl) = (al.max(1), rl.max(1));
        a.set("ALOOKS", al);
        a.set("RLOOKS", rl);
        set_ncorrlooks(&mut a, 1.0, 1.0);
        for (key, looks) in [("RANGE_PIXEL_SIZE", rl), ("AZIMUTH_PIXEL_SIZE", al)] {
            if let Some(v) = a.get_f64_opt(key) {
                a.set(key, py_f64(v * looks as f64));
            }
        }
    } else if !a.contains("NCORRLOOKS") {
        let al = a.get_f64_opt("ALOOKS").unwrap_or(1.0);
        let rl = a.get_f64_opt("RLOOKS").unwrap_or(1.0);
        set_ncorrlooks(&mut a, rl, al);
    }
    a.set("LENGTH", length);
    a.set("WIDTH", width);

    for (layer, prefix) in [
        (GeomLayer::Latitude, "LAT_REF"),
        (GeomLayer::Longitude, "LON_REF"),
    ] {
        if a.contains(&format!("{prefix}1")) {
            continue;
        }
        let Some((layout, band)) = geom(layer) else {
            continue;
        };
        if let Some((r0, r1)) = nonzero_rows(layout, band)? {
            let last = layout.width - 1;
            for (i, (y, x)) in [(r0, 0), (r0, last), (r1, 0), (r1, last)]
                .iter()
                .enumerate()
            {
                let v = layout.read_sample(band, *y, *x)?;
                a.set(format!("{prefix}{}", i + 1), fmt_value(v, layout.dtype));
            }
        }
    }
    if !a.contains("CENTER_INCIDENCE_ANGLE") {
        if let Some((layout, band)) = geom(GeomLayer::IncidenceAngle) {
            let v = layout
                .read_sample(band, layout.length / 2, layout.width / 2)
                .with_context(|| "reading the centre incidence angle")?;
            let v = if v == 0.0 { f64::NAN } else { v };
            a.set("CENTER_INCIDENCE_ANGLE", fmt_value(v, layout.dtype));
        }
    }
    a.set("PROCESSOR", "isce");
    if !a.contains("ANTENNA_SIDE") {
        a.set("ANTENNA_SIDE", "-1");
    }
    Ok(a)
}

/// The keys MintPy would have taken from the reference's metadata, besides `WAVELENGTH`, and
/// the `--meta` spelling of each not in `given`: `", and where known: --meta
/// STARTING_RANGE=<metres> ..."`.
fn missing_keys(given: &[(String, String)]) -> String {
    const KEYS: [(&str, &str); 9] = [
        ("STARTING_RANGE", "<metres>"),
        ("RANGE_PIXEL_SIZE", "<metres>"),
        ("AZIMUTH_PIXEL_SIZE", "<metres>"),
        ("ALOOKS", "<looks>"),
        ("RLOOKS", "<looks>"),
        ("HEADING", "<degrees>"),
        ("CENTER_LINE_UTC", "<seconds>"),
        ("ORBIT_DIRECTION", "<ASCENDING|DESCENDING>"),
        ("PLATFORM", "<name>"),
    ];
    let flags: Vec<String> = KEYS
        .iter()
        .filter(|(k, _)| !given.iter().any(|(g, _)| g == k))
        .map(|(k, v)| format!("--meta {k}={v}"))
        .collect();
    if flags.is_empty() {
        String::new()
    } else {
        format!(", and where known: {}", flags.join(" "))
    }
}

/// `NCORRLOOKS = RLOOKS * ALOOKS / ((rangeResolution / rangePixelSize) *
/// (azimuthResolution / azimuthPixelSize))` with full-resolution pixel sizes (the current
/// sizes divided by `rl_done`/`al_done`, the looks they already include).
fn set_ncorrlooks(a: &mut Attributes, rl_done: f64, al_done: f64) {
    let get = |k: &str| a.get_f64_opt(k);
    let (Some(rres), Some(ares), Some(rps), Some(aps), Some(al), Some(rl)) = (
        get("rangeResolution"),
        get("azimuthResolution"),
        get("RANGE_PIXEL_SIZE"),
        get("AZIMUTH_PIXEL_SIZE"),
        get("ALOOKS"),
        get("RLOOKS"),
    ) else {
        return;
    };
    let rgfact = rres / (rps / rl_done);
    let azfact = ares / (aps / al_done);
    a.set("NCORRLOOKS", py_f64(rl * al / (rgfact * azfact)));
}
