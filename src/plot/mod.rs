//! Pictures: maps of a layer (`sbas view`), a point's time series (`sbas ts`) and the `pic/`
//! overview of a run. Drawing is pure ([`colormap`], [`ticks`], [`map`], [`series`]), done by
//! the `plotters` crate on a [`picture`] in the embedded [`font`]; reading products and
//! choosing what to show is in [`layer`], [`point`] and [`overview`].

pub mod colormap;
pub mod font;
pub mod layer;
pub mod locate;
pub mod map;
pub mod overview;
pub mod picture;
pub mod point;
pub mod series;
pub mod ticks;
pub mod view;

pub use overview::overview;
