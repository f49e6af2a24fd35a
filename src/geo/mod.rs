//! Geography: the map grid of geocoded data ([`MapGrid`]), finding pixels through a radar
//! lat/lon lookup, subsets by rows/columns or latitude/longitude, geocoding radar products to a
//! regular latitude/longitude grid, and GeoTIFF export.

pub mod export;
pub mod geocode;
pub mod geocode_lut;
pub mod geocode_run;
pub mod geotiff;
pub mod grid;
pub mod kdtree;
pub mod lookup;
pub mod map_lookup;
pub mod product_io;
pub mod subset;
pub mod subset_run;
pub mod subset_source;
pub mod utm;

pub use export::{export_geotiff, DateSel};
pub use geocode::Method;
pub use geocode_run::{
    geo_stem, geocode_product, not_needed_note, run_is_geocoded, GeocodeOptions,
};
pub use grid::MapGrid;
pub use subset::SubsetRequest;
pub use subset_run::{run_products, subset_run};
pub use subset_source::{resolve_subset, SubsetSource};
