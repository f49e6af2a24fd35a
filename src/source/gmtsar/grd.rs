//! A GMT grid (`.grd`, GMT's `nf` format): the 2-D variable `z` on the coordinate variables
//! of its two dimensions, in a netCDF classic file (what GMTSAR writes) or a netCDF-4 file
//! (HDF5; GMT's own default), its map grid as GDAL's netCDF driver derives it (the
//! geotransform MintPy reads), and windowed reads in GDAL's row order (north first: GMT stores
//! rows south first when `y` increases).
//!
//! Geotransform, as GDAL 3 computes it for a GMT grid: the extent is the coordinate variable's
//! `actual_range` when present, else its first and last values; a pixel-registered grid
//! (global `node_offset = 1`) has that extent as its outer edges, a gridline-registered one
//! (`node_offset` absent or 0) has it at the centres of the outer pixels.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::source::raster::netcdf3::{is_classic, is_hdf5, NcFile, NcValue, NcVar};
use crate::window::Window;

/// Where the values are stored.
#[derive(Debug, Clone)]
enum Store {
    /// netCDF classic: the header and the variable `z`.
    Classic { nc: NcFile, z: NcVar },
    /// netCDF-4: the HDF5 file and the name of `z`.
    Nc4 { file: hdf5::File, z: String },
}

/// A GMT grid opened for reading.
#[derive(Debug, Clone)]
pub struct GmtGrid {
    path: PathBuf,
    store: Store,
    /// Whether the file's first row is the southern one.
    bottom_up: bool,
    /// numpy's name of `z`'s type.
    dtype: &'static str,
    /// `z`'s `_FillValue`.
    fill: Option<f64>,
    /// The grid, north-up (MintPy's corner and steps).
    pub grid: MapGrid,
}

/// One coordinate axis: its extent (low, high) and whether the values increase.
struct Axis {
    lo: f64,
    hi: f64,
    increasing: bool,
}

/// The axis of coordinate values `vals` (with `actual_range` if the file gives it).
fn axis(
    path: &Path,
    name: &str,
    vals: &[f64],
    range: Option<Vec<f64>>,
    n: usize,
) -> anyhow::Result<Axis> {
    if vals.len() != n || n == 0 {
        bail!(
            "GMT grid {}: coordinate variable {name} holds {} values for {n} pixels",
            path.display(),
            vals.len()
        );
    }
    let increasing = n == 1 || vals[n - 1] > vals[0];
    let (lo, hi) = match range {
        Some(r) if r.len() == 2 => (r[0].min(r[1]), r[0].max(r[1])),
        _ => (vals[0].min(vals[n - 1]), vals[0].max(vals[n - 1])),
    };
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        bail!(
            "GMT grid {}: coordinate variable {name} spans {lo}..{hi}, not a regular axis",
            path.display()
        );
    }
    Ok(Axis { lo, hi, increasing })
}

/// The north-up grid of axes `x`, `y` of `nx` x `ny` pixels.
fn map_grid(
    path: &Path,
    x: &Axis,
    y: &Axis,
    nx: usize,
    ny: usize,
    pixel_reg: bool,
) -> anyhow::Result<MapGrid> {
    let (x_step, x_first, y_step, y_first) = if pixel_reg {
        let dx = (x.hi - x.lo) / nx as f64;
        let dy = (y.hi - y.lo) / ny as f64;
        (dx, x.lo, -dy, y.hi)
    } else {
        if nx < 2 || ny < 2 {
            bail!(
                "GMT grid {}: a gridline-registered grid of {ny} x {nx} has no pixel size",
                path.display()
            );
        }
        let dx = (x.hi - x.lo) / (nx - 1) as f64;
        let dy = (y.hi - y.lo) / (ny - 1) as f64;
        (dx, x.lo - dx / 2.0, -dy, y.hi + dy / 2.0)
    };
    let degrees = (1e-7..1.0).contains(&x_step.abs());
    Ok(MapGrid {
        y_first,
        x_first,
        y_step,
        x_step,
        length: ny,
        width: nx,
        // GMTSAR geocodes onto WGS84 longitude/latitude; the grid itself names no CRS.
        epsg: degrees.then_some(4326),
        degrees,
    })
}

/// numpy's name of a netCDF classic type.
fn classic_dtype(ty: crate::source::raster::netcdf3::NcType) -> &'static str {
    use crate::source::raster::netcdf3::NcType as T;
    match ty {
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

impl GmtGrid {
    /// Opens the GMT grid `path` (netCDF classic or netCDF-4).
    pub fn open(path: &Path) -> anyhow::Result<GmtGrid> {
        let mut head = [0u8; 8];
        let mut f = std::fs::File::open(path)
            .with_context(|| format!("cannot open GMT grid {}", path.display()))?;
        {
            use std::io::Read;
            let _ = f.read(&mut head);
        }
        if is_hdf5(&head) {
            GmtGrid::open_nc4(path)
        } else if is_classic(&head) {
            GmtGrid::open_classic(path)
        } else {
            bail!(
                "GMT grid {} is neither netCDF classic nor netCDF-4 (no CDF or HDF5 signature)",
                path.display()
            )
        }
    }

    fn open_classic(path: &Path) -> anyhow::Result<GmtGrid> {
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
        let coord = |name: &str, n: usize| -> anyhow::Result<Axis> {
            let v = nc.var(name).with_context(|| {
                format!(
                    "GMT grid {} has no coordinate variable {name} (MintPy reads the grid's \
                     position from it through GDAL)",
                    path.display()
                )
            })?;
            let range = match v.attr("actual_range") {
                Some(NcValue::Numbers(r)) => Some(r.clone()),
                _ => None,
            };
            axis(path, name, &nc.read_all_f64(v)?, range, n)
        };
        let x = coord(&xdim.name, nx)?;
        let y = coord(&ydim.name, ny)?;
        let pixel_reg = nc.attr("node_offset").and_then(NcValue::number) == Some(1.0);
        let grid = map_grid(path, &x, &y, nx, ny, pixel_reg)?;
        let fill = z.attr("_FillValue").and_then(NcValue::number);
        Ok(GmtGrid {
            path: path.to_path_buf(),
            dtype: classic_dtype(z.ty),
            fill,
            bottom_up: y.increasing,
            store: Store::Classic { nc, z },
            grid,
        })
    }

    fn open_nc4(path: &Path) -> anyhow::Result<GmtGrid> {
        let file = hdf5::File::open(path)
            .with_context(|| format!("cannot open netCDF-4 GMT grid {}", path.display()))?;
        let names = file.member_names().unwrap_or_default();
        let two_d = |n: &str| file.dataset(n).is_ok_and(|d| d.ndim() == 2);
        let z = if two_d("z") {
            "z".to_string()
        } else {
            names.iter().find(|n| two_d(n)).cloned().with_context(|| {
                format!(
                    "GMT grid {} has no variable z (nor any 2-D variable): not a GMT grid",
                    path.display()
                )
            })?
        };
        let zd = file
            .dataset(&z)
            .with_context(|| format!("cannot open variable {z} of {}", path.display()))?;
        let shape = zd.shape();
        let (ny, nx) = (shape[0], shape[1]);
        // netCDF-4 names the dimensions through HDF5 dimension scales; GMT's coordinate
        // variables are `lon`/`lat` (geographic) or `x`/`y`.
        let pick = |cands: [&str; 2], n: usize| -> Option<String> {
            cands
                .iter()
                .find(|c| {
                    file.dataset(c)
                        .is_ok_and(|d| d.ndim() == 1 && d.size() == n)
                })
                .map(|c| c.to_string())
        };
        let (Some(xn), Some(yn)) = (pick(["lon", "x"], nx), pick(["lat", "y"], ny)) else {
            bail!(
                "GMT grid {} has no coordinate variables lon/lat (or x/y) of {nx} and {ny} \
                 values",
                path.display()
            );
        };
        let coord = |name: &str, n: usize| -> anyhow::Result<Axis> {
            let d = file.dataset(name)?;
            let vals: Vec<f64> = d
                .read_raw()
                .with_context(|| format!("cannot read variable {name} of {}", path.display()))?;
            let range = d
                .attr("actual_range")
                .ok()
                .and_then(|a| a.read_raw::<f64>().ok());
            axis(path, name, &vals, range, n)
        };
        let x = coord(&xn, nx)?;
        let y = coord(&yn, ny)?;
        let pixel_reg = file
            .attr("node_offset")
            .ok()
            .and_then(|a| a.read_raw::<f64>().ok())
            .and_then(|v| v.first().copied())
            == Some(1.0);
        let grid = map_grid(path, &x, &y, nx, ny, pixel_reg)?;
        let fill = zd
            .attr("_FillValue")
            .ok()
            .and_then(|a| a.read_raw::<f64>().ok())
            .and_then(|v| v.first().copied());
        use hdf5::types::{FloatSize, IntSize, TypeDescriptor as D};
        let dtype = match zd.dtype().and_then(|t| t.to_descriptor()) {
            Ok(D::Float(FloatSize::U4)) => "float32",
            Ok(D::Float(FloatSize::U8)) => "float64",
            Ok(D::Integer(IntSize::U1)) => "int8",
            Ok(D::Integer(IntSize::U2)) => "int16",
            Ok(D::Integer(IntSize::U4)) => "int32",
            Ok(D::Integer(IntSize::U8)) => "int64",
            Ok(D::Unsigned(IntSize::U1)) => "uint8",
            Ok(D::Unsigned(IntSize::U2)) => "uint16",
            Ok(D::Unsigned(IntSize::U4)) => "uint32",
            Ok(D::Unsigned(IntSize::U8)) => "uint64",
            _ => bail!("GMT grid {}: variable {z} is not numeric", path.display()),
        };
        Ok(GmtGrid {
            path: path.to_path_buf(),
            store: Store::Nc4 { file, z },
            bottom_up: y.increasing,
            dtype,
            fill,
            grid,
        })
    }

    /// The file.
    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// MintPy's `DATA_TYPE` of `z` (numpy's name).
    pub fn data_type(&self) -> &'static str {
        self.dtype
    }

    /// GDAL's no-data value of `z` as MintPy writes it: its `_FillValue` (`nan` for GMT's
    /// NaN), `None` without one.
    pub fn no_data_text(&self) -> String {
        match self.fill {
            Some(v) => crate::meta::pyfmt::py_f64(v),
            None => "None".into(),
        }
    }

    /// Checks that the file holds every value of `z` (a truncated grid fails here, not
    /// half-way through a run).
    pub fn check_complete(&self) -> anyhow::Result<()> {
        let (ny, nx) = (self.grid.length, self.grid.width);
        let w = if self.bottom_up {
            Window {
                y0: 0,
                y1: 1,
                x0: 0,
                x1: nx,
            }
        } else {
            Window {
                y0: ny - 1,
                y1: ny,
                x0: 0,
                x1: nx,
            }
        };
        let mut row = vec![0f32; nx];
        self.read(&w, &mut row)
    }

    /// Reads `window` (rows north first, as GDAL returns them) into `out`.
    pub fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let ny = self.grid.length;
        if window.y0 >= window.y1
            || window.y1 > ny
            || window.x1 > self.grid.width
            || window.pixels() != out.len()
        {
            bail!(
                "window rows {}..{} cols {}..{} does not fit GMT grid {} ({} x {})",
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                self.path.display(),
                ny,
                self.grid.width
            );
        }
        let up = self.bottom_up;
        match &self.store {
            Store::Classic { nc, z } => {
                let rows = (window.y0..window.y1).map(move |y| if up { ny - 1 - y } else { y });
                nc.read_rows_f32(z, rows, window.x0, window.x1, out)
            }
            Store::Nc4 { file, z } => {
                use ndarray::s;
                let (r0, r1) = if up {
                    (ny - window.y1, ny - window.y0)
                } else {
                    (window.y0, window.y1)
                };
                let v = file
                    .dataset(z)
                    .and_then(|d| d.read_slice_2d::<f32, _>(s![r0..r1, window.x0..window.x1]))
                    .with_context(|| {
                        format!(
                            "cannot read rows {r0}..{r1} of variable {z} of netCDF-4 GMT grid {}",
                            self.path.display()
                        )
                    })?;
                let w = window.x1 - window.x0;
                for (i, row) in v.rows().into_iter().enumerate() {
                    let dst = if up { window.y1 - window.y0 - 1 - i } else { i };
                    for (d, s) in out[dst * w..(dst + 1) * w].iter_mut().zip(row.iter()) {
                        *d = *s;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_netcdf4_grid_reads_as_its_classic_twin() {
        let dir = tempfile::tempdir().unwrap();
        let (rows, cols) = (4, 5);
        let data: Vec<f32> = (0..rows * cols).map(|i| i as f32 * 0.5).collect();
        let classic = dir.path().join("c.grd");
        std::fs::write(
            &classic,
            crate::simulate::gmtsar_writer::grd_bytes(&data, rows, cols, "radians", "t"),
        )
        .unwrap();
        let c = GmtGrid::open(&classic).unwrap();

        // The same grid as GMT writes it by default: netCDF-4, rows south first.
        let nc4 = dir.path().join("n.grd");
        let f = hdf5::File::create(&nc4).unwrap();
        let g = c.grid;
        let xs: Vec<f64> = (0..cols)
            .map(|j| g.x_first + (j as f64 + 0.5) * g.x_step)
            .collect();
        let ys: Vec<f64> = (0..rows)
            .map(|i| g.y_first + (rows as f64 - 0.5 - i as f64) * g.y_step)
            .collect();
        let south_first: Vec<f32> = (0..rows)
            .rev()
            .flat_map(|r| data[r * cols..(r + 1) * cols].to_vec())
            .collect();
        let x = f
            .new_dataset_builder()
            .with_data(&xs)
            .create("lon")
            .unwrap();
        x.new_attr_builder()
            .with_data(&[g.x_first, g.x_first + cols as f64 * g.x_step])
            .create("actual_range")
            .unwrap();
        let y = f
            .new_dataset_builder()
            .with_data(&ys)
            .create("lat")
            .unwrap();
        y.new_attr_builder()
            .with_data(&[g.y_first + rows as f64 * g.y_step, g.y_first])
            .create("actual_range")
            .unwrap();
        let arr = ndarray::Array2::from_shape_vec((rows, cols), south_first).unwrap();
        let z = f
            .new_dataset_builder()
            .deflate(3)
            .chunk((2, 5))
            .with_data(&arr)
            .create("z")
            .unwrap();
        z.new_attr_builder()
            .with_data(&[f32::NAN])
            .create("_FillValue")
            .unwrap();
        f.new_attr_builder()
            .with_data(&[1i32])
            .create("node_offset")
            .unwrap();
        drop(f);
        let n = GmtGrid::open(&nc4).unwrap();
        assert_eq!(n.grid, c.grid);
        assert_eq!((n.data_type(), n.no_data_text()), ("float32", "nan".into()));
        for w in [
            Window::full(rows, cols),
            Window {
                y0: 1,
                y1: 3,
                x0: 2,
                x1: 5,
            },
        ] {
            let (mut a, mut b) = (vec![0f32; w.pixels()], vec![0f32; w.pixels()]);
            c.read(&w, &mut a).unwrap();
            n.read(&w, &mut b).unwrap();
            assert_eq!(a, b);
        }
        let mut all = vec![0f32; rows * cols];
        n.read(&Window::full(rows, cols), &mut all).unwrap();
        assert_eq!(all, data);
    }
}
