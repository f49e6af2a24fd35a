//! Synthetic stacks with ground truth, in ISCE2 topsStack's layout or, through
//! [`simulate_as`], ROI_PAC's or GAMMA's.
//!
//! [`simulate`] writes, deterministically for a seed, the tree `stackSentinel.py` leaves behind
//! (`merged/interferograms/D1_D2/filt_fine.{unw,cor,unw.conncomp}`, `merged/geom_reference/*.rdr`,
//! `baselines/`, `reference/`) plus `truth/` (see [`truth`]). Effects are switched one by one
//! in [`Effects`]. Sign convention: the unwrapped phase of pair (d1, d2) is
//! `-4 pi / wavelength * (ts(d2) - ts(d1)) + noise`, with `ts` in metres, positive towards the
//! satellite, as MintPy converts phase to range.

pub mod aria_writer;
mod config;
pub mod dolphin_writer;
mod fields;
pub mod gamma_writer;
mod geotiff_writer;
pub mod gmtsar_writer;
pub mod hyp3_writer;
pub mod isce_writer;
pub mod licsar_writer;
mod map_lookup;
pub mod processor;
mod rng;
pub mod roipac_writer;
pub mod sensor;
pub mod snap_writer;
pub mod truth;
mod writer;

pub use aria_writer::simulate_aria;
pub use config::{Effects, SimConfig};
pub use dolphin_writer::simulate_dolphin;
pub use gmtsar_writer::simulate_gmtsar;
pub use hyp3_writer::simulate_hyp3;
pub use licsar_writer::simulate_licsar;
pub use processor::{simulate_as, Processor};
pub use snap_writer::simulate_snap;
pub use truth::{Truth, TruthHeader};
pub use writer::{simulate, SimReport};
