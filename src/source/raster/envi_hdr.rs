//! ENVI `.hdr` sidecars (what SNAP's BEAM-DIMAP writer puts beside each band's `.img`): the
//! layout of a flat binary raster. SNAP writes one band per file, band sequential, big-endian
//! (`byte order = 1`), with `header offset = 0` (snap-engine `dataio/dimap/EnviHeader.java`,
//! commit 1df71e1f); other values are read as ENVI defines them.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};

use super::flat::{DataType, Interleave, RasterLayout, MAX_BANDS};

/// The `key = value` entries of an ENVI header, keys in lower case; a value in braces may span
/// lines.
fn entries(text: &str, hdr: &Path) -> anyhow::Result<HashMap<String, String>> {
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some("ENVI") {
        bail!(
            "{} is not an ENVI header: its first line is not \"ENVI\"",
            hdr.display()
        );
    }
    let mut out = HashMap::new();
    let mut pending: Option<(String, String)> = None;
    for line in lines {
        if let Some((k, mut v)) = pending.take() {
            v.push(' ');
            v.push_str(line.trim());
            if line.contains('}') {
                out.insert(k, v);
            } else {
                pending = Some((k, v));
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
        if v.starts_with('{') && !v.contains('}') {
            pending = Some((k, v));
        } else {
            out.insert(k, v);
        }
    }
    if let Some((k, _)) = pending {
        bail!(
            "malformed ENVI header {}: the value of \"{k}\" opens a brace it never closes",
            hdr.display()
        );
    }
    Ok(out)
}

/// ENVI's `data type` codes.
fn data_type(code: &str) -> Option<DataType> {
    Some(match code.trim() {
        "1" => DataType::U8,
        "2" => DataType::I16,
        "3" => DataType::I32,
        "4" => DataType::F32,
        "5" => DataType::F64,
        "12" => DataType::U16,
        "13" => DataType::U32,
        _ => return None,
    })
}

/// Parses the raster layout in the ENVI header `hdr` describing `data_file`.
pub fn layout_from_hdr(hdr: &Path, data_file: &Path) -> anyhow::Result<RasterLayout> {
    let text = std::fs::read_to_string(hdr)
        .with_context(|| format!("cannot read ENVI header {}", hdr.display()))?;
    layout_from_hdr_text(&text, hdr, data_file)
}

/// Parses the layout in the ENVI header `text` read from `hdr`, describing `data_file`.
pub fn layout_from_hdr_text(
    text: &str,
    hdr: &Path,
    data_file: &Path,
) -> anyhow::Result<RasterLayout> {
    let e = entries(text, hdr)?;
    let get = |k: &str| {
        e.get(k)
            .map(String::as_str)
            .with_context(|| format!("malformed ENVI header {}: no \"{k}\" line", hdr.display()))
    };
    let num = |k: &str| -> anyhow::Result<usize> {
        let v = get(k)?;
        v.parse::<usize>().with_context(|| {
            format!(
                "malformed ENVI header {}: {k} = '{v}' is not a whole number",
                hdr.display()
            )
        })
    };
    let (width, length, nbands) = (num("samples")?, num("lines")?, num("bands")?);
    if width == 0 || length == 0 || nbands == 0 || nbands > MAX_BANDS {
        bail!(
            "malformed ENVI header {}: {length} lines x {width} samples x {nbands} bands",
            hdr.display()
        );
    }
    let dt = get("data type")?;
    let dtype = data_type(dt).with_context(|| {
        format!(
            "ENVI header {}: data type {dt} is not one sbas reads (1, 2, 3, 4, 5, 12, 13)",
            hdr.display()
        )
    })?;
    let offset = match e.get("header offset") {
        Some(v) => v.parse::<u64>().with_context(|| {
            format!(
                "malformed ENVI header {}: header offset = '{v}' is not a whole number",
                hdr.display()
            )
        })?,
        None => 0,
    };
    let scheme = match e.get("interleave") {
        Some(v) => Interleave::parse(v).with_context(|| {
            format!(
                "malformed ENVI header {}: interleave = '{v}' is not bsq, bil or bip",
                hdr.display()
            )
        })?,
        None => Interleave::Bsq,
    };
    let big_endian = match e.get("byte order").map(|s| s.trim()) {
        Some("0") => false,
        Some("1") | None => true,
        Some(v) => bail!(
            "malformed ENVI header {}: byte order = '{v}' is not 0 or 1",
            hdr.display()
        ),
    };
    let mut bands = RasterLayout::regular(width, length, nbands, dtype, scheme);
    for b in &mut bands {
        b.offset = b.offset.saturating_add(offset);
    }
    Ok(RasterLayout {
        width,
        length,
        dtype,
        big_endian,
        bands,
        data_file: data_file.to_path_buf(),
        sidecar: hdr.to_path_buf(),
        handle: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAP_HDR: &str = "ENVI
description = {Sentinel Application Platform (SNAP) Export of x - Unit: radian}
samples = 30
lines = 20
bands = 1
header offset = 0
file type = ENVI Standard
data type = 4
interleave = bsq
byte order = 1
band names = { Unw_Phase_ifg_VV_01Jan2020_13Jan2020 }
map info = {Geographic Lat/Lon,1.0,1.0,-118.35,34.05,2.7E-4,2.7E-4,WGS84,
  units=Degrees}
";

    #[test]
    fn snap_header_is_big_endian_float_bsq() {
        let p = Path::new("a.hdr");
        let l = layout_from_hdr_text(SNAP_HDR, p, Path::new("a.img")).unwrap();
        assert_eq!((l.width, l.length, l.dtype), (30, 20, DataType::F32));
        assert!(l.big_endian);
        assert_eq!(l.expected_size(), 30 * 20 * 4);
        let le = SNAP_HDR.replace("byte order = 1", "byte order = 0");
        assert!(!layout_from_hdr_text(&le, p, p).unwrap().big_endian);
    }

    #[test]
    fn bad_headers_name_the_file_and_the_line() {
        let p = Path::new("bad.hdr");
        for (text, want) in [
            ("samples = 3\n", "not an ENVI header"),
            (&SNAP_HDR.replace("lines = 20\n", "")[..], "no \"lines\""),
            (
                &SNAP_HDR.replace("data type = 4", "data type = 6")[..],
                "data type 6",
            ),
            (
                &SNAP_HDR.replace("samples = 30", "samples = x")[..],
                "not a whole number",
            ),
            (&SNAP_HDR.replace("units=Degrees}", "")[..], "never closes"),
        ] {
            let e = layout_from_hdr_text(text, p, p).unwrap_err().to_string();
            assert!(e.contains("bad.hdr") && e.contains(want), "{e}");
        }
    }
}
