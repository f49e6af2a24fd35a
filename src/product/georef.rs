//! How a Zarr store of a stack in a known coordinate system records where it lies, so that
//! xarray and rioxarray open it georeferenced: 1-D coordinates of pixel centres, and a CF
//! grid-mapping variable `spatial_ref` holding the CRS (WKT and EPSG code) and GDAL's
//! `GeoTransform`, the layout rioxarray itself writes.
//!
//! One rule for the names of the coordinates: `y`/`x` (northing/easting, metres) on a projected
//! grid, `lat`/`lon` (degrees) on a latitude/longitude grid, as geocoded products have always
//! been named. Only a grid whose metadata give an `EPSG` code gets `spatial_ref`: grids geocoded
//! by sbas from radar coordinates name no CRS and keep their layout.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use zarrs::array::{data_type, ArrayBuilder, FillValue};
use zarrs::filesystem::FilesystemStore;

use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;
use crate::product::zarr_meta::metadata_options;

/// Name of the grid-mapping variable (rioxarray's default).
pub(crate) const GRID_MAPPING: &str = "spatial_ref";

/// The map grid of a store and the EPSG code of its coordinate system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Georef {
    /// The grid (corner, steps, size).
    pub grid: MapGrid,
    /// EPSG code of the coordinate system.
    pub epsg: u32,
}

impl Georef {
    /// The georeference of metadata `a` for an image of `length` x `width` pixels: a complete
    /// map grid that names its EPSG code.
    pub fn of(a: &Attributes, length: usize, width: usize) -> Option<Georef> {
        let grid = MapGrid::of(a, length, width)?;
        Some(Georef {
            grid,
            epsg: grid.epsg?,
        })
    }

    /// Dimension names of rows and columns.
    pub fn dims(&self) -> (&'static str, &'static str) {
        dims_of(self.grid.degrees)
    }

    /// Attributes of the row (`y`) and column (`x`) coordinate arrays.
    pub fn coord_attrs(&self) -> (Map<String, Value>, Map<String, Value>) {
        let attrs = |pairs: [(&str, &str); 4]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect()
        };
        if self.grid.degrees {
            (
                attrs([
                    ("long_name", "latitude of pixel centre"),
                    ("standard_name", "latitude"),
                    ("units", "degrees_north"),
                    ("axis", "Y"),
                ]),
                attrs([
                    ("long_name", "longitude of pixel centre"),
                    ("standard_name", "longitude"),
                    ("units", "degrees_east"),
                    ("axis", "X"),
                ]),
            )
        } else {
            (
                attrs([
                    ("long_name", "northing of pixel centre"),
                    ("standard_name", "projection_y_coordinate"),
                    ("units", "m"),
                    ("axis", "Y"),
                ]),
                attrs([
                    ("long_name", "easting of pixel centre"),
                    ("standard_name", "projection_x_coordinate"),
                    ("units", "m"),
                    ("axis", "X"),
                ]),
            )
        }
    }

    /// Links a data array to the grid mapping: CF's `grid_mapping`, and `coordinates` so that
    /// xarray makes `spatial_ref` a coordinate of the array (where rioxarray looks for it).
    pub fn link(&self, attrs: &mut Map<String, Value>) {
        attrs.insert("grid_mapping".into(), json!(GRID_MAPPING));
        attrs.insert("coordinates".into(), json!(GRID_MAPPING));
    }

    /// GDAL's geotransform text (outer corner and steps, no rotation), numbers printed as
    /// Python prints floats, as rioxarray writes it.
    pub fn geotransform(&self) -> String {
        let g = &self.grid;
        [g.x_first, g.x_step, 0.0, g.y_first, 0.0, g.y_step]
            .map(py_f64)
            .join(" ")
    }

    /// Attributes of the grid-mapping variable.
    pub fn mapping_attrs(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let code = format!("EPSG:{}", self.epsg);
        // pyproj/rioxarray read `crs_wkt` first, then `spatial_ref`; a code we cannot spell as
        // WKT is still understood from its authority text.
        let wkt = wkt_of(self.epsg).unwrap_or(code.clone());
        m.insert("crs_wkt".into(), json!(wkt));
        m.insert("spatial_ref".into(), json!(wkt));
        m.insert("epsg_code".into(), json!(code));
        m.insert("GeoTransform".into(), json!(self.geotransform()));
        if let Some(z) = utm_of(self.epsg) {
            m.insert("grid_mapping_name".into(), json!("transverse_mercator"));
            m.insert("longitude_of_central_meridian".into(), json!(z.meridian()));
            m.insert("latitude_of_projection_origin".into(), json!(0.0));
            m.insert("scale_factor_at_central_meridian".into(), json!(0.9996));
            m.insert("false_easting".into(), json!(500000.0));
            m.insert("false_northing".into(), json!(z.false_northing()));
        } else if self.epsg == 4326 {
            m.insert("grid_mapping_name".into(), json!("latitude_longitude"));
        }
        if self.epsg == 4326 || utm_of(self.epsg).is_some() {
            m.insert("semi_major_axis".into(), json!(6378137.0));
            m.insert("inverse_flattening".into(), json!(298.257223563));
        }
        m
    }
}

/// Writes the grid-mapping variable `spatial_ref` of `georef` into `store`: a 0-d integer, as
/// rioxarray writes it, whose attributes carry the CRS and the geotransform.
pub(crate) fn write_georef(store: &Arc<FilesystemStore>, georef: &Georef) -> anyhow::Result<()> {
    let a = ArrayBuilder::new(
        Vec::<u64>::new(),
        Vec::<u64>::new(),
        data_type::int64(),
        FillValue::from(0i64),
    )
    .dimension_names(Some(Vec::<String>::new()))
    .attributes(georef.mapping_attrs())
    .build(store.clone(), &format!("/{GRID_MAPPING}"))?;
    a.store_metadata_opt(&metadata_options())?;
    a.store_chunk(&[], vec![0i64])?;
    Ok(())
}

/// Dimension names of rows and columns on a grid in degrees or in a projection.
pub(crate) fn dims_of(degrees: bool) -> (&'static str, &'static str) {
    if degrees {
        ("lat", "lon")
    } else {
        ("y", "x")
    }
}

/// A WGS 84 / UTM zone.
#[derive(Debug, Clone, Copy)]
struct Utm {
    zone: u32,
    north: bool,
}

impl Utm {
    fn meridian(&self) -> f64 {
        f64::from(self.zone) * 6.0 - 183.0
    }

    fn false_northing(&self) -> f64 {
        if self.north {
            0.0
        } else {
            10_000_000.0
        }
    }
}

fn utm_of(epsg: u32) -> Option<Utm> {
    match epsg {
        32601..=32660 => Some(Utm {
            zone: epsg - 32600,
            north: true,
        }),
        32701..=32760 => Some(Utm {
            zone: epsg - 32700,
            north: false,
        }),
        _ => None,
    }
}

/// WKT 1 (GDAL's flavour) of WGS 84 latitude/longitude and of WGS 84 / UTM zones; `None` for
/// other codes.
fn wkt_of(epsg: u32) -> Option<String> {
    const GEOG: &str = concat!(
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,",
        "AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],",
        "PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],",
        "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],"
    );
    if epsg == 4326 {
        return Some(format!(
            "{GEOG}AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]"
        ));
    }
    let z = utm_of(epsg)?;
    Some(format!(
        "PROJCS[\"WGS 84 / UTM zone {}{}\",{GEOG}AUTHORITY[\"EPSG\",\"4326\"]],\
         PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",0],\
         PARAMETER[\"central_meridian\",{}],PARAMETER[\"scale_factor\",0.9996],\
         PARAMETER[\"false_easting\",500000],PARAMETER[\"false_northing\",{}],\
         UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],AXIS[\"Easting\",EAST],\
         AXIS[\"Northing\",NORTH],AUTHORITY[\"EPSG\",\"{epsg}\"]]",
        z.zone,
        if z.north { "N" } else { "S" },
        z.meridian(),
        z.false_northing()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utm_attrs() -> Attributes {
        let mut a = Attributes::new();
        for (k, v) in [
            ("X_FIRST", "376000.0"),
            ("Y_FIRST", "3770000.0"),
            ("X_STEP", "80.0"),
            ("Y_STEP", "-80.0"),
            ("X_UNIT", "meters"),
            ("EPSG", "32611"),
        ] {
            a.set(k, v);
        }
        a
    }

    #[test]
    fn utm_grid_is_projected_with_its_zone() {
        let g = Georef::of(&utm_attrs(), 4, 5).unwrap();
        assert_eq!(g.dims(), ("y", "x"));
        assert_eq!(g.geotransform(), "376000.0 80.0 0.0 3770000.0 0.0 -80.0");
        let m = g.mapping_attrs();
        let wkt = m["crs_wkt"].as_str().unwrap();
        assert!(wkt.starts_with("PROJCS[\"WGS 84 / UTM zone 11N\""), "{wkt}");
        assert!(
            wkt.contains("PARAMETER[\"central_meridian\",-117]"),
            "{wkt}"
        );
        assert!(wkt.ends_with("AUTHORITY[\"EPSG\",\"32611\"]]"), "{wkt}");
        assert_eq!(m["longitude_of_central_meridian"], json!(-117.0));
        assert_eq!(m["false_northing"], json!(0.0));
    }

    #[test]
    fn southern_zone_has_false_northing() {
        let mut a = utm_attrs();
        a.set("EPSG", "32733");
        let m = Georef::of(&a, 4, 5).unwrap().mapping_attrs();
        assert_eq!(m["false_northing"], json!(10_000_000.0));
        assert!(m["crs_wkt"].as_str().unwrap().contains("UTM zone 33S"));
    }

    #[test]
    fn grid_without_epsg_is_not_georeferenced() {
        let mut a = utm_attrs();
        a.remove("EPSG");
        assert!(Georef::of(&a, 4, 5).is_none());
    }

    #[test]
    fn degree_grid_keeps_lat_lon_names() {
        let mut a = utm_attrs();
        a.remove("X_UNIT");
        a.set("EPSG", "4326");
        let g = Georef::of(&a, 4, 5).unwrap();
        assert_eq!(g.dims(), ("lat", "lon"));
        let m = g.mapping_attrs();
        assert_eq!(m["grid_mapping_name"], json!("latitude_longitude"));
        assert!(m["crs_wkt"].as_str().unwrap().starts_with("GEOGCS["));
    }

    #[test]
    fn other_codes_are_named_by_authority() {
        let mut a = utm_attrs();
        a.set("EPSG", "3857");
        let m = Georef::of(&a, 4, 5).unwrap().mapping_attrs();
        assert_eq!(m["crs_wkt"], json!("EPSG:3857"));
    }
}
