//! Pictures: maps of a layer (`sbas view`), a point's time series (`sbas ts`) and the `pic/`
//! overview of a run. Drawing is pure ([`canvas`], [`colormap`], [`ticks`], [`map`],
//! [`series`]); reading products and choosing what to show is in [`layer`], [`point`] and
//! [`overview`].

pub mod canvas;
pub mod colormap;
pub mod layer;
pub mod locate;
pub mod map;
pub mod overview;
pub mod point;
pub mod series;
pub mod ticks;
pub mod view;

pub use overview::overview;
