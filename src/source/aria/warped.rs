//! The `gdal.Warp(format="VRT")` files ARIA-tools' `ariaTSsetup.py` writes per pair for
//! coherence (and the other full-resolution layers) with its default `-of VRT` and no `--mask`:
//! a `VRTWarpedDataset` whose source is `<pair>_uncropped.vrt`, a `gdal.BuildVRT` mosaic of the
//! pair's GUNW frames read as netCDF-4 subdatasets (`NETCDF:"<frame>.nc":/science/grids/data/
//! coherence`), warped with the product bounding box as cutline.
//!
//! Facts (aria-tools/ARIA-tools, commit 7b151f92, `tools/ARIAtools/extractProduct.py`,
//! `export_product_worker`): `gdal.BuildVRT(outname + "_uncropped.vrt", product)`, then
//! `gdal.Warp(outname + ".vrt", outname + "_uncropped.vrt", format=VRT, cutlineDSName=
//! prods_TOTbbox, outputBounds=bounds, xRes/yRes=arrres, targetAlignedPixels=True,
//! multithread=True, dstSRS=proj)`: nearest neighbour, no `dstNodata` (GDAL copies the source
//! no-data value). GUNW frames: `/science/grids/data/{coherence,longitude,latitude}`, the
//! coordinates 1-D pixel centres, latitude decreasing (north-up), coherence float32 with
//! no-data 0 (ARIA-tools `ARIAtools/product.py` reads its mean with `nodata=0`).
//!
//! sbas reads the case ARIA-tools produces, where the warp is a pure copy: same CRS, same pixel
//! size, destination origin a whole number of pixels from the source's, nearest neighbour. It
//! then applies GDAL's rules: a destination pixel is kept when its centre lies inside the
//! cutline (given in source pixel/line coordinates), and its source value is not the source
//! no-data value (nor NaN, when there is one); every other pixel gets the destination no-data
//! value (`INIT_DEST=NO_DATA`).
//! Anything else (a real resampling, a reprojection, a misaligned grid, a blend distance) is
//! refused with the reason.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::window::Window;

use crate::source::raster::vrt::{child, child_text};

fn descendant<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.descendants()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Six numbers of a geotransform written `a,b,c,d,e,f`.
fn six(text: &str, what: &str, vrt: &Path) -> anyhow::Result<[f64; 6]> {
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()
        .filter(|v: &Vec<f64>| v.len() == 6)
        .with_context(|| {
            format!(
                "malformed warped VRT {}: <{what}> '{text}' is not six numbers",
                vrt.display()
            )
        })?;
    Ok([v[0], v[1], v[2], v[3], v[4], v[5]])
}

fn number(text: &str) -> Option<f64> {
    match text.trim().to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// Whether `v` is the no-data value `nd` (NaN matches NaN), as GDAL compares in float32.
fn is_nodata(v: f32, nd: Option<f64>) -> bool {
    match nd {
        None => false,
        Some(n) if n.is_nan() => v.is_nan(),
        Some(n) => v == n as f32,
    }
}

/// Whether GDAL leaves `v` out of a mosaic or a warp: its source's no-data value, or NaN when
/// the source has a no-data value.
fn is_void(v: f32, nd: Option<f64>) -> bool {
    is_nodata(v, nd) || (nd.is_some() && v.is_nan())
}

/// One netCDF-4 (HDF5) 2-D float32 variable read as GDAL's netCDF driver shows it.
#[derive(Debug, Clone)]
struct NcVar {
    file: PathBuf,
    var: String,
    width: usize,
    length: usize,
    /// GDAL's geotransform from the 1-D coordinate variables (pixel centres).
    gt: [f64; 6],
}

/// Splits `NETCDF:"file":/var` (or `NETCDF:file:/var`).
fn split_subdataset(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("NETCDF:")?;
    if let Some(q) = rest.strip_prefix('"') {
        let end = q.find('"')?;
        let var = q[end + 1..].strip_prefix(':')?;
        Some((&q[..end], var))
    } else {
        let i = rest.rfind(':')?;
        Some((&rest[..i], &rest[i + 1..]))
    }
}

impl NcVar {
    fn open(file: &Path, var: &str) -> anyhow::Result<NcVar> {
        let h = hdf5::File::open(file)
            .with_context(|| format!("cannot open the netCDF-4 file {}", file.display()))?;
        let d = h
            .dataset(var)
            .with_context(|| format!("netCDF-4 file {} has no variable {var}", file.display()))?;
        let shape = d.shape();
        if shape.len() != 2 {
            bail!(
                "netCDF-4 file {}: variable {var} has {} dimensions, not 2",
                file.display(),
                shape.len()
            );
        }
        use hdf5::types::{FloatSize, TypeDescriptor as D};
        if !matches!(
            d.dtype().and_then(|t| t.to_descriptor()),
            Ok(D::Float(FloatSize::U4))
        ) {
            bail!(
                "netCDF-4 file {}: variable {var} is not float32; sbas reads float32 GUNW \
                 layers (coherence) through warped VRTs",
                file.display()
            );
        }
        let (length, width) = (shape[0], shape[1]);
        // GUNW keeps its coordinates beside the layer: /science/grids/data/{longitude,latitude}.
        let dir = var.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let coord = |name: &str, n: usize| -> anyhow::Result<Vec<f64>> {
            let full = format!("{dir}/{name}");
            let c = h.dataset(&full).with_context(|| {
                format!(
                    "netCDF-4 file {}: no coordinate variable {full} beside {var}",
                    file.display()
                )
            })?;
            let v: Vec<f64> = c
                .read_raw()
                .with_context(|| format!("cannot read {full} of {}", file.display()))?;
            if v.len() != n || n < 2 {
                bail!(
                    "netCDF-4 file {}: {full} has {} values, {var} {n} along it",
                    file.display(),
                    v.len()
                );
            }
            Ok(v)
        };
        let lon = coord("longitude", width)?;
        let lat = coord("latitude", length)?;
        // GDAL's netCDF driver: spacing from the end points, origin half a pixel before the
        // first centre; rows stored north first are read as stored.
        let dx = (lon[width - 1] - lon[0]) / (width - 1) as f64;
        let dy = (lat[length - 1] - lat[0]) / (length - 1) as f64;
        if dx <= 0.0 || dy >= 0.0 {
            bail!(
                "netCDF-4 file {}: {var} has longitude decreasing or latitude increasing \
                 (rows south first); sbas reads north-up GUNW grids only",
                file.display()
            );
        }
        Ok(NcVar {
            file: file.to_path_buf(),
            var: var.to_string(),
            width,
            length,
            gt: [lon[0] - dx / 2.0, dx, 0.0, lat[0] - dy / 2.0, 0.0, dy],
        })
    }

    fn read(&self, y0: usize, y1: usize, x0: usize, x1: usize) -> anyhow::Result<Vec<f32>> {
        use ndarray::s;
        let h = hdf5::File::open(&self.file)
            .with_context(|| format!("cannot open the netCDF-4 file {}", self.file.display()))?;
        let a = h
            .dataset(&self.var)
            .and_then(|d| d.read_slice_2d::<f32, _>(s![y0..y1, x0..x1]))
            .with_context(|| {
                format!(
                    "cannot read {} rows {y0}..{y1} columns {x0}..{x1} of {}",
                    self.var,
                    self.file.display()
                )
            })?;
        Ok(a.iter().copied().collect())
    }
}

/// One frame of the mosaic: a netCDF variable placed whole at a pixel offset.
#[derive(Debug, Clone)]
struct Frame {
    var: NcVar,
    x_off: usize,
    y_off: usize,
    nodata: Option<f64>,
}

/// `gdal.BuildVRT` of the frames (or one subdataset alone).
#[derive(Debug, Clone)]
struct Mosaic {
    width: usize,
    length: usize,
    gt: [f64; 6],
    srs: String,
    nodata: Option<f64>,
    frames: Vec<Frame>,
}

fn resolve(base: &Path, name: &str, relative: bool) -> PathBuf {
    if relative {
        base.parent().unwrap_or(Path::new("")).join(name)
    } else {
        PathBuf::from(name)
    }
}

fn whole_number(v: f64) -> Option<usize> {
    (v >= 0.0 && v.fract() == 0.0).then_some(v as usize)
}

impl Mosaic {
    fn subdataset(name: &str, base: &Path, relative: bool) -> anyhow::Result<Mosaic> {
        let (file, var) = split_subdataset(name).with_context(|| {
            format!(
                "warped VRT {}: source '{name}' is not NETCDF:\"file\":/variable",
                base.display()
            )
        })?;
        let v = NcVar::open(&resolve(base, file, relative), var)?;
        Ok(Mosaic {
            width: v.width,
            length: v.length,
            gt: v.gt,
            srs: String::new(),
            nodata: None,
            frames: vec![Frame {
                var: v,
                x_off: 0,
                y_off: 0,
                nodata: None,
            }],
        })
    }

    fn open(vrt: &Path) -> anyhow::Result<Mosaic> {
        let text = std::fs::read_to_string(vrt)
            .with_context(|| format!("cannot read VRT {}", vrt.display()))?;
        let doc = roxmltree::Document::parse(&text)
            .with_context(|| format!("malformed VRT {}", vrt.display()))?;
        let root = doc.root_element();
        if root.tag_name().name() != "VRTDataset" || root.attribute("subClass").is_some() {
            bail!(
                "VRT {}: the source of a warped VRT must be a plain VRT mosaic of GUNW frames",
                vrt.display()
            );
        }
        let size = |k: &str| -> anyhow::Result<usize> {
            root.attribute(k)
                .and_then(|v| v.trim().parse().ok())
                .with_context(|| format!("malformed VRT {}: no valid {k}", vrt.display()))
        };
        let (width, length) = (size("rasterXSize")?, size("rasterYSize")?);
        let gt = six(
            child_text(root, "GeoTransform")
                .with_context(|| format!("VRT {} has no <GeoTransform>", vrt.display()))?,
            "GeoTransform",
            vrt,
        )?;
        let srs = child_text(root, "SRS").unwrap_or("").to_string();
        let bands: Vec<_> = root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
            .collect();
        let [band] = bands.as_slice() else {
            bail!(
                "VRT {}: {} bands; a GUNW layer mosaic has one",
                vrt.display(),
                bands.len()
            );
        };
        if band.attribute("dataType") != Some("Float32") {
            bail!("VRT {}: band is not Float32", vrt.display());
        }
        let nodata = child_text(*band, "NoDataValue").and_then(number);
        let mut frames = Vec::new();
        for s in band.children().filter(|c| c.is_element()) {
            let kind = s.tag_name().name();
            match kind {
                "NoDataValue" | "ColorInterp" | "Metadata" | "Description" => continue,
                "SimpleSource" | "ComplexSource" => {}
                other => bail!(
                    "VRT {}: <{other}> in its band; sbas reads mosaics of whole GUNW frames",
                    vrt.display()
                ),
            }
            for c in s.children().filter(|c| c.is_element()) {
                let k = c.tag_name().name();
                if !matches!(
                    k,
                    "SourceFilename"
                        | "SourceBand"
                        | "SourceProperties"
                        | "SrcRect"
                        | "DstRect"
                        | "NODATA"
                        | "OpenOptions"
                ) {
                    bail!(
                        "VRT {}: a source has <{k}>, which changes the values; not read",
                        vrt.display()
                    );
                }
            }
            let f = child(s, "SourceFilename").with_context(|| {
                format!("malformed VRT {}: a source without file", vrt.display())
            })?;
            let name = f.text().map(str::trim).unwrap_or_default();
            let relative = f.attribute("relativeToVRT").map(str::trim) == Some("1");
            let (file, var) = split_subdataset(name).with_context(|| {
                format!(
                    "VRT {}: source '{name}' is not a NETCDF:\"file\":/variable subdataset",
                    vrt.display()
                )
            })?;
            if child_text(s, "SourceBand").is_some_and(|b| b != "1") {
                bail!("VRT {}: a source reads a band other than 1", vrt.display());
            }
            let v = NcVar::open(&resolve(vrt, file, relative), var)?;
            let rect = |r: &str, want: (usize, usize)| -> anyhow::Result<(usize, usize)> {
                let Some(n) = child(s, r) else {
                    return Ok((0, 0));
                };
                let g = |k: &str| n.attribute(k).and_then(|v| v.trim().parse::<f64>().ok());
                let (Some(x), Some(y), Some(w), Some(l)) =
                    (g("xOff"), g("yOff"), g("xSize"), g("ySize"))
                else {
                    bail!("malformed VRT {}: <{r}>", vrt.display());
                };
                match (whole_number(x), whole_number(y)) {
                    (Some(x), Some(y)) if (w, l) == (want.0 as f64, want.1 as f64) => Ok((x, y)),
                    _ => bail!(
                        "VRT {}: source {name}'s <{r}> ({x}/{y}/{w}/{l}) crops, resamples or \
                         shifts by part of a pixel; not read",
                        vrt.display()
                    ),
                }
            };
            if rect("SrcRect", (v.width, v.length))? != (0, 0) {
                bail!("VRT {}: source {name} is cropped; not read", vrt.display());
            }
            let (x_off, y_off) = rect("DstRect", (v.width, v.length))?;
            if x_off + v.width > width || y_off + v.length > length {
                bail!(
                    "VRT {}: source {name} lies partly outside the mosaic",
                    vrt.display()
                );
            }
            let expect = [gt[0] + x_off as f64 * gt[1], gt[3] + y_off as f64 * gt[5]];
            let tol = 1e-6 * gt[1].abs();
            if (v.gt[1] - gt[1]).abs() > 1e-9 * gt[1].abs()
                || (v.gt[5] - gt[5]).abs() > 1e-9 * gt[5].abs()
                || (v.gt[0] - expect[0]).abs() > tol
                || (v.gt[3] - expect[1]).abs() > tol
            {
                bail!(
                    "VRT {}: frame {} (origin {}, {}, step {}, {}) is not at its place in the \
                     mosaic or has another pixel size; not read",
                    vrt.display(),
                    v.file.display(),
                    v.gt[0],
                    v.gt[3],
                    v.gt[1],
                    v.gt[5]
                );
            }
            let fnd = child_text(s, "NODATA").and_then(number);
            frames.push(Frame {
                var: v,
                x_off,
                y_off,
                nodata: fnd,
            });
        }
        if frames.is_empty() {
            bail!("VRT {} has no source", vrt.display());
        }
        Ok(Mosaic {
            width,
            length,
            gt,
            srs,
            nodata,
            frames,
        })
    }

    /// Reads rows `y0..y1`, columns `x0..x1` (inside the mosaic) as GDAL's VRT does: the
    /// band's no-data value (or 0) first, then each frame in order over it except where the
    /// frame holds its no-data value (or NaN, when it has one).
    fn read(&self, y0: usize, y1: usize, x0: usize, x1: usize) -> anyhow::Result<Vec<f32>> {
        let w = x1 - x0;
        let mut out = vec![self.nodata.map_or(0.0, |v| v as f32); w * (y1 - y0)];
        for f in &self.frames {
            let fy0 = y0.max(f.y_off);
            let fy1 = y1.min(f.y_off + f.var.length);
            let fx0 = x0.max(f.x_off);
            let fx1 = x1.min(f.x_off + f.var.width);
            if fy0 >= fy1 || fx0 >= fx1 {
                continue;
            }
            let v = f
                .var
                .read(fy0 - f.y_off, fy1 - f.y_off, fx0 - f.x_off, fx1 - f.x_off)?;
            let fw = fx1 - fx0;
            for (i, row) in v.chunks(fw).enumerate() {
                let o = (fy0 + i - y0) * w + (fx0 - x0);
                for (d, &s) in out[o..o + fw].iter_mut().zip(row) {
                    // A source with a no-data value leaves its NaN pixels unpainted too.
                    if !is_void(s, f.nodata) {
                        *d = s;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A cutline: polygons of rings in source pixel/line coordinates.
#[derive(Debug, Clone)]
struct Cutline(Vec<Vec<Vec<(f64, f64)>>>);

impl Cutline {
    /// Parses the WKT `POLYGON ((...))` or `MULTIPOLYGON (((...)))` GDAL writes.
    fn parse(wkt: &str, vrt: &Path) -> anyhow::Result<Cutline> {
        let t = wkt.trim();
        let upper = t.to_ascii_uppercase();
        let (multi, body) = if let Some(b) = upper.strip_prefix("MULTIPOLYGON") {
            (true, &t[t.len() - b.len()..])
        } else if let Some(b) = upper.strip_prefix("POLYGON") {
            (false, &t[t.len() - b.len()..])
        } else {
            bail!(
                "warped VRT {}: its <Cutline> is not a POLYGON or MULTIPOLYGON",
                vrt.display()
            );
        };
        // Walk the parentheses: depth of a ring is 2 in a POLYGON, 3 in a MULTIPOLYGON.
        let ring_depth = if multi { 3 } else { 2 };
        let mut polys: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
        let mut depth = 0;
        let mut ring = String::new();
        for ch in body.chars() {
            match ch {
                '(' => {
                    depth += 1;
                    if depth == ring_depth - 1 {
                        polys.push(Vec::new());
                    }
                    if depth == ring_depth {
                        ring.clear();
                    }
                }
                ')' => {
                    if depth == ring_depth {
                        let pts: Option<Vec<(f64, f64)>> = ring
                            .split(',')
                            .map(|p| {
                                let mut it = p.split_whitespace().map(|v| v.parse::<f64>());
                                match (it.next(), it.next()) {
                                    (Some(Ok(x)), Some(Ok(y))) => Some((x, y)),
                                    _ => None,
                                }
                            })
                            .collect();
                        let pts = pts.with_context(|| {
                            format!("warped VRT {}: malformed <Cutline> ring", vrt.display())
                        })?;
                        polys
                            .last_mut()
                            .with_context(|| {
                                format!("warped VRT {}: malformed <Cutline>", vrt.display())
                            })?
                            .push(pts);
                    }
                    depth -= 1;
                }
                c if depth == ring_depth => ring.push(c),
                c if c.is_whitespace() || c == ',' => {}
                _ => bail!("warped VRT {}: malformed <Cutline>", vrt.display()),
            }
        }
        if depth != 0 || polys.iter().all(|p| p.is_empty()) {
            bail!("warped VRT {}: malformed or empty <Cutline>", vrt.display());
        }
        Ok(Cutline(polys))
    }

    /// Whether the point is inside (even-odd rule within each polygon, union of polygons).
    fn contains(&self, x: f64, y: f64) -> bool {
        self.0.iter().any(|poly| {
            let mut inside = false;
            for ring in poly {
                for k in 0..ring.len().saturating_sub(1) {
                    let (x1, y1) = ring[k];
                    let (x2, y2) = ring[k + 1];
                    if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                        inside = !inside;
                    }
                }
            }
            inside
        })
    }
}

/// A `VRTWarpedDataset` that is a pure copy of a window of its source with a cutline.
#[derive(Debug, Clone)]
pub struct Warped {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub length: usize,
    source: Mosaic,
    /// Column and row of the source at the destination's first pixel (may be negative).
    x_off: i64,
    y_off: i64,
    src_nodata: Option<f64>,
    /// What every pixel not copied gets.
    fill: f32,
    cutline: Option<Cutline>,
}

/// Warp options a pure copy may carry.
const HARMLESS_OPTIONS: [&str; 6] = [
    "INIT_DEST",
    "ERROR_OUT_IF_EMPTY_SOURCE_WINDOW",
    "NUM_THREADS",
    "WRITE_FLUSH",
    "SKIP_NOSOURCE",
    "UNIFIED_SRC_NODATA",
];

impl Warped {
    /// Reads the warped VRT `vrt` (already parsed as `root`) of `(width, length)` pixels and
    /// destination geotransform `gt`, refusing what is not a pure copy.
    pub fn open(
        vrt: &Path,
        root: roxmltree::Node,
        (width, length): (usize, usize),
    ) -> anyhow::Result<Warped> {
        let refuse = |why: String| -> anyhow::Result<Warped> {
            bail!(
                "warped VRT {} (gdal.Warp -of VRT): {why}; sbas reads the warped VRTs \
                 ariaTSsetup.py writes (same CRS and pixel size, pixel-aligned, nearest \
                 neighbour, cutline); run ariaTSsetup.py with -of ENVI to get the pixels",
                vrt.display()
            )
        };
        let gt = six(
            child_text(root, "GeoTransform")
                .with_context(|| format!("warped VRT {} has no <GeoTransform>", vrt.display()))?,
            "GeoTransform",
            vrt,
        )?;
        let bands: Vec<_> = root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
            .collect();
        let [band] = bands.as_slice() else {
            return refuse(format!("{} bands, sbas reads one", bands.len()));
        };
        if band.attribute("dataType") != Some("Float32") {
            return refuse("its band is not Float32".into());
        }
        let Some(wo) = child(root, "GDALWarpOptions") else {
            return refuse("it has no <GDALWarpOptions>".into());
        };
        let alg = child_text(wo, "ResampleAlg").unwrap_or("NearestNeighbour");
        if alg != "NearestNeighbour" {
            return refuse(format!("it resamples with {alg}"));
        }
        if let Some(t) = child_text(wo, "WorkingDataType") {
            if t != "Float32" {
                return refuse(format!("its working data type is {t}"));
            }
        }
        if child_text(wo, "CutlineBlendDist")
            .and_then(number)
            .unwrap_or(0.0)
            != 0.0
        {
            return refuse("its cutline has a blend distance".into());
        }
        let mut init = None;
        for o in wo
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "Option")
        {
            let name = o.attribute("name").unwrap_or("").to_ascii_uppercase();
            let val = o.text().map(str::trim).unwrap_or("");
            if !HARMLESS_OPTIONS.contains(&name.as_str()) {
                return refuse(format!("warp option {name}={val} is not supported"));
            }
            if name == "INIT_DEST" {
                init = Some(val.to_string());
            }
        }
        for k in ["SrcAlphaBand", "DstAlphaBand"] {
            if child(wo, k).is_some() {
                return refuse(format!("it has <{k}>"));
            }
        }
        // The transformer: a geotransform-to-geotransform one, with no reprojection.
        let tr = child(wo, "Transformer")
            .with_context(|| format!("warped VRT {} has no <Transformer>", vrt.display()))?;
        let Some(gen) = descendant(tr, "GenImgProjTransformer") else {
            return refuse("its transformer is not a geotransform one (GCPs, RPCs?)".into());
        };
        for k in [
            "SrcGCPTransformer",
            "DstGCPTransformer",
            "SrcTPSTransformer",
        ] {
            if descendant(gen, k).is_some() {
                return refuse(format!("its transformer uses {k}"));
            }
        }
        if let Some(rp) = descendant(gen, "ReprojectionTransformer") {
            let s = child_text(rp, "SourceSRS").unwrap_or("");
            let t = child_text(rp, "TargetSRS").unwrap_or("");
            if s != t {
                return refuse(format!("it reprojects from {s} to {t}"));
            }
        }
        let sgt = six(
            child_text(gen, "SrcGeoTransform").with_context(|| {
                format!("warped VRT {} has no <SrcGeoTransform>", vrt.display())
            })?,
            "SrcGeoTransform",
            vrt,
        )?;
        let dgt = six(
            child_text(gen, "DstGeoTransform").unwrap_or(""),
            "DstGeoTransform",
            vrt,
        )?;
        if dgt != gt {
            return refuse("its <DstGeoTransform> is not its <GeoTransform>".into());
        }
        if sgt[2] != 0.0 || sgt[4] != 0.0 || gt[2] != 0.0 || gt[4] != 0.0 {
            return refuse("a grid is rotated".into());
        }
        // Nearest neighbour takes the source pixel under each destination pixel's centre: a copy
        // when those centres fall on the source's centres shifted by whole pixels. GDAL's grid
        // from netCDF coordinates differs from the stack's in the last bits of the pixel size
        // (1/1200 degree), so the centres are compared at both ends of each axis.
        let fx = (gt[0] - sgt[0]) / sgt[1];
        let fy = (gt[3] - sgt[3]) / sgt[5];
        let (x_off, y_off) = (fx.round(), fy.round());
        let drift = |o: f64, step: f64, so: f64, sstep: f64, off: f64, n: usize| -> f64 {
            [0.0, n as f64]
                .iter()
                .map(|&c| ((o + (c + 0.5) * step - so) / sstep - (c + off + 0.5)).abs())
                .fold(0.0, f64::max)
        };
        let dx = drift(gt[0], gt[1], sgt[0], sgt[1], x_off, width);
        let dy = drift(gt[3], gt[5], sgt[3], sgt[5], y_off, length);
        if !(dx < 1e-3 && dy < 1e-3) {
            return refuse(format!(
                "it resamples: the source pixel {} x {} (origin {}, {}) and the destination's \
                 {} x {} (origin {}, {}) do not line up pixel for pixel (off by up to {:.3} \
                 column, {:.3} row)",
                sgt[1], sgt[5], sgt[0], sgt[3], gt[1], gt[5], gt[0], gt[3], dx, dy
            ));
        }
        // The bands.
        let maps: Vec<_> = wo
            .descendants()
            .filter(|c| c.is_element() && c.tag_name().name() == "BandMapping")
            .collect();
        let (src_nodata, dst_nodata) = match maps.as_slice() {
            [] => (None, None),
            [m] => {
                if m.attribute("src") != Some("1") || m.attribute("dst") != Some("1") {
                    return refuse("its band mapping is not 1 to 1".into());
                }
                (
                    child_text(*m, "SrcNoDataReal").and_then(number),
                    child_text(*m, "DstNoDataReal").and_then(number),
                )
            }
            more => return refuse(format!("{} band mappings", more.len())),
        };
        let fill = match init.as_deref() {
            Some(v) if v.eq_ignore_ascii_case("NO_DATA") => dst_nodata.map_or(0.0, |v| v as f32),
            Some(v) => match number(v) {
                Some(n) => n as f32,
                None => return refuse(format!("INIT_DEST={v}")),
            },
            None => return refuse("it has no INIT_DEST, so unset pixels are undefined".into()),
        };
        // The source: a mosaic VRT, or the subdataset itself.
        let sd = child(wo, "SourceDataset")
            .with_context(|| format!("warped VRT {} has no <SourceDataset>", vrt.display()))?;
        let name = sd.text().map(str::trim).unwrap_or_default();
        let relative = sd.attribute("relativeToVRT").map(str::trim) == Some("1");
        let source = if name.starts_with("NETCDF:") {
            Mosaic::subdataset(name, vrt, relative)?
        } else if name.to_ascii_lowercase().ends_with(".vrt") {
            Mosaic::open(&resolve(vrt, name, relative)).with_context(|| {
                format!("warped VRT {}: reading its source {name}", vrt.display())
            })?
        } else {
            return refuse(format!(
                "its source {name} is neither a VRT mosaic nor a NETCDF: subdataset"
            ));
        };
        if source.gt != sgt {
            return refuse(format!(
                "its <SrcGeoTransform> {sgt:?} is not its source's {:?}",
                source.gt
            ));
        }
        if !source.srs.is_empty() {
            if let Some(rp) = descendant(gen, "ReprojectionTransformer") {
                let s = child_text(rp, "SourceSRS").unwrap_or("");
                if s != source.srs {
                    return refuse("its source SRS differs from the source's".into());
                }
            }
        }
        let cutline = match child_text(wo, "Cutline") {
            Some(w) => Some(Cutline::parse(w, vrt)?),
            None => None,
        };
        Ok(Warped {
            width,
            length,
            source,
            x_off: x_off as i64,
            y_off: y_off as i64,
            src_nodata,
            fill,
            cutline,
        })
    }

    /// Reads `window` of the destination grid.
    pub fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let w = window.x1 - window.x0;
        let n = w * (window.y1 - window.y0);
        if out.len() < n {
            bail!("warped VRT read: output buffer too small");
        }
        out[..n].fill(self.fill);
        // The source rows and columns under the window, clipped to the source.
        let clip = |a: usize, b: usize, off: i64, size: usize| -> (i64, i64) {
            let s0 = (a as i64 + off).clamp(0, size as i64);
            let s1 = (b as i64 + off).clamp(0, size as i64);
            (s0, s1)
        };
        let (sy0, sy1) = clip(window.y0, window.y1, self.y_off, self.source.length);
        let (sx0, sx1) = clip(window.x0, window.x1, self.x_off, self.source.width);
        if sy0 >= sy1 || sx0 >= sx1 {
            return Ok(());
        }
        let v = self
            .source
            .read(sy0 as usize, sy1 as usize, sx0 as usize, sx1 as usize)?;
        let sw = (sx1 - sx0) as usize;
        for (i, row) in v.chunks(sw).enumerate() {
            let sy = sy0 + i as i64;
            let dy = (sy - self.y_off) as usize - window.y0;
            for (j, &s) in row.iter().enumerate() {
                let sx = sx0 + j as i64;
                // GDAL's warper also takes NaN for no data when the source has a no-data value.
                if is_void(s, self.src_nodata) {
                    continue;
                }
                if let Some(c) = &self.cutline {
                    // GDAL keeps a pixel when its centre is inside the cutline.
                    if !c.contains(sx as f64 + 0.5, sy as f64 + 0.5) {
                        continue;
                    }
                }
                let dx = (sx - self.x_off) as usize - window.x0;
                out[dy * w + dx] = s;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdataset_names_and_cutline() {
        assert_eq!(
            split_subdataset(r#"NETCDF:"./a b.nc":/science/grids/data/coherence"#),
            Some(("./a b.nc", "/science/grids/data/coherence"))
        );
        assert_eq!(split_subdataset("x.nc"), None);
        let c = Cutline::parse(
            "MULTIPOLYGON (((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 2,1 1)))",
            Path::new("t.vrt"),
        )
        .unwrap();
        assert!(c.contains(0.5, 0.5));
        assert!(!c.contains(1.5, 1.5), "inside the hole");
        assert!(!c.contains(4.5, 0.5));
        let p = Cutline::parse("POLYGON ((0 0,2 0,0 2,0 0))", Path::new("t.vrt")).unwrap();
        assert!(p.contains(0.5, 0.5) && !p.contains(1.5, 1.5));
        assert!(Cutline::parse("LINESTRING (0 0,1 1)", Path::new("t.vrt")).is_err());
    }
}
