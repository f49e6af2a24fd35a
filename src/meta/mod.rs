//! Metadata: dates, attributes with MintPy key names, and sensor constants. No I/O.

mod attrs;
mod date;
pub mod pyfmt;

pub use attrs::{AttrError, Attributes};
pub use date::{Date, DateError};

/// Converts unwrapped phase (radians) to LOS displacement (metres, positive towards the
/// satellite), as MintPy does: `-wavelength / (4 pi)`.
pub fn phase_to_range(wavelength_m: f64) -> f64 {
    -wavelength_m / (4.0 * std::f64::consts::PI)
}
