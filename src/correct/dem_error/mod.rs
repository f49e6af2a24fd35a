//! DEM error (topographic residual) correction, MintPy 1.6.4's `dem_error.py`.

pub mod model;
pub mod solve;

pub use model::{deformation_matrix, DemErrModel};
pub use solve::{valid_pixels, DemErrSolver, DemErrStrip, Geometry};
pub mod run;

pub use run::{run, DemErrOptions, DemErrOutputs};
