//! Corrections of a displacement time series after the inversion, as MintPy 1.6.4 does them:
//! DEM error ([`dem_error`]), phase ramps ([`ramp`], [`deramp`]), residual RMS ([`rms`]) and the
//! reference date ([`reference_date`]). Science is in pure modules; the drivers stream products
//! strip by strip.

pub mod dem_error;
pub mod deramp;
pub mod io;
pub mod ramp;
pub mod reference_date;
pub mod residual_rms;
pub mod rms;
pub mod unwrap;
pub mod unwrap_closure;
pub mod unwrap_run;
