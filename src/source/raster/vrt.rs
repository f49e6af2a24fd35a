//! GDAL VRT sidecars with `VRTRawRasterBand`s (what ISCE2 writes beside each raster): the
//! layout of a flat binary raster, including its byte order and band offsets.

use std::path::Path;

use anyhow::{bail, Context};

use super::flat::{BandLayout, DataType, RasterLayout};

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .and_then(|c| c.text())
        .map(str::trim)
}

/// Parses the raster layout in the VRT `vrt` describing `data_file`.
pub fn layout_from_vrt(vrt: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
    let text = std::fs::read_to_string(vrt)
        .with_context(|| format!("cannot read VRT {}", vrt.display()))?;
    layout_from_vrt_text(&text, vrt, data_file)
}

/// Parses the raster layout of a GDAL VRT given as text (no file is read; messages name the
/// text `<string>`). The entry point of the `vrt` fuzz target.
pub fn parse_vrt(text: &str) -> anyhow::Result<RasterLayout> {
    let name = Path::new("<string>");
    layout_from_vrt_text(text, name, name)
}

/// Parses the layout in the VRT `text` read from `vrt`, describing `data_file`.
fn layout_from_vrt_text(text: &str, vrt: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
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
        let index = match b.attribute("band") {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .with_context(|| format!("malformed VRT {}: band number '{v}'", vrt.display()))?,
            None => i + 1,
        };
        bands.push((index, layout));
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
