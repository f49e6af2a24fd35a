//! GAMMA rasters: headerless big-endian files whose size is in a parameter file
//! ([`super::gamma_par`]), laid out as MintPy's `readfile.read_binary_file` reads them for
//! `PROCESSOR = gamma`.
//!
//! | file | layout |
//! |---|---|
//! | `diff_*rlks.unw`, `*.cor`, `*.hgt_sim`, `*.rdc.dem` | one float32 band, big-endian |
//! | `*.UTM_TO_RDC` (any `*to_rdc`, `*2_rdc`, `*2rdc`) | complex float: range and azimuth interleaved by pixel (BIP), float32 big-endian |

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::flat::{DataType, Interleave, RasterLayout};

/// Whether `file` is a GAMMA map-to-radar lookup table (`*.UTM_TO_RDC` and MintPy's other
/// spellings), from its extension.
pub fn is_gamma_lookup(file: &Path) -> bool {
    file.extension()
        .and_then(|e| e.to_str())
        .map(|e| {
            let e = e.to_ascii_lowercase();
            e.ends_with("to_rdc") || e.ends_with("2_rdc") || e.ends_with("2rdc")
        })
        .unwrap_or(false)
}

/// The layout of the GAMMA file `data_file` of `length` x `width` pixels, whose size was
/// read from `header` (named in messages).
pub fn gamma_layout(
    data_file: &Path,
    length: usize,
    width: usize,
    header: PathBuf,
) -> anyhow::Result<RasterLayout> {
    if length == 0 || width == 0 {
        bail!(
            "{}: the image size {length} x {width} (from {}) is empty",
            data_file.display(),
            header.display()
        );
    }
    let (nbands, scheme) = if is_gamma_lookup(data_file) {
        (2, Interleave::Bip)
    } else {
        (1, Interleave::Bsq)
    };
    Ok(RasterLayout {
        width,
        length,
        dtype: DataType::F32,
        big_endian: true,
        bands: RasterLayout::regular(width, length, nbands, DataType::F32, scheme),
        data_file: data_file.to_path_buf(),
        sidecar: header,
        handle: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::Window;

    #[test]
    fn big_endian_single_band_and_pixel_interleaved_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let unw = dir.path().join("diff_20200101_20200113_4rlks.unw");
        let vals: Vec<u8> = [1.5f32, -2.0, 3.25, 4.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        std::fs::write(&unw, &vals).unwrap();
        let l = gamma_layout(&unw, 2, 2, dir.path().join("x.off")).unwrap();
        l.check_file_size().unwrap();
        let mut out = [0f32; 4];
        l.read_window(0, &Window::full(2, 2), &mut out).unwrap();
        assert_eq!(out, [1.5, -2.0, 3.25, 4.0]);

        let lut = dir.path().join("sim_20200101_4rlks.UTM_TO_RDC");
        assert!(is_gamma_lookup(&lut) && !is_gamma_lookup(&unw));
        std::fs::write(&lut, &vals).unwrap();
        let l = gamma_layout(&lut, 1, 2, dir.path().join("x.par")).unwrap();
        l.check_file_size().unwrap();
        let mut rg = [0f32; 2];
        let mut az = [0f32; 2];
        l.read_window(0, &Window::full(1, 2), &mut rg).unwrap();
        l.read_window(1, &Window::full(1, 2), &mut az).unwrap();
        assert_eq!((rg, az), ([1.5, 3.25], [-2.0, 4.0]));
        let e = gamma_layout(&lut, 0, 2, dir.path().join("x.par")).unwrap_err();
        assert!(e.to_string().contains("x.par"), "{e}");
    }
}
