//! A GMT grid (`.grd`, GMT's `nf` format in a netCDF classic file): the 2-D variable `z` on
//! the coordinate variables of its two dimensions, its map grid as GDAL's netCDF driver
//! derives it (the geotransform MintPy reads), and windowed reads in GDAL's row order (north
//! first: GMT stores rows south first when `y` increases).
//!
//! Geotransform, as GDAL 3 computes it for a GMT grid: the extent is the coordinate variable's
//! `actual_range` when present, else its first and last values; a pixel-registered grid
//! (global `node_offset = 1`) has that extent as its outer edges, a gridline-registered one
//! (`node_offset` absent or 0) has it at the centres of the outer pixels.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::source::raster::netcdf3::{is_hdf5, NcFile, NcValue, NcVar};
use crate::window::Window;

/// A GMT grid opened for reading.
#[derive(Debug, Clone)]
pub struct GmtGrid {
    nc: NcFile,
    z: NcVar,
    /// Whether the file's first row is the southern one.
    bottom_up: bool,
    /// The grid, north-up (MintPy's corner and steps).
    pub grid: MapGrid,
}

/// The extent (low, high) of the coordinate variable `name` of `nc`.
fn extent(nc: &NcFile, name: &str, n: usize) -> anyhow::Result<(f64, f64, bool)> {
    let v = nc.var(name).with_context(|| {
        format!(
            "GMT grid {} has no coordinate variable {name} (MintPy reads the grid's position \
             from it through GDAL)",
            nc.path.display()
        )
    })?;
    let vals = nc.read_all_f64(v)?;
    if vals.len() != n || n == 0 {
        bail!(
            "GMT grid {}: coordinate variable {name} holds {} values for {n} pixels",
            nc.path.display(),
            vals.len()
        );
    }
    let increasing = n == 1 || vals[n - 1] > vals[0];
    let (lo, hi) = match v.attr("actual_range") {
        Some(NcValue::Numbers(r)) if r.len() == 2 => (r[0].min(r[1]), r[0].max(r[1])),
        _ => (vals[0].min(vals[n - 1]), vals[0].max(vals[n - 1])),
    };
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        bail!(
            "GMT grid {}: coordinate variable {name} spans {lo}..{hi}, not a regular axis",
            nc.path.display()
        );
    }
    Ok((lo, hi, increasing))
}

impl GmtGrid {
    /// Opens the GMT grid `path`.
    pub fn open(path: &Path) -> anyhow::Result<GmtGrid> {
        let mut head = [0u8; 8];
        if let Ok(mut f) = std::fs::File::open(path) {
            use std::io::Read;
            let _ = f.read(&mut head);
        }
        if is_hdf5(&head) {
            bail!(
                "GMT grid {} is a netCDF-4 (HDF5) file; sbas reads GMT grids in netCDF classic \
                 format, as GMTSAR writes them (IO_NC4_CHUNK_SIZE = classic): convert it with \
                 `gmt grdconvert {0} {0}.nc3 --IO_NC4_CHUNK_SIZE=classic`",
                path.display()
            );
        }
        let nc = NcFile::open(path)?;
        let z = match nc.var("z") {
            Some(v) => v.clone(),
            None => nc
                .vars
                .iter()
                .find(|v| v.dims.len() == 2)
                .cloned()
                .with_context(|| {
                    format!(
                        "GMT grid {} has no variable z (nor any 2-D variable): not a GMT grid",
                        path.display()
                    )
                })?,
        };
        if z.dims.len() != 2 {
            bail!(
                "GMT grid {}: variable {} has {} dimensions, not 2",
                path.display(),
                z.name,
                z.dims.len()
            );
        }
        let (ydim, xdim) = (&nc.dims[z.dims[0]], &nc.dims[z.dims[1]]);
        let (ny, nx) = (ydim.len as usize, xdim.len as usize);
        let (x_lo, x_hi, _) = extent(&nc, &xdim.name, nx)?;
        let (y_lo, y_hi, y_up) = extent(&nc, &ydim.name, ny)?;
        let pixel_reg = nc.attr("node_offset").and_then(NcValue::number) == Some(1.0);
        let (x_step, x_first, y_step, y_first) = if pixel_reg {
            let dx = (x_hi - x_lo) / nx as f64;
            let dy = (y_hi - y_lo) / ny as f64;
            (dx, x_lo, -dy, y_hi)
        } else {
            if nx < 2 || ny < 2 {
                bail!(
                    "GMT grid {}: a gridline-registered grid of {ny} x {nx} has no pixel size",
                    path.display()
                );
            }
            let dx = (x_hi - x_lo) / (nx - 1) as f64;
            let dy = (y_hi - y_lo) / (ny - 1) as f64;
            (dx, x_lo - dx / 2.0, -dy, y_hi + dy / 2.0)
        };
        let degrees = (1e-7..1.0).contains(&x_step.abs());
        let grid = MapGrid {
            y_first,
            x_first,
            y_step,
            x_step,
            length: ny,
            width: nx,
            // GMTSAR geocodes onto WGS84 longitude/latitude; the grid itself names no CRS.
            epsg: degrees.then_some(4326),
            degrees,
        };
        Ok(GmtGrid {
            nc,
            z,
            bottom_up: y_up,
            grid,
        })
    }

    /// The file.
    pub fn path(&self) -> &PathBuf {
        &self.nc.path
    }

    /// The `z` variable's attribute `name`, if text.
    pub fn z_text(&self, name: &str) -> Option<&str> {
        match self.z.attr(name) {
            Some(NcValue::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// MintPy's `DATA_TYPE` of `z` (numpy's name).
    pub fn data_type(&self) -> &'static str {
        use crate::source::raster::netcdf3::NcType as T;
        match self.z.ty {
            T::Byte => "int8",
            T::Char | T::UByte => "uint8",
            T::Short => "int16",
            T::UShort => "uint16",
            T::Int => "int32",
            T::UInt => "uint32",
            T::Float => "float32",
            T::Double => "float64",
            T::Int64 => "int64",
            T::UInt64 => "uint64",
        }
    }

    /// GDAL's no-data value of `z` as MintPy writes it: its `_FillValue` (`nan` for GMT's
    /// NaN), `None` without one.
    pub fn no_data_text(&self) -> String {
        match self.z.attr("_FillValue").and_then(NcValue::number) {
            Some(v) => crate::meta::pyfmt::py_f64(v),
            None => "None".into(),
        }
    }

    /// Checks that the file holds every value of `z` (a truncated grid fails here, not
    /// half-way through a run).
    pub fn check_complete(&self) -> anyhow::Result<()> {
        // Reading the last row checks the extent.
        let (ny, nx) = (self.grid.length, self.grid.width);
        let mut row = vec![0f32; nx];
        self.nc
            .read_rows_f32(&self.z, std::iter::once(ny - 1), 0, nx, &mut row)
    }

    /// Reads `window` (rows north first, as GDAL returns them) into `out`.
    pub fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let ny = self.grid.length;
        if window.y1 > ny || window.x1 > self.grid.width || window.pixels() != out.len() {
            bail!(
                "window rows {}..{} cols {}..{} does not fit GMT grid {} ({} x {})",
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                self.nc.path.display(),
                ny,
                self.grid.width
            );
        }
        let up = self.bottom_up;
        let rows = (window.y0..window.y1).map(move |y| if up { ny - 1 - y } else { y });
        self.nc
            .read_rows_f32(&self.z, rows, window.x0, window.x1, out)
    }
}
