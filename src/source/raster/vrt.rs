//! GDAL VRT sidecars: with `VRTRawRasterBand`s (what ISCE2 writes beside each raster), the
//! layout of a flat binary raster, including its byte order and band offsets; with one
//! `SimpleSource` per band (ISCE2's `VRTManager` and `gdal_translate -of VRT` write these), the
//! layout of the source raster, when the source covers the whole raster unchanged.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::flat::{BandLayout, DataType, RasterLayout};

/// The first child element of `node` named `name`.
pub(crate) fn child<'a>(
    node: roxmltree::Node<'a, 'a>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'a>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of the first child element of `node` named `name`.
pub(crate) fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    child(node, name).and_then(|c| c.text()).map(str::trim)
}

/// A band source's `<SourceFilename>` element and its (non-empty, trimmed) name, band `index`
/// of the VRT `vrt` (for the errors).
pub(crate) fn source_filename<'a>(
    vrt: &Path,
    src: roxmltree::Node<'a, 'a>,
    index: usize,
) -> anyhow::Result<(roxmltree::Node<'a, 'a>, &'a str)> {
    let fname = child(src, "SourceFilename").with_context(|| {
        format!(
            "malformed VRT {}: band {index}'s <{}> has no <SourceFilename>",
            vrt.display(),
            src.tag_name().name()
        )
    })?;
    let name = fname.text().map(str::trim).unwrap_or_default();
    if name.is_empty() {
        bail!(
            "malformed VRT {}: band {index}'s <SourceFilename> is empty",
            vrt.display()
        );
    }
    Ok((fname, name))
}

/// Where a `<SourceFilename>` named `name` points: beside the VRT when `relativeToVRT="1"` (GDAL
/// accepts either capitalisation), else as written.
pub(crate) fn source_path(vrt: &Path, fname: roxmltree::Node<'_, '_>, name: &str) -> PathBuf {
    let relative = fname
        .attribute("relativeToVRT")
        .or_else(|| fname.attribute("relativetoVRT"))
        .map(str::trim)
        == Some("1");
    if relative {
        vrt.parent().unwrap_or(Path::new("")).join(name)
    } else {
        PathBuf::from(name)
    }
}

/// A band source's `<SourceBand>` (1 when absent), band `index` of the VRT `vrt`.
pub(crate) fn source_band(
    vrt: &Path,
    src: roxmltree::Node<'_, '_>,
    index: usize,
) -> anyhow::Result<usize> {
    match child_text(src, "SourceBand") {
        None => Ok(1),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1)
            .with_context(|| {
                format!(
                    "malformed VRT {}: band {index}'s <SourceBand> '{v}' is not a band number",
                    vrt.display()
                )
            }),
    }
}

/// How deep VRTs may point at VRTs (`SimpleSource` of a `SimpleSource`): ISCE2 nests one
/// level; more is a loop or not a flat raster.
const MAX_DEPTH: usize = 4;

/// Parses the raster layout in the VRT `vrt` describing `data_file`.
pub fn layout_from_vrt(vrt: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
    layout_from_vrt_at(vrt, data_file, 0)
}

fn layout_from_vrt_at(vrt: &Path, data_file: &Path, depth: usize) -> anyhow::Result<RasterLayout> {
    let text = std::fs::read_to_string(vrt)
        .with_context(|| format!("cannot read VRT {}", vrt.display()))?;
    layout_from_vrt_text(&text, vrt, data_file, Some(depth))
}

/// Parses the raster layout of a GDAL VRT given as text (no file is read, so a `SimpleSource`
/// band is an error; messages name the text `<string>`). The entry point of the `vrt` fuzz
/// target.
pub fn parse_vrt(text: &str) -> anyhow::Result<RasterLayout> {
    let name = Path::new("<string>");
    layout_from_vrt_text(text, name, name, None)
}

/// The band a `<SimpleSource>` draws from: another raster's band, whole and unchanged.
struct SourceBand {
    layout: RasterLayout,
    /// 0-based.
    band: usize,
}

/// Checks a `SrcRect`/`DstRect` of a source covers the whole `width` x `length` raster.
fn check_rect(
    src: roxmltree::Node,
    name: &str,
    (width, length): (usize, usize),
    vrt: &Path,
    band: usize,
) -> anyhow::Result<()> {
    let Some(rect) = src
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
    else {
        return Ok(());
    };
    let get = |k: &str| rect.attribute(k).and_then(|v| v.trim().parse::<f64>().ok());
    let whole = [
        ("xOff", 0.0),
        ("yOff", 0.0),
        ("xSize", width as f64),
        ("ySize", length as f64),
    ];
    if whole.iter().any(|(k, v)| get(k) != Some(*v)) {
        bail!(
            "VRT {}: band {band}'s <{name}> is not the whole {length} x {width} raster \
             (xOff/yOff/xSize/ySize = {}/{}/{}/{}); a VRT that crops, shifts or mosaics its \
             sources is not a flat raster sbas reads: give the merged file instead",
            vrt.display(),
            rect.attribute("xOff").unwrap_or("?"),
            rect.attribute("yOff").unwrap_or("?"),
            rect.attribute("xSize").unwrap_or("?"),
            rect.attribute("ySize").unwrap_or("?"),
        );
    }
    Ok(())
}

/// The source of band `index` (1-based), if it is a `<SimpleSource>` band; `depth` is how many
/// VRTs led here (`None`: no file may be read).
fn simple_source(
    b: roxmltree::Node,
    index: usize,
    vrt: &Path,
    data_file: &Path,
    (width, length): (usize, usize),
    depth: Option<usize>,
) -> anyhow::Result<Option<SourceBand>> {
    let sources: Vec<roxmltree::Node> = b
        .children()
        .filter(|c| c.is_element() && c.tag_name().name().ends_with("Source"))
        .collect();
    let Some(src) = sources.first() else {
        return Ok(None);
    };
    let kind = src.tag_name().name();
    if kind != "SimpleSource" {
        bail!(
            "VRT {}: band {index} is a <{kind}> (it may scale, filter or convert); only \
             <SimpleSource> and VRTRawRasterBand bands are read",
            vrt.display()
        );
    }
    if sources.len() > 1 {
        bail!(
            "VRT {}: band {index} is a mosaic of {} sources (as ISCE2 writes for burst \
             files); sbas reads whole rasters: give the merged file instead",
            vrt.display(),
            sources.len()
        );
    }
    let Some(depth) = depth else {
        bail!(
            "VRT {}: band {index} has a <SimpleSource>, which needs the source file",
            vrt.display()
        );
    };
    if depth >= MAX_DEPTH {
        bail!(
            "VRT {}: sources nested more than {MAX_DEPTH} deep (a loop?)",
            vrt.display()
        );
    }
    let (fname, name) = source_filename(vrt, *src, index)?;
    let path = source_path(vrt, fname, name);
    let band = source_band(vrt, *src, index)?;
    if path == data_file || path == vrt {
        bail!(
            "VRT {}: band {index}'s source is the raster it describes ({}); that raster needs \
             its own .xml sidecar",
            vrt.display(),
            path.display()
        );
    }
    let is_vrt = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("vrt"));
    let layout = if is_vrt {
        // ISCE2 points at the `.vrt` beside each burst file: it describes that file.
        let data = path.with_extension("");
        layout_from_vrt_at(&path, &data, depth + 1)
    } else {
        super::raster_layout(&path)
    }
    .with_context(|| {
        format!(
            "VRT {}: reading the source of band {index}, {}",
            vrt.display(),
            path.display()
        )
    })?;
    if (layout.width, layout.length) != (width, length) {
        bail!(
            "VRT {}: band {index}'s source {} is {} x {} (length x width), the VRT {length} x \
             {width}; a VRT that resamples or crops is not read",
            vrt.display(),
            path.display(),
            layout.length,
            layout.width
        );
    }
    if band > layout.bands.len() {
        bail!(
            "VRT {}: band {index} reads band {band} of {}, which has {}",
            vrt.display(),
            path.display(),
            layout.bands.len()
        );
    }
    check_rect(*src, "SrcRect", (width, length), vrt, index)?;
    check_rect(*src, "DstRect", (width, length), vrt, index)?;
    Ok(Some(SourceBand {
        layout,
        band: band - 1,
    }))
}

/// The layout of a VRT whose bands are all `SimpleSource`s: the bands of their (one) source.
fn from_sources(
    sources: Vec<(usize, DataType, SourceBand)>,
    vrt: &Path,
) -> anyhow::Result<RasterLayout> {
    let mut sources = sources;
    sources.sort_by_key(|s| s.0);
    let first = &sources[0].2.layout;
    let mut out = RasterLayout {
        bands: Vec::with_capacity(sources.len()),
        sidecar: vrt.to_path_buf(),
        handle: Default::default(),
        ..first.clone()
    };
    for (index, dtype, s) in &sources {
        if s.layout.data_file != out.data_file {
            bail!(
                "VRT {}: its bands come from different files ({} and {}); sbas reads bands of \
                 one file",
                vrt.display(),
                out.data_file.display(),
                s.layout.data_file.display()
            );
        }
        if *dtype != s.layout.dtype {
            bail!(
                "VRT {}: band {index} is {:?} but its source {} holds {:?}; a VRT that \
                 converts types is not read",
                vrt.display(),
                dtype,
                s.layout.data_file.display(),
                s.layout.dtype
            );
        }
        out.bands.push(s.layout.bands[s.band]);
    }
    Ok(out)
}

/// Parses the layout in the VRT `text` read from `vrt`, describing `data_file`; `depth` as in
/// [`simple_source`].
fn layout_from_vrt_text(
    text: &str,
    vrt: &Path,
    data_file: &Path,
    depth: Option<usize>,
) -> anyhow::Result<RasterLayout> {
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
    let size = |k: &str| -> anyhow::Result<usize> {
        let v = root
            .attribute(k)
            .with_context(|| format!("malformed VRT {}: no {k} attribute", vrt.display()))?;
        v.trim().parse::<usize>().with_context(|| {
            format!(
                "malformed VRT {}: {k} = '{v}' is not a whole number",
                vrt.display()
            )
        })
    };
    let width = size("rasterXSize")?;
    let length = size("rasterYSize")?;
    if width == 0 || length == 0 {
        bail!(
            "malformed VRT {}: the raster is {length} x {width} (rasterYSize x rasterXSize), it \
             must not be empty",
            vrt.display()
        );
    }
    let mut bands: Vec<(usize, BandLayout)> = Vec::new();
    let mut sources: Vec<(usize, DataType, SourceBand)> = Vec::new();
    let mut dtype: Option<DataType> = None;
    let mut big_endian = false;
    for (i, b) in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "VRTRasterBand")
        .enumerate()
    {
        let dt = b.attribute("dataType").unwrap_or("");
        let t = DataType::from_gdal(dt).with_context(|| {
            format!(
                "VRT {}: unsupported dataType '{dt}' in band {}",
                vrt.display(),
                i + 1
            )
        })?;
        let index = match b.attribute("band") {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .with_context(|| format!("malformed VRT {}: band number '{v}'", vrt.display()))?,
            None => i + 1,
        };
        if let Some(src) = simple_source(b, index, vrt, data_file, (width, length), depth)? {
            sources.push((index, t, src));
            continue;
        }
        if dtype.is_some_and(|d| d != t) {
            bail!(
                "VRT {}: bands of different data types are not supported",
                vrt.display()
            );
        }
        dtype = Some(t);
        let num = |k: &str, default: Option<u64>| -> anyhow::Result<u64> {
            match child_text(b, k) {
                Some(v) => v.parse::<u64>().with_context(|| {
                    format!(
                        "malformed VRT {}: {k} = '{v}' in band {}",
                        vrt.display(),
                        i + 1
                    )
                }),
                None => default.with_context(|| {
                    format!(
                        "malformed VRT {}: band {} has no <{k}>",
                        vrt.display(),
                        i + 1
                    )
                }),
            }
        };
        let s = t.size() as u64;
        let layout = BandLayout {
            offset: num("ImageOffset", Some(0))?,
            pixel_stride: num("PixelOffset", Some(s))?,
            line_stride: num("LineOffset", Some(s.saturating_mul(width as u64)))?,
        };
        if let Some(order) = child_text(b, "ByteOrder") {
            big_endian = match order.to_ascii_uppercase().as_str() {
                "MSB" => true,
                "LSB" => false,
                _ => bail!(
                    "malformed VRT {}: ByteOrder '{order}' in band {} (expected LSB or MSB)",
                    vrt.display(),
                    i + 1
                ),
            };
        }
        bands.push((index, layout));
    }
    if !sources.is_empty() {
        if !bands.is_empty() {
            bail!(
                "VRT {}: some bands are raw and some have sources; sbas reads one or the other",
                vrt.display()
            );
        }
        return from_sources(sources, vrt);
    }
    let dtype = dtype.with_context(|| format!("VRT {} has no raster band", vrt.display()))?;
    bands.sort_by_key(|b| b.0);
    Ok(RasterLayout {
        width,
        length,
        dtype,
        big_endian,
        bands: bands.into_iter().map(|b| b.1).collect(),
        data_file: data_file.to_path_buf(),
        sidecar: vrt.to_path_buf(),
        handle: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bil_vrt_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.rdr.vrt");
        std::fs::write(
            &p,
            r#"<VRTDataset rasterXSize="4" rasterYSize="2">
  <VRTRasterBand dataType="Float32" band="2" subClass="VRTRawRasterBand">
    <SourceFilename relativeToVRT="1">x.rdr</SourceFilename>
    <ByteOrder>MSB</ByteOrder><ImageOffset>16</ImageOffset><PixelOffset>4</PixelOffset><LineOffset>32</LineOffset>
  </VRTRasterBand>
  <VRTRasterBand dataType="Float32" band="1" subClass="VRTRawRasterBand">
    <SourceFilename relativeToVRT="1">x.rdr</SourceFilename>
    <ByteOrder>MSB</ByteOrder><ImageOffset>0</ImageOffset><PixelOffset>4</PixelOffset><LineOffset>32</LineOffset>
  </VRTRasterBand>
</VRTDataset>"#,
        )
        .unwrap();
        let l = layout_from_vrt(&p, &dir.path().join("x.rdr")).unwrap();
        assert!(l.big_endian);
        assert_eq!(l.bands[0].offset, 0);
        assert_eq!(l.bands[1].offset, 16);
        assert_eq!(l.expected_size(), 64);
        std::fs::write(&p, "<VRTDataset rasterXSize=\"a\"></VRTDataset>").unwrap();
        let e = layout_from_vrt(&p, &p).unwrap_err().to_string();
        assert!(e.contains("x.rdr.vrt"), "{e}");
    }

    #[test]
    fn absurd_sizes_are_errors_not_overflows() {
        // Regression: the default LineOffset (sample size x width) overflowed for a huge
        // rasterXSize; now it saturates and no file can match the layout.
        let l = parse_vrt(
            r#"<VRTDataset rasterXSize="18446744073709551615" rasterYSize="2">
            <VRTRasterBand dataType="Float64"/></VRTDataset>"#,
        )
        .unwrap();
        assert_eq!(l.expected_size(), u64::MAX);
        let l = parse_vrt(
            r#"<VRTDataset rasterXSize="2" rasterYSize="2"><VRTRasterBand dataType="Byte">
            <ImageOffset>18446744073709551615</ImageOffset></VRTRasterBand></VRTDataset>"#,
        )
        .unwrap();
        assert_eq!(l.expected_size(), u64::MAX);
        let e = parse_vrt(r#"<VRTDataset rasterXSize="0" rasterYSize="2"/>"#).unwrap_err();
        assert!(e.to_string().contains("must not be empty"), "{e}");
        let e = parse_vrt(r#"<VRTDataset rasterXSize="2" rasterYSize="2"/>"#).unwrap_err();
        assert!(e.to_string().contains("no raster band"), "{e}");
    }
}
