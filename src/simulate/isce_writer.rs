//! Writers for the files of an ISCE2 topsStack tree: raw rasters with their ISCE image `.xml`
//! and GDAL `.vrt` sidecars (as isceobj's `renderHdr`/`renderVRT` lay them out), baseline text
//! files, ROI_PAC-style `.rsc` metadata and a reference burst-product XML.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;

use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;

/// ISCE2 raster sample types used by topsStack products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsceType {
    /// uint8.
    Byte,
    /// float32.
    Float,
    /// float64.
    Double,
}

impl IsceType {
    fn isce_name(self) -> &'static str {
        match self {
            IsceType::Byte => "BYTE",
            IsceType::Float => "FLOAT",
            IsceType::Double => "DOUBLE",
        }
    }

    fn gdal_name(self) -> &'static str {
        match self {
            IsceType::Byte => "Byte",
            IsceType::Float => "Float32",
            IsceType::Double => "Float64",
        }
    }

    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            IsceType::Byte => 1,
            IsceType::Float => 4,
            IsceType::Double => 8,
        }
    }
}

/// Layout of one raw raster: always little-endian and band-interleaved by line (BIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RasterSpec {
    /// Samples per line.
    pub width: usize,
    /// Lines.
    pub length: usize,
    /// Bands.
    pub bands: usize,
    /// Sample type.
    pub dtype: IsceType,
}

impl RasterSpec {
    /// Size of the raw file in bytes.
    pub fn file_size(&self) -> u64 {
        (self.width * self.length * self.bands * self.dtype.size()) as u64
    }
}

fn property(out: &mut String, indent: &str, name: &str, value: &str, doc: Option<&str>) {
    out.push_str(&format!("{indent}<property name=\"{name}\">\n"));
    out.push_str(&format!("{indent}    <value>{value}</value>\n"));
    if let Some(d) = doc {
        out.push_str(&format!("{indent}    <doc>{d}</doc>\n"));
    }
    out.push_str(&format!("{indent}</property>\n"));
}

fn coordinate(out: &mut String, name: &str, doc: &str, size: usize) {
    let i = "        ";
    out.push_str(&format!("    <component name=\"{name}\">\n"));
    out.push_str(&format!(
        "{i}<factorymodule>isceobj.Image</factorymodule>\n"
    ));
    out.push_str(&format!("{i}<factoryname>createCoordinate</factoryname>\n"));
    out.push_str(&format!("{i}<doc>{doc}</doc>\n"));
    property(out, i, "delta", "1.0", Some("Coordinate quantization."));
    property(
        out,
        i,
        "endingvalue",
        &format!("{size}.0"),
        Some("Starting value of the coordinate."),
    );
    property(
        out,
        i,
        "family",
        "imagecoordinate",
        Some("Instance family name"),
    );
    property(
        out,
        i,
        "name",
        "imagecoordinate_name",
        Some("Instance name"),
    );
    property(out, i, "size", &size.to_string(), Some("Coordinate size."));
    property(
        out,
        i,
        "startingvalue",
        "0.0",
        Some("Starting value of the coordinate."),
    );
    out.push_str("    </component>\n");
}

/// Text of the ISCE image XML for raw file `file_name` (a base name, as the `.vrt` refers to
/// it relative to itself). `image_type` is e.g. `unw` for unwrapped interferograms.
pub fn image_xml(file_name: &str, spec: &RasterSpec, image_type: Option<&str>) -> String {
    let mut s = String::from("<imageFile>\n");
    let i = "    ";
    property(
        &mut s,
        i,
        "ISCE_VERSION",
        "Release: 2.6.3, svn-, 20230418. Current: svn-.",
        None,
    );
    property(&mut s, i, "access_mode", "read", Some("Image access mode."));
    property(
        &mut s,
        i,
        "byte_order",
        "l",
        Some("Endianness of the image."),
    );
    coordinate(
        &mut s,
        "coordinate1",
        "First coordinate of a 2D image (width).",
        spec.width,
    );
    coordinate(
        &mut s,
        "coordinate2",
        "Second coordinate of a 2D image (length).",
        spec.length,
    );
    property(
        &mut s,
        i,
        "data_type",
        spec.dtype.isce_name(),
        Some("Image data type."),
    );
    property(
        &mut s,
        i,
        "extra_file_name",
        &format!("{file_name}.vrt"),
        Some("For example name of vrt metadata."),
    );
    property(&mut s, i, "family", "image", Some("Instance family name"));
    property(
        &mut s,
        i,
        "file_name",
        file_name,
        Some("Name of the image file."),
    );
    if let Some(t) = image_type {
        property(
            &mut s,
            i,
            "image_type",
            t,
            Some("Image type used for displaying."),
        );
    }
    property(
        &mut s,
        i,
        "length",
        &spec.length.to_string(),
        Some("Image length"),
    );
    property(&mut s, i, "name", "image_name", Some("Instance name"));
    property(
        &mut s,
        i,
        "number_bands",
        &spec.bands.to_string(),
        Some("Number of image bands."),
    );
    property(
        &mut s,
        i,
        "scheme",
        "BIL",
        Some("Interleaving scheme of the image."),
    );
    property(
        &mut s,
        i,
        "width",
        &spec.width.to_string(),
        Some("Image width"),
    );
    property(
        &mut s,
        i,
        "xmax",
        &format!("{}.0", spec.width),
        Some("Maximum range value"),
    );
    property(&mut s, i, "xmin", "0.0", Some("Minimum range value"));
    s.push_str("</imageFile>");
    s
}

/// Text of the GDAL VRT ISCE2 writes next to a BIL raster `file_name`.
pub fn image_vrt(file_name: &str, spec: &RasterSpec) -> String {
    let nbytes = spec.dtype.size();
    let mut s = format!(
        "<VRTDataset rasterXSize=\"{}\" rasterYSize=\"{}\">\n",
        spec.width, spec.length
    );
    for band in 0..spec.bands {
        s.push_str(&format!(
            "    <VRTRasterBand dataType=\"{}\" band=\"{}\" subClass=\"VRTRawRasterBand\">\n",
            spec.dtype.gdal_name(),
            band + 1
        ));
        s.push_str(&format!(
            "        <SourceFilename relativeToVRT=\"1\">{file_name}</SourceFilename>\n"
        ));
        s.push_str("        <ByteOrder>LSB</ByteOrder>\n");
        s.push_str(&format!(
            "        <ImageOffset>{}</ImageOffset>\n",
            band * spec.width * nbytes
        ));
        s.push_str(&format!("        <PixelOffset>{nbytes}</PixelOffset>\n"));
        s.push_str(&format!(
            "        <LineOffset>{}</LineOffset>\n",
            spec.bands * spec.width * nbytes
        ));
        s.push_str("    </VRTRasterBand>\n");
    }
    s.push_str("</VRTDataset>");
    s
}

/// Writes `text` to `path`.
pub fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the `.xml` and `.vrt` sidecars of raster `data_path`.
pub fn write_sidecars(
    data_path: &Path,
    spec: &RasterSpec,
    image_type: Option<&str>,
) -> anyhow::Result<()> {
    let name = data_path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("raster path {} has no UTF-8 file name", data_path.display()))?;
    let with_ext = |ext: &str| {
        let mut p = data_path.as_os_str().to_owned();
        p.push(ext);
        std::path::PathBuf::from(p)
    };
    write_text(&with_ext(".xml"), &image_xml(name, spec, image_type))?;
    write_text(&with_ext(".vrt"), &image_vrt(name, spec))
}

/// A buffered little-endian raw raster writer.
pub struct RawWriter {
    out: BufWriter<File>,
    path: std::path::PathBuf,
}

impl RawWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> anyhow::Result<RawWriter> {
        let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(RawWriter {
            out: BufWriter::with_capacity(1 << 20, f),
            path: path.to_path_buf(),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.out
            .write_all(bytes)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Appends f32 samples.
    pub fn f32s(&mut self, v: &[f32]) -> anyhow::Result<()> {
        let mut buf = Vec::with_capacity(v.len() * 4);
        for x in v {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        self.put(&buf)
    }

    /// Appends f64 samples.
    pub fn f64s(&mut self, v: &[f64]) -> anyhow::Result<()> {
        let mut buf = Vec::with_capacity(v.len() * 8);
        for x in v {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        self.put(&buf)
    }

    /// Appends bytes.
    pub fn u8s(&mut self, v: &[u8]) -> anyhow::Result<()> {
        self.put(v)
    }

    /// Flushes and closes.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out
            .flush()
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// Text of a topsStack `computeBaseline.py` file for one swath.
pub fn baseline_text(swath: u32, bperp: f64, bpar: f64) -> String {
    format!(
        "swath: IW{swath}\nBperp (average): {}\nBpar (average): {}\n",
        py_f64(bperp),
        py_f64(bpar)
    )
}

/// Text of a ROI_PAC `.rsc` file as MintPy's `write_roipac_rsc` lays it out: sorted keys,
/// left-aligned to the longest key, four spaces, value.
pub fn rsc_text(attrs: &Attributes) -> String {
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(2).max(2);
    let mut s = String::new();
    for (k, v) in attrs.iter() {
        s.push_str(&format!("{k:<width$}    {v}\n"));
    }
    s
}

/// Properties of the simulated reference burst written into `reference/IW2.xml`.
pub struct BurstInfo<'a> {
    /// Sensing start, mid and stop (`YYYY-MM-DD HH:MM:SS.ffffff`).
    pub sensing: [&'a str; 3],
    /// Full-resolution samples and lines of the swath.
    pub samples: usize,
    /// Lines.
    pub lines: usize,
}

/// Text of a (reduced) ISCE2 TOPSSwathSLCProduct XML for swath IW2, holding the burst
/// properties MintPy's `extract_tops_metadata` reads. MintPy only parses it through ISCE2
/// when `reference/data.rsc` is older, which the simulator never lets happen.
pub fn reference_product_xml(b: &BurstInfo) -> String {
    use super::sensor::*;
    let mut s = String::from("<productmanager_name>\n    <component name=\"instance\">\n");
    let i = "        ";
    s.push_str(&format!(
        "{i}<factorymodule>isceobj.Sensor.TOPS</factorymodule>\n"
    ));
    s.push_str(&format!(
        "{i}<factoryname>createTOPSSwathSLCProduct</factoryname>\n"
    ));
    property(&mut s, i, "spacecraftname", "Sentinel-1A", None);
    property(&mut s, i, "mission", "S1A", None);
    property(&mut s, i, "imaging mode", "IW", None);
    property(&mut s, i, "numberofbursts", "1", None);
    s.push_str(&format!("{i}<component name=\"bursts\">\n"));
    s.push_str(&format!("{i}    <component name=\"burst1\">\n"));
    let j = "                ";
    let props: Vec<(&str, String)> = vec![
        ("numberofsamples", b.samples.to_string()),
        ("numberoflines", b.lines.to_string()),
        ("startingrange", py_f64(STARTING_RANGE)),
        ("sensingstart", b.sensing[0].to_string()),
        ("sensingmid", b.sensing[1].to_string()),
        ("sensingstop", b.sensing[2].to_string()),
        ("burststartutc", b.sensing[0].to_string()),
        ("burststoputc", b.sensing[2].to_string()),
        ("tracknumber", "64".into()),
        ("orbitnumber", "30587".into()),
        ("swathnumber", "2".into()),
        ("burstnumber", "1".into()),
        ("passdirection", "ASCENDING".into()),
        ("rangepixelsize", py_f64(RANGE_PIXEL_SIZE_FULL)),
        ("azimuthtimeinterval", py_f64(AZIMUTH_TIME_INTERVAL)),
        ("radarwavelength", py_f64(WAVELENGTH)),
        ("polarization", "vv".into()),
        ("prf", py_f64(PRF)),
        ("heading", py_f64(HEADING)),
        ("earthradius", py_f64(EARTH_RADIUS)),
        ("altitude", py_f64(HEIGHT)),
        ("satellitespeed", py_f64(SATELLITE_SPEED)),
    ];
    for (k, v) in &props {
        property(&mut s, j, k, v, None);
    }
    s.push_str(&format!("{i}    </component>\n{i}</component>\n"));
    s.push_str("    </component>\n</productmanager_name>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_describe_the_layout() {
        let spec = RasterSpec {
            width: 50,
            length: 40,
            bands: 2,
            dtype: IsceType::Float,
        };
        let xml = image_xml("filt_fine.unw", &spec, Some("unw"));
        let doc = roxmltree::Document::parse(&xml).expect("our XML parses");
        let prop = |name: &str| {
            doc.root_element()
                .children()
                .find(|n| n.attribute("name") == Some(name))
                .and_then(|n| n.children().find(|c| c.has_tag_name("value")))
                .and_then(|v| v.text())
                .map(str::to_string)
        };
        assert_eq!(prop("width").as_deref(), Some("50"));
        assert_eq!(prop("length").as_deref(), Some("40"));
        assert_eq!(prop("number_bands").as_deref(), Some("2"));
        assert_eq!(prop("data_type").as_deref(), Some("FLOAT"));
        let vrt = image_vrt("filt_fine.unw", &spec);
        let doc = roxmltree::Document::parse(&vrt).expect("our VRT parses");
        let offsets: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("ImageOffset"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(offsets, vec!["0", "200"]);
        assert_eq!(spec.file_size(), 50 * 40 * 2 * 4);
    }

    #[test]
    fn rsc_and_baseline_text() {
        let mut a = Attributes::new();
        a.set("WIDTH", 50);
        a.set("AB", "x");
        assert_eq!(rsc_text(&a), "AB       x\nWIDTH    50\n");
        assert_eq!(
            baseline_text(2, 12.0, -3.5),
            "swath: IW2\nBperp (average): 12.0\nBpar (average): -3.5\n"
        );
        let xml = reference_product_xml(&BurstInfo {
            sensing: ["a", "b", "c"],
            samples: 10,
            lines: 20,
        });
        assert!(roxmltree::Document::parse(&xml).is_ok());
    }
}
