//! ROI_PAC rasters: the layout of a file from its `.rsc` and its extension, as MintPy's
//! `readfile.read_binary_file` decides it for `PROCESSOR = roipac`.
//!
//! | extension | layout | value |
//! |---|---|---|
//! | `.unw`, `.cor`, `.hgt`, `.msk` | two float32 bands, rows interleaved (BIL), little-endian | band 2 (band 1 is amplitude) |
//! | `.trans` (`geomap*.trans`) | two float32 bands, BIL | band 1 range, band 2 azimuth (radar pixel of each map pixel) |
//! | `.dem`, `.wgs84` | int16 | |
//! | `.byt`, `.flg` | one byte per pixel | MintPy reads them as numpy bool, which keeps the byte: labels stay labels |

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::flat::{DataType, Interleave, RasterLayout};
use super::rsc::read_rsc;
use super::sidecar;
use super::std_keys::standardize;
use crate::meta::Attributes;

/// What kind of ROI_PAC raster a file is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoipacKind {
    /// Amplitude and value rows interleaved: `.unw`, `.cor`, `.hgt`, `.msk`.
    AmpValue,
    /// Map-to-radar lookup table `.trans`: range and azimuth bands, interleaved by rows.
    Lookup,
    /// `.dem`, `.wgs84`: int16 heights.
    Dem,
    /// `.byt`, `.flg`: one byte per pixel (connected components, flags).
    Byte,
}

impl RoipacKind {
    /// The kind of `file` from its extension, if sbas reads it.
    pub fn of(file: &Path) -> Option<RoipacKind> {
        let ext = file.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "unw" | "cor" | "hgt" | "msk" => RoipacKind::AmpValue,
            "trans" => RoipacKind::Lookup,
            "dem" | "wgs84" => RoipacKind::Dem,
            "byt" | "flg" => RoipacKind::Byte,
            _ => return None,
        })
    }
}

/// The `.rsc` that describes `data_file`: `data_file.rsc`, or, for a `*_snap_connect.byt`
/// without one, the `.unw.rsc` of its interferogram (MintPy's `prep_roipac` copies that one).
pub fn rsc_of(data_file: &Path) -> PathBuf {
    let own = sidecar(data_file, "rsc");
    if own.is_file() {
        return own;
    }
    let name = data_file.to_string_lossy();
    match name.strip_suffix("_snap_connect.byt") {
        Some(stem) => PathBuf::from(format!("{stem}.unw.rsc")),
        None => own,
    }
}

/// The metadata of a ROI_PAC file (its `.rsc`, with MintPy's standard names).
pub fn roipac_metadata(data_file: &Path) -> anyhow::Result<Attributes> {
    let rsc = rsc_of(data_file);
    if !rsc.is_file() {
        bail!(
            "ROI_PAC raster {} has no metadata file: expected {}",
            data_file.display(),
            rsc.display()
        );
    }
    let mut a = read_rsc(&rsc)?;
    standardize(&mut a);
    Ok(a)
}

/// The size `LENGTH` x `WIDTH` a header gives (`what` names the header in messages).
pub fn header_size(a: &Attributes, what: &Path) -> anyhow::Result<(usize, usize)> {
    let get = |k: &str| -> anyhow::Result<usize> {
        let v = a
            .get(k)
            .with_context(|| format!("{} has no {k}", what.display()))?;
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .with_context(|| {
                format!(
                    "{}: {k} = '{v}' is not a positive whole number",
                    what.display()
                )
            })
    };
    Ok((get("LENGTH")?, get("WIDTH")?))
}

/// The layout of the ROI_PAC file `data_file` and its metadata.
pub fn roipac_layout(data_file: &Path) -> anyhow::Result<(RasterLayout, Attributes)> {
    let kind = RoipacKind::of(data_file).with_context(|| {
        format!(
            "{} is not a ROI_PAC raster sbas reads (.unw, .cor, .hgt, .msk, .trans, .dem, .byt)",
            data_file.display()
        )
    })?;
    let attrs = roipac_metadata(data_file)?;
    let rsc = rsc_of(data_file);
    let (length, width) = header_size(&attrs, &rsc)?;
    let (nbands, dtype) = match kind {
        RoipacKind::AmpValue | RoipacKind::Lookup => (2, DataType::F32),
        RoipacKind::Dem => (1, DataType::I16),
        RoipacKind::Byte => (1, DataType::U8),
    };
    let layout = RasterLayout {
        width,
        length,
        dtype,
        big_endian: false,
        bands: RasterLayout::regular(width, length, nbands, dtype, Interleave::Bil),
        data_file: data_file.to_path_buf(),
        sidecar: rsc,
        handle: Default::default(),
    };
    Ok((layout, attrs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::Window;

    #[test]
    fn unw_is_two_interleaved_bands_and_the_phase_is_the_second() {
        let dir = tempfile::tempdir().unwrap();
        let unw = dir.path().join("filt_100901-110117_4rlks.unw");
        // 2 rows x 3 columns: amplitude row then phase row.
        let mut bytes = Vec::new();
        for v in [1f32, 1., 1., 10., 11., 12., 2., 2., 2., 20., 21., 22.] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        std::fs::write(&unw, &bytes).unwrap();
        std::fs::write(sidecar(&unw, "rsc"), "WIDTH 3\nFILE_LENGTH 2\n").unwrap();
        let (l, a) = roipac_layout(&unw).unwrap();
        assert_eq!(a.get("LENGTH"), Some("2"));
        l.check_file_size().unwrap();
        let mut out = vec![0f32; 4];
        let w = Window {
            y0: 0,
            y1: 2,
            x0: 1,
            x1: 3,
        };
        l.read_window(1, &w, &mut out).unwrap();
        assert_eq!(out, [11., 12., 21., 22.]);
        std::fs::write(&unw, &bytes[..40]).unwrap();
        let e = l.check_file_size().unwrap_err().to_string();
        assert!(e.contains("truncated") && e.contains(".unw"), "{e}");
    }

    #[test]
    fn a_connected_component_file_borrows_the_unw_header_and_a_missing_header_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let unw = dir.path().join("filt_a.unw");
        let byt = dir.path().join("filt_a_snap_connect.byt");
        std::fs::write(&byt, [0u8; 6]).unwrap();
        let e = roipac_layout(&byt).unwrap_err().to_string();
        assert!(e.contains("filt_a.unw.rsc"), "{e}");
        std::fs::write(sidecar(&unw, "rsc"), "WIDTH 3\nLENGTH 2\n").unwrap();
        let (l, _) = roipac_layout(&byt).unwrap();
        assert_eq!((l.dtype, l.bands.len()), (DataType::U8, 1));
        let e = roipac_layout(&dir.path().join("x.int"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.int"), "{e}");
        std::fs::write(dir.path().join("b.cor.rsc"), "WIDTH 3\nLENGTH many\n").unwrap();
        let e = roipac_layout(&dir.path().join("b.cor"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.cor.rsc") && e.contains("LENGTH"), "{e}");
    }
}
