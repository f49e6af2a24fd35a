//! Time functions fitted to displacement time series (MintPy's `timeseries2velocity.py`):
//! velocity, acceleration, seasonal terms, steps and post-seismic transients, with their
//! uncertainties; and the displacement between two dates.
//!
//! The science is pure ([`model`], [`fit`], [`bootstrap`], [`outputs`], [`dates`]); [`run`] and
//! [`displacement`] stream products strip by strip through it.

pub mod bootstrap;
pub mod dates;
pub mod displacement;
pub mod fit;
pub mod model;
pub mod outputs;
pub mod run;

pub use displacement::{displacement, DisplacementOptions, DisplacementReport, Point};
pub use model::{decimal_year, parse_user_date, Onset, Term, TimeModel, Transient};
pub use run::{estimate, TimeFuncOptions, Uncertainty};
