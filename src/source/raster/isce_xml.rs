//! ISCE2 image XML sidecars (`<imageFile><property name="width"><value>..`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};

use super::flat::{DataType, Interleave, RasterLayout, MAX_BANDS};

/// Reads the direct `<property name=".."><value>..</value></property>` children of an XML
/// element into a map with lower-cased keys.
pub fn properties(node: roxmltree::Node) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for p in node
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "property")
    {
        let Some(name) = p.attribute("name") else {
            continue;
        };
        let value = p
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "value")
            .and_then(|v| v.text())
            .or_else(|| p.text())
            .unwrap_or("")
            .trim()
            .to_string();
        map.insert(name.to_ascii_lowercase(), value);
    }
    map
}

/// Properties of the ISCE image XML `text`; `xml` names it in messages.
fn image_xml_properties(text: &str, xml: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let doc = roxmltree::Document::parse(text)
        .with_context(|| format!("malformed ISCE XML {}", xml.display()))?;
    let root = doc.root_element();
    if !root
        .tag_name()
        .name()
        .to_ascii_lowercase()
        .starts_with("image")
    {
        bail!(
            "malformed ISCE XML {}: root element <{}> is not an <imageFile>",
            xml.display(),
            root.tag_name().name()
        );
    }
    let mut props = properties(root);
    // Some writers give the size only as the coordinates' `size` (ISCE itself reads the width
    // and length from there too), without top-level `width` / `length` properties.
    for (key, coordinate) in [("width", "coordinate1"), ("length", "coordinate2")] {
        if props.contains_key(key) {
            continue;
        }
        let size = root
            .children()
            .find(|c| {
                c.is_element()
                    && c.tag_name().name() == "component"
                    && c.attribute("name")
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(coordinate))
            })
            .and_then(|c| properties(c).remove("size"));
        if let Some(size) = size {
            props.insert(key.to_string(), size);
        }
    }
    Ok(props)
}

/// Parses a raster layout from the ISCE image XML `xml` describing `data_file`.
pub fn layout_from_xml(xml: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
    let text = std::fs::read_to_string(xml)
        .with_context(|| format!("cannot read ISCE XML {}", xml.display()))?;
    layout_from_xml_text(&text, xml, data_file)
}

/// Parses the raster layout of an ISCE image XML given as text (no file is read; messages
/// name the text `<string>`). The entry point of the `isce_xml` fuzz target.
pub fn parse_image_xml(text: &str) -> anyhow::Result<RasterLayout> {
    let name = Path::new("<string>");
    layout_from_xml_text(text, name, name)
}

/// Parses the layout in the ISCE image XML `text` read from `xml`, describing `data_file`.
fn layout_from_xml_text(text: &str, xml: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
    let props = image_xml_properties(text, xml)?;
    let get = |k: &str| {
        props
            .get(k)
            .with_context(|| format!("malformed ISCE XML {}: no property '{k}'", xml.display()))
    };
    let num = |k: &str| -> anyhow::Result<usize> {
        let v = get(k)?;
        v.parse::<usize>().with_context(|| {
            format!(
                "malformed ISCE XML {}: property '{k}' = '{v}' is not a whole number",
                xml.display()
            )
        })
    };
    let width = num("width")?;
    let length = num("length")?;
    let nbands = match props.get("number_bands") {
        Some(_) => num("number_bands")?,
        None => 1,
    };
    if nbands == 0 || nbands > MAX_BANDS {
        bail!(
            "malformed ISCE XML {}: number_bands is {nbands} (expected 1 to {MAX_BANDS})",
            xml.display()
        );
    }
    if width == 0 || length == 0 {
        bail!(
            "malformed ISCE XML {}: the raster is {length} x {width} (length x width), it must \
             not be empty",
            xml.display()
        );
    }
    let dt = get("data_type")?;
    let dtype = DataType::from_isce(dt).with_context(|| {
        format!(
            "ISCE XML {}: unsupported data_type '{dt}' (expected BYTE, SHORT, INT, FLOAT or DOUBLE)",
            xml.display()
        )
    })?;
    let scheme = match props.get("scheme") {
        Some(s) => Interleave::parse(s).with_context(|| {
            format!(
                "ISCE XML {}: unknown scheme '{s}' (expected BIL, BIP or BSQ)",
                xml.display()
            )
        })?,
        None => Interleave::Bil,
    };
    Ok(RasterLayout {
        width,
        length,
        dtype,
        // MintPy ignores the XML's byte_order and reads ISCE files as little-endian.
        big_endian: false,
        bands: RasterLayout::regular(width, length, nbands, dtype, scheme),
        data_file: data_file.to_path_buf(),
        sidecar: xml.to_path_buf(),
        handle: Default::default(),
    })
}

/// Width and length from an ISCE image XML (for `*.full.xml` look counting).
pub fn size_from_xml(xml: &Path) -> anyhow::Result<(usize, usize)> {
    let l = layout_from_xml(xml, xml)?;
    Ok((l.width, l.length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_layout_and_rejects_bad_xml() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.unw.xml");
        std::fs::write(
            &p,
            r#"<imageFile><property name="WIDTH"><value>5</value></property>
            <property name="length"><value>3</value></property>
            <property name="number_bands"><value>2</value></property>
            <property name="data_type"><value>DOUBLE</value></property>
            <property name="scheme"><value>BIP</value></property>
            <component name="coordinate1"><property name="width"><value>99</value></property></component>
            </imageFile>"#,
        )
        .unwrap();
        let l = layout_from_xml(&p, &dir.path().join("a.unw")).unwrap();
        assert_eq!((l.width, l.length, l.bands.len()), (5, 3, 2));
        assert_eq!(l.dtype, DataType::F64);
        assert_eq!(l.bands[1].offset, 8);
        assert_eq!(l.bands[1].pixel_stride, 16);
        std::fs::write(&p, "<imageFile><property name=").unwrap();
        let e = layout_from_xml(&p, &p).unwrap_err();
        assert!(format!("{e:#}").contains("a.unw.xml"));
        std::fs::write(&p, "<imageFile></imageFile>").unwrap();
        let e = layout_from_xml(&p, &p).unwrap_err().to_string();
        assert!(e.contains("width") && e.contains("a.unw.xml"), "{e}");
    }

    /// The two dialects of ISCE image XML met in real files (seen in the issue's list of known
    /// cases and in public scripts that write ISCE sidecars, found with the code search): ISCE2's
    /// own (lowercase names, a `<doc>` each, coordinates as components) and the GDAL / ISCE-2.0
    /// one (UPPERCASE names in any order, values as bare text or `<value>`, `<units>`, a
    /// `FILE_NAME` holding an absolute path from another machine); and a sidecar giving its size
    /// only through the coordinates.
    #[test]
    fn both_xml_dialects_and_coordinate_sizes_give_the_same_layout() {
        let isce2 = r#"<imageFile>
            <property name="access_mode"><value>read</value><doc>Image access mode.</doc></property>
            <property name="byte_order"><value>l</value><doc>Endianness of the image.</doc></property>
            <component name="coordinate1">
                <factorymodule>isceobj.Image</factorymodule>
                <property name="delta"><value>1</value><doc>Coordinate quantization.</doc></property>
                <property name="size"><value>7</value><doc>Coordinate size.</doc></property>
                <property name="startingvalue"><value>0</value></property>
            </component>
            <property name="data_type"><value>FLOAT</value><doc>Image data type.</doc></property>
            <property name="file_name"><value>filt_fine.unw</value><doc>Name of the image file.</doc></property>
            <property name="length"><value>4</value><doc>Image length</doc></property>
            <property name="number_bands"><value>2</value><doc>Number of image bands.</doc></property>
            <property name="scheme"><value>BIL</value><doc>Interleaving scheme of the image.</doc></property>
            <property name="width"><value>7</value><doc>Image width</doc></property>
        </imageFile>"#;
        let gdal = r#"<imageFile>
            <property name="WIDTH"><value>7</value></property>
            <property name="SCHEME">BIL</property>
            <property name="FILE_NAME">/home/someone/else/merged/interferograms/x/filt_fine.unw</property>
            <property name="DATA_TYPE"><value>FLOAT</value></property>
            <property name="NUMBER_BANDS"><value>2</value></property>
            <property name="LENGTH"><value>4</value><units>pixels</units></property>
            <component name="Coordinate1">
                <property name="startingValue"><value>0</value><units>pixel</units></property>
                <property name="size"><value>7</value></property>
            </component>
        </imageFile>"#;
        let sizes_only = r#"<imageFile>
            <component name="coordinate1"><property name="size"><value>7</value></property></component>
            <component name="coordinate2"><property name="size"><value>4</value></property></component>
            <property name="scheme"><value>BIL</value></property>
            <property name="number_bands"><value>2</value></property>
            <property name="data_type"><value>FLOAT</value></property>
        </imageFile>"#;
        let want = parse_image_xml(isce2).unwrap();
        assert_eq!((want.width, want.length, want.bands.len()), (7, 4, 2));
        for text in [gdal, sizes_only] {
            let l = parse_image_xml(text).unwrap();
            assert_eq!(l, want, "{text}");
        }
        // The data file is the one beside the sidecar, never the XML's FILE_NAME.
        let dir = tempfile::tempdir().unwrap();
        let xml = dir.path().join("filt_fine.unw.xml");
        std::fs::write(&xml, gdal).unwrap();
        let l = layout_from_xml(&xml, &dir.path().join("filt_fine.unw")).unwrap();
        assert_eq!(l.data_file, dir.path().join("filt_fine.unw"));
    }

    fn image_xml(width: &str, length: &str, bands: &str) -> String {
        format!(
            r#"<imageFile><property name="width"><value>{width}</value></property>
            <property name="length"><value>{length}</value></property>
            <property name="number_bands"><value>{bands}</value></property>
            <property name="data_type"><value>FLOAT</value></property></imageFile>"#
        )
    }

    #[test]
    fn absurd_sizes_are_errors_not_overflows() {
        // Regression: a width near u64::MAX overflowed the stride arithmetic (a panic with
        // overflow checks on); now the layout saturates and no file can match it.
        let l = parse_image_xml(&image_xml("18446744073709551615", "3", "2")).unwrap();
        assert_eq!(l.expected_size(), u64::MAX);
        let l = parse_image_xml(&image_xml("3", "9223372036854775807", "1")).unwrap();
        assert_eq!(l.expected_size(), u64::MAX);
        // Regression: a huge band count built a band table of that size (out of memory).
        let e = parse_image_xml(&image_xml("3", "3", "99999999999")).unwrap_err();
        assert!(e.to_string().contains("number_bands"), "{e}");
        let e = parse_image_xml(&image_xml("0", "3", "1")).unwrap_err();
        assert!(e.to_string().contains("must not be empty"), "{e}");
        let e = parse_image_xml(&image_xml("3", "3", "-1")).unwrap_err();
        assert!(e.to_string().contains("number_bands"), "{e}");
        assert!(parse_image_xml("").is_err());
        assert!(parse_image_xml("<imageFile/>").is_err());
    }
}
