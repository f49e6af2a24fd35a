//! The GDAL VRTs of an ARIA-tools time-series folder: the stack VRTs (`stack/unwrapStack.vrt`,
//! one band per pair with its `<Metadata>` of dates, baseline, wavelength, ...) and the
//! single-band rasters they and MintPy's geometry keys point at: per-pair `<name>.vrt` files
//! made by `gdal.Translate(..., format="VRT")` of an ENVI raster (or a GeoTIFF, with
//! `ariaTSsetup.py -of GTiff`), or the raster itself (`DEM/glo_90.dem` beside `glo_90.hdr`).
//!
//! Facts (aria-tools/ARIA-tools, commit 7b151f92): `tools/bin/ariaTSsetup.py` `generate_stack`
//! writes the stack VRT by hand (`<SRS>`, `<GeoTransform>`, per band `<NoDataValue>`, one
//! `<SimpleSource>` with a path relative to the VRT and whole-raster `SrcRect`/`DstRect`, and
//! `<Metadata domain='<layer>'>` with `MDI` keys `Dates`, `Wavelength (m)`, `UTCTime
//! (HH:MM:SS.ss)`, `startRange`, `endRange`, `slantRangeSpacing`, `orbitDirection`,
//! `perpendicularBaseline`); `tools/ARIAtools/util/seq_stitch.py` and `extractProduct.py`
//! write each pair's raster with `gdal.Warp(format=ENVI)` and its VRT with `gdal.Translate`.
//! A VRT that windows, resamples or warps its source is refused with the reason, never read
//! as something else.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::source::raster::envi_hdr::layout_from_hdr;
use crate::source::raster::vrt::layout_from_vrt;
use crate::source::raster::{DataType, GeoTiff, RasterLayout, Sample};
use crate::window::Window;

use super::warped::Warped;

/// How deep VRTs may point at VRTs (the stack VRT, a pair's VRT, its ENVI file).
const MAX_DEPTH: usize = 4;

use crate::source::raster::vrt::{child, child_text, source_band, source_filename, source_path};

/// The EPSG code a GDAL `<SRS>` names: `EPSG:n`, or the last (outermost) `AUTHORITY["EPSG",
/// "n"]` of WKT1, or `ID["EPSG",n]` of WKT2.
pub fn srs_epsg(srs: &str) -> Option<u32> {
    let s = srs.trim();
    if let Some(code) = s.strip_prefix("EPSG:") {
        return code.trim().parse().ok();
    }
    let digits = |tail: &str| -> Option<u32> {
        let t = tail.trim_start_matches(['"', ' ']);
        let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        t[..end].parse().ok()
    };
    if let Some(i) = s.rfind("AUTHORITY[\"EPSG\",") {
        return digits(&s[i + "AUTHORITY[\"EPSG\",".len()..]);
    }
    s.rfind("ID[\"EPSG\",")
        .and_then(|i| digits(&s[i + "ID[\"EPSG\",".len()..]))
}

/// The map grid of a `<VRTDataset>` with a `<GeoTransform>` (none without one).
fn vrt_grid(
    root: roxmltree::Node,
    vrt: &Path,
    (width, length): (usize, usize),
) -> anyhow::Result<Option<MapGrid>> {
    let Some(gt) = child_text(root, "GeoTransform") else {
        return Ok(None);
    };
    let v: Vec<f64> = gt
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()
        .filter(|v: &Vec<f64>| v.len() == 6)
        .with_context(|| {
            format!(
                "malformed VRT {}: <GeoTransform> '{gt}' is not six numbers",
                vrt.display()
            )
        })?;
    if v[2] != 0.0 || v[4] != 0.0 {
        bail!(
            "VRT {}: its <GeoTransform> is rotated ({gt}); sbas reads north-up grids",
            vrt.display()
        );
    }
    let srs = child_text(root, "SRS").unwrap_or("");
    let epsg = srs_epsg(srs);
    let degrees = epsg == Some(4326)
        || srs.starts_with("GEOGCS")
        || srs.starts_with("GEOGCRS")
        || (srs.is_empty() && v[1].abs() < 1.0);
    Ok(Some(MapGrid {
        epsg,
        degrees,
        ..MapGrid::lat_lon(v[3], v[0], v[5], v[1], length, width)
    }))
}

fn raster_size(root: roxmltree::Node, vrt: &Path) -> anyhow::Result<(usize, usize)> {
    let size = |k: &str| -> anyhow::Result<usize> {
        let v = root
            .attribute(k)
            .with_context(|| format!("malformed VRT {}: no {k} attribute", vrt.display()))?;
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .with_context(|| {
                format!(
                    "malformed VRT {}: {k} = '{v}' is not a positive whole number",
                    vrt.display()
                )
            })
    };
    Ok((size("rasterXSize")?, size("rasterYSize")?))
}

fn parse_doc<'a>(
    text: &'a str,
    vrt: &Path,
    allow_warped: bool,
) -> anyhow::Result<roxmltree::Document<'a>> {
    let doc = roxmltree::Document::parse(text)
        .with_context(|| format!("malformed VRT {}", vrt.display()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "VRTDataset" {
        bail!(
            "malformed VRT {}: root element <{}> is not <VRTDataset>",
            vrt.display(),
            root.tag_name().name()
        );
    }
    if let Some(sub) = root.attribute("subClass") {
        if allow_warped && sub == "VRTWarpedDataset" {
            return Ok(doc);
        }
        bail!(
            "VRT {} is a {sub}: sbas reads a warped VRT only as a pair's raster (what \
             ariaTSsetup.py writes for coherence with its default -of VRT), not as a stack; \
             run ariaTSsetup.py with -of ENVI, which writes the pixels",
            vrt.display()
        );
    }
    Ok(doc)
}

/// Where a `<SimpleSource>` reads: the file (relative to the VRT when it says so), its band,
/// after checking the source is taken whole and unchanged.
fn simple_source(
    band: roxmltree::Node,
    index: usize,
    vrt: &Path,
    (width, length): (usize, usize),
) -> anyhow::Result<(PathBuf, usize)> {
    let sources: Vec<roxmltree::Node> = band
        .children()
        .filter(|c| c.is_element() && c.tag_name().name().ends_with("Source"))
        .collect();
    let src = match sources.as_slice() {
        [one] => *one,
        [] => bail!("VRT {}: band {index} has no source", vrt.display()),
        more => bail!(
            "VRT {}: band {index} is a mosaic of {} sources; sbas reads one whole raster per \
             band",
            vrt.display(),
            more.len()
        ),
    };
    let kind = src.tag_name().name();
    if kind != "SimpleSource" && kind != "ComplexSource" {
        bail!(
            "VRT {}: band {index} is a <{kind}>; only <SimpleSource> bands are read",
            vrt.display()
        );
    }
    if kind == "ComplexSource" {
        for k in ["ScaleOffset", "ScaleRatio", "LUT", "ComplexSourceDstNoData"] {
            if child(src, k).is_some() {
                bail!(
                    "VRT {}: band {index}'s <ComplexSource> has <{k}>: it changes the values; \
                     sbas reads sources unchanged",
                    vrt.display()
                );
            }
        }
    }
    let (fname, name) = source_filename(vrt, src, index)?;
    if name.starts_with("NETCDF:") || name.starts_with("HDF5:") {
        bail!(
            "VRT {}: band {index} reads the netCDF subdataset {name} directly (ARIA products \
             not extracted); sbas reads the files ariaTSsetup.py extracts: run it with -of ENVI",
            vrt.display()
        );
    }
    let path = source_path(vrt, fname, name);
    let sband = source_band(vrt, src, index)?;
    let whole = |rect: &str, size: (usize, usize)| -> anyhow::Result<()> {
        let Some(r) = child(src, rect) else {
            return Ok(());
        };
        let get = |k: &str| r.attribute(k).and_then(|v| v.trim().parse::<f64>().ok());
        let want = [
            ("xOff", 0.0),
            ("yOff", 0.0),
            ("xSize", size.0 as f64),
            ("ySize", size.1 as f64),
        ];
        if want.iter().any(|(k, v)| get(k) != Some(*v)) {
            bail!(
                "VRT {}: band {index}'s <{rect}> (xOff/yOff/xSize/ySize = {}/{}/{}/{}) is not \
                 the whole {} x {} raster: a VRT that crops, shifts or resamples its source is \
                 not read (the pair's grid differs from the stack's)",
                vrt.display(),
                r.attribute("xOff").unwrap_or("?"),
                r.attribute("yOff").unwrap_or("?"),
                r.attribute("xSize").unwrap_or("?"),
                r.attribute("ySize").unwrap_or("?"),
                size.1,
                size.0
            );
        }
        Ok(())
    };
    whole("DstRect", (width, length))?;
    // The source must be as large as the VRT: its own size is checked when it is opened; a
    // SrcRect equal to the VRT's size then means the whole source.
    whole("SrcRect", (width, length))?;
    Ok((path, sband))
}

/// One band of a stack VRT: where its pixels are and what its metadata say.
#[derive(Debug, Clone)]
pub struct StackBand {
    /// 1-based band number.
    pub index: usize,
    /// GDAL's data type of the band (`Float32`, `Int16`): what the source is converted to.
    pub dtype: DataType,
    /// The band's `<NoDataValue>`.
    pub nodata: Option<f64>,
    /// The source raster (a pair's `.vrt` or raster file).
    pub source: PathBuf,
    /// Its band, 1-based.
    pub source_band: usize,
    /// The `<Metadata domain=...>` name (the ARIA layer, e.g. `unwrappedPhase`).
    pub domain: String,
    /// The `MDI` entries of that domain, in file order.
    pub meta: Vec<(String, String)>,
}

impl StackBand {
    /// The value of `MDI key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A stack VRT of ARIA-tools.
#[derive(Debug, Clone)]
pub struct StackVrt {
    /// The file.
    pub path: PathBuf,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub length: usize,
    /// Its grid.
    pub grid: MapGrid,
    /// Its bands in band order.
    pub bands: Vec<StackBand>,
}

/// Reads the stack VRT `path`.
pub fn read_stack_vrt(path: &Path) -> anyhow::Result<StackVrt> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the ARIA stack VRT {}", path.display()))?;
    let doc = parse_doc(&text, path, false)?;
    let root = doc.root_element();
    let (width, length) = raster_size(root, path)?;
    let grid = vrt_grid(root, path, (width, length))?.with_context(|| {
        format!(
            "ARIA stack VRT {} has no <GeoTransform>: it is not georeferenced",
            path.display()
        )
    })?;
    let mut bands = Vec::new();
    for (i, b) in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
        .enumerate()
    {
        let index = match b.attribute("band") {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .with_context(|| format!("malformed VRT {}: band number '{v}'", path.display()))?,
            None => i + 1,
        };
        let dt = b.attribute("dataType").unwrap_or("Float32");
        let dtype = DataType::from_gdal(dt).with_context(|| {
            format!(
                "VRT {}: unsupported dataType '{dt}' in band {index}",
                path.display()
            )
        })?;
        let nodata = match child_text(b, "NoDataValue") {
            None => None,
            Some(v) => Some(parse_nodata(v).with_context(|| {
                format!(
                    "malformed VRT {}: band {index}'s <NoDataValue> '{v}' is not a number",
                    path.display()
                )
            })?),
        };
        let (source, source_band) = simple_source(b, index, path, (width, length))?;
        let md = b
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "Metadata");
        let (domain, meta) = match md {
            None => (String::new(), Vec::new()),
            Some(m) => (
                m.attribute("domain").unwrap_or("").to_string(),
                m.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "MDI")
                    .map(|c| {
                        (
                            c.attribute("key").unwrap_or("").to_string(),
                            c.text().map(str::trim).unwrap_or("").to_string(),
                        )
                    })
                    .collect(),
            ),
        };
        bands.push(StackBand {
            index,
            dtype,
            nodata,
            source,
            source_band,
            domain,
            meta,
        });
    }
    if bands.is_empty() {
        bail!("ARIA stack VRT {} has no band", path.display());
    }
    bands.sort_by_key(|b| b.index);
    Ok(StackVrt {
        path: path.to_path_buf(),
        width,
        length,
        grid,
        bands,
    })
}

/// GDAL's no-data text: a number, `nan`, `inf`.
fn parse_nodata(v: &str) -> Option<f64> {
    match v.trim().to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// Where a band's pixels are.
#[derive(Debug, Clone)]
pub enum Pixels {
    /// A flat raster (ENVI) and its band, 0-based.
    Flat(RasterLayout, usize),
    /// A single-band GeoTIFF.
    Tiff(GeoTiff),
    /// A `gdal.Warp` VRT of GUNW netCDF-4 frames that copies pixels under a cutline.
    Warped(Box<Warped>),
}

/// A single-band raster as GDAL opens it for MintPy: its pixels, no-data value and grid.
#[derive(Debug, Clone)]
pub struct Band {
    /// The file opened (a `.vrt` or the raster).
    pub path: PathBuf,
    /// The pixels.
    pub pixels: Pixels,
    /// The band's no-data value (`<NoDataValue>` or ENVI's `data ignore value`).
    pub nodata: Option<f64>,
    /// Its grid, when the file gives one.
    pub grid: Option<MapGrid>,
}

impl Band {
    /// Opens `path`: a GDAL VRT or an ENVI raster (header `path.hdr` or `path` with its
    /// extension replaced by `.hdr`, as GDAL looks for it).
    pub fn open(path: &Path) -> anyhow::Result<Band> {
        open_at(path, 1, 0)
    }

    /// Reads `window` as f32 (as GDAL gives the band's own type).
    pub fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        match &self.pixels {
            Pixels::Flat(layout, band) => layout.read_window(*band, window, out),
            Pixels::Tiff(t) => t.read_window(window, out),
            Pixels::Warped(w) => w.read(window, out),
        }
    }

    /// Columns and rows.
    pub fn size(&self) -> (usize, usize) {
        match &self.pixels {
            Pixels::Flat(l, _) => (l.width, l.length),
            Pixels::Tiff(t) => (t.width(), t.length()),
            Pixels::Warped(w) => (w.width, w.length),
        }
    }

    /// The sample type (GDAL's), if sbas knows it.
    pub fn dtype(&self) -> Option<DataType> {
        match &self.pixels {
            Pixels::Flat(l, _) => Some(l.dtype),
            Pixels::Tiff(t) => match t.sample() {
                Sample::U8 => Some(DataType::U8),
                Sample::I16 => Some(DataType::I16),
                Sample::U16 => Some(DataType::U16),
                Sample::I32 => Some(DataType::I32),
                Sample::U32 => Some(DataType::U32),
                Sample::F32 => Some(DataType::F32),
                Sample::F64 => Some(DataType::F64),
                Sample::I8 => None,
            },
            Pixels::Warped(_) => Some(DataType::F32),
        }
    }

    /// The no-data value as MintPy compares it with the data read as `float32`.
    pub fn nodata_f32(&self) -> Option<f32> {
        self.nodata.map(|v| v as f32)
    }
}

/// The ENVI header GDAL finds for `data`: `data.hdr`, else `data` with `.hdr` for its
/// extension.
fn envi_header(data: &Path) -> Option<PathBuf> {
    let full = crate::source::raster::sidecar(data, "hdr");
    if full.is_file() {
        return Some(full);
    }
    let replaced = data.with_extension("hdr");
    replaced.is_file().then_some(replaced)
}

/// Whether `path` starts as a TIFF or BigTIFF does (`II*\0`, `MM\0*`, `II+\0`, `MM\0+`).
fn is_tiff(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && matches!(&head, b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+")
}

/// The `data ignore value` of an ENVI header.
fn envi_nodata(hdr: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(hdr).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("data ignore value"))
            .then(|| parse_nodata(v))
            .flatten()
    })
}

fn open_at(path: &Path, band: usize, depth: usize) -> anyhow::Result<Band> {
    if depth >= MAX_DEPTH {
        bail!(
            "VRT {}: sources nested more than {MAX_DEPTH} deep (a loop?)",
            path.display()
        );
    }
    let is_vrt = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("vrt"));
    if !is_vrt {
        if !path.is_file() {
            bail!("raster {} does not exist", path.display());
        }
        if is_tiff(path) {
            if band != 1 {
                bail!(
                    "GeoTIFF {}: band {band} asked for; sbas reads band 1",
                    path.display()
                );
            }
            let t = GeoTiff::open(path)?;
            return Ok(Band {
                path: path.to_path_buf(),
                nodata: t.nodata(),
                grid: t.grid().ok(),
                pixels: Pixels::Tiff(t),
            });
        }
        let hdr = envi_header(path).with_context(|| {
            format!(
                "raster {} is no GeoTIFF and has no ENVI header ({} or {}): sbas reads the \
                 ENVI and GeoTIFF rasters ariaTSsetup.py writes",
                path.display(),
                crate::source::raster::sidecar(path, "hdr").display(),
                path.with_extension("hdr").display()
            )
        })?;
        let layout = layout_from_hdr(&hdr, path)?;
        if band > layout.bands.len() {
            bail!(
                "raster {} has {} band(s), band {band} asked for",
                path.display(),
                layout.bands.len()
            );
        }
        layout.check_file_size()?;
        return Ok(Band {
            path: path.to_path_buf(),
            nodata: envi_nodata(&hdr),
            pixels: Pixels::Flat(layout, band - 1),
            grid: None,
        });
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read VRT {}", path.display()))?;
    let doc = parse_doc(&text, path, true)?;
    let root = doc.root_element();
    let size = raster_size(root, path)?;
    let grid = vrt_grid(root, path, size)?;
    if root.attribute("subClass") == Some("VRTWarpedDataset") {
        if band != 1 {
            bail!(
                "warped VRT {}: band {band} asked for; sbas reads band 1",
                path.display()
            );
        }
        let w = Warped::open(path, root, size)?;
        let nodata = root
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
            .and_then(|b| child_text(b, "NoDataValue"))
            .and_then(parse_nodata);
        return Ok(Band {
            path: path.to_path_buf(),
            pixels: Pixels::Warped(Box::new(w)),
            nodata,
            grid,
        });
    }
    let bands: Vec<roxmltree::Node> = root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
        .collect();
    let b = *bands.get(band - 1).with_context(|| {
        format!(
            "VRT {} has {} band(s), band {band} asked for",
            path.display(),
            bands.len()
        )
    })?;
    let nodata = child_text(b, "NoDataValue").and_then(parse_nodata);
    if b.attribute("subClass") == Some("VRTRawRasterBand") {
        let data = path.with_extension("");
        let layout = layout_from_vrt(path, &data)?;
        layout.check_file_size()?;
        return Ok(Band {
            path: path.to_path_buf(),
            pixels: Pixels::Flat(layout, band - 1),
            nodata,
            grid,
        });
    }
    let dt = b.attribute("dataType").unwrap_or("Float32");
    let dtype = DataType::from_gdal(dt).with_context(|| {
        format!(
            "VRT {}: unsupported dataType '{dt}' in band {band}",
            path.display()
        )
    })?;
    let (src, sband) = simple_source(b, band, path, size)?;
    let inner = open_at(&src, sband, depth + 1).with_context(|| {
        format!(
            "VRT {}: reading its source {}",
            path.display(),
            src.display()
        )
    })?;
    let (w, l) = inner.size();
    if (w, l) != size {
        bail!(
            "VRT {}: its source {} is {l} x {w} (rows x columns), the VRT {} x {}: a VRT that \
             crops or resamples is not read",
            path.display(),
            src.display(),
            size.1,
            size.0
        );
    }
    if Some(dtype) != inner.dtype() {
        bail!(
            "VRT {}: band {band} is {dt} but its source {} holds {:?}; a VRT that converts \
             types is read only as a stack band",
            path.display(),
            src.display(),
            inner.dtype()
        );
    }
    Ok(Band {
        path: path.to_path_buf(),
        nodata: nodata.or(inner.nodata),
        grid: grid.or(inner.grid),
        ..inner
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsg_of_gdal_srs_texts() {
        let wkt = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],AUTHORITY["EPSG","4326"]]"#;
        assert_eq!(srs_epsg(wkt), Some(4326));
        assert_eq!(srs_epsg("EPSG:32611"), Some(32611));
        assert_eq!(srs_epsg(r#"GEOGCRS["WGS 84",ID["EPSG",4326]]"#), Some(4326));
        assert_eq!(srs_epsg(""), None);
        assert_eq!(parse_nodata("nan").map(f64::is_nan), Some(true));
        assert_eq!(parse_nodata("-1.0"), Some(-1.0));
    }
}
