//! Geography: subsets by rows/columns or latitude/longitude, geocoding radar products to a
//! regular latitude/longitude grid, and GeoTIFF export.

pub mod geocode;
pub mod subset;
pub mod subset_source;

pub use subset::SubsetRequest;
pub use subset_source::{resolve_subset, SubsetSource};
