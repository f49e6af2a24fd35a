//! Raster codecs shared by every stack format: how to read a band of a file, whatever stack
//! layout the file belongs to. Formats (`source::isce`, ...) decide which files form a stack;
//! this module decides how their pixels are read.
//!
//! One module per codec or sidecar kind:
//! - [`flat`]: flat binary rasters described by a [`RasterLayout`] (sample type, byte order,
//!   band interleave, band offsets), read by windows;
//! - [`isce_xml`]: ISCE2 image `.xml` sidecars, giving a [`RasterLayout`];
//! - [`vrt`]: GDAL `.vrt` sidecars with raw raster bands, giving a [`RasterLayout`];
//! - [`rsc`]: ROI_PAC-style `.rsc` key-value metadata (also GACOS `.ztd.rsc`);
//! - [`roipac`]: the layout of a ROI_PAC raster from its `.rsc` and extension (`.unw`/`.cor`
//!   rows of amplitude and value interleaved, `geomap*.trans` lookup tables, ...);
//! - [`gamma_par`]: GAMMA `.par` / `.off` / `.diff_par` parameter files, read into MintPy's
//!   attributes; [`gamma`]: the layout of a GAMMA raster (big-endian, `*.UTM_TO_RDC` complex);
//! - [`envi_hdr`]: ENVI `.hdr` sidecars (SNAP's BEAM-DIMAP bands), giving a [`RasterLayout`];
//! - [`std_keys`]: MintPy's standard metadata names for each processor's spelling.
//! - [`geotiff`]: GeoTIFF strips and tiles (HyP3, LiCSAR, dolphin), read chunk by chunk, and
//!   their georeferencing ([`geokeys`]) as a map grid;
//!
//! - [`netcdf3`]: netCDF classic files (GMT grids as GMTSAR writes them), header and windowed
//!   reads of a variable.
//!
//! Room for the next codecs, each its own module here:
//! - netCDF-4/HDF5 grids (ARIA), a dataset per layer as in `source::mintpy_h5`.

pub mod envi_hdr;
pub mod flat;
pub mod gamma;
pub mod gamma_par;
mod gather;
pub mod geokeys;
pub mod geotiff;
pub mod handle;
pub mod isce_xml;
pub mod netcdf3;
pub mod roipac;
pub mod rsc;
pub mod std_keys;
pub mod vrt;

use std::path::{Path, PathBuf};

use anyhow::bail;

pub use flat::{BandLayout, DataType, Interleave, RasterLayout, MAX_BANDS};
pub use gamma_par::{parse_gamma_par, read_gamma_par};
pub use geotiff::{GeoTiff, Sample};
pub use isce_xml::parse_image_xml;
pub use rsc::{parse_rsc, read_rsc};
pub use vrt::parse_vrt;

/// Reads the layout of a flat binary raster from its `.xml` sidecar, else its `.vrt` (the two
/// ISCE2 writes beside each raster; the `.xml` wins, as in MintPy).
pub fn raster_layout(data_file: &Path) -> anyhow::Result<RasterLayout> {
    let xml = sidecar(data_file, "xml");
    let vrt = sidecar(data_file, "vrt");
    if xml.is_file() {
        isce_xml::layout_from_xml(&xml, data_file)
    } else if vrt.is_file() {
        vrt::layout_from_vrt(&vrt, data_file)
    } else {
        bail!(
            "raster {} has no sidecar: expected {} or {}",
            data_file.display(),
            xml.display(),
            vrt.display()
        )
    }
}

/// `file` with `.ext` appended to its full name (`a.unw` + `xml` = `a.unw.xml`).
pub fn sidecar(file: &Path, ext: &str) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
