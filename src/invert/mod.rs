//! The network inversion: weights from coherence, the SBAS least-squares solve, temporal
//! coherence. Pure functions of a chunk: no I/O.
//!
//! [`Inverter::new`] precomputes what every chunk shares (the weight table, the design, the
//! pseudo-inverse of the all-valid network); [`Inverter::invert_chunk`] inverts a chunk in
//! parallel over blocks of pixels.

mod batch;
mod chunk;
mod l1;
mod solve;
pub mod tcoh;
pub mod weights;

pub use weights::{num_looks, WeightTable};

use crate::network::Network;
use crate::window::Window;

/// How each interferogram is weighted (MintPy `mintpy.networkInversion.weightFunc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFunc {
    /// Inverse phase variance from coherence and looks (MintPy's 200-entry table). Default.
    Var,
    /// Fisher information matrix: `2 L C^2 / (1 - C^2)`.
    Fim,
    /// Coherence itself.
    Coh,
    /// Ordinary least squares.
    No,
}

/// Which observations are masked out before inversion (`mintpy.networkInversion.maskDataset`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObsMask {
    /// Drop observations whose connected component is 0.
    ConnComp,
    /// Drop observations whose coherence is below the threshold.
    Coherence(f32),
}

/// Settings of the inversion (MintPy names in parentheses).
#[derive(Debug, Clone, PartialEq)]
pub struct InversionConfig {
    /// Weighting (`weightFunc`), default `Var`.
    pub weight: WeightFunc,
    /// Observation mask (`maskDataset` + `maskThreshold`), default none.
    pub mask: Option<ObsMask>,
    /// Minimum number of valid pairs touching each date (`minRedundancy`), default 1.0.
    pub min_redundancy: f32,
    /// Threshold of the temporal-coherence mask (`minTempCoh`), default 0.7.
    pub min_temp_coh: f32,
    /// The norm the per-pixel systems are solved in.
    pub solver: SolverKind,
}

/// The norm the network inversion minimises per pixel. Each kind is a block solver behind one
/// seam of the chunk inversion (`chunk::BlockSolver`): the bookkeeping around it (buffers,
/// blocks, masks, the reference-pixel fix, outputs) is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SolverKind {
    /// Weighted least squares, MintPy's `ifgram_inversion` (minimum norm where the network
    /// falls apart).
    #[default]
    L2,
    /// Least absolute deviations, weighted by `sqrt(w)` as the L2 path scales its rows, solved
    /// exactly per pixel by the network simplex method (robust to unwrapping errors: an
    /// interferogram off by 2 pi in a patch is outvoted instead of averaged in).
    L1,
}

impl SolverKind {
    /// The name of the norm (`l2`, `l1`), as the command line and the template spell it.
    pub fn name(self) -> &'static str {
        match self {
            SolverKind::L2 => "l2",
            SolverKind::L1 => "l1",
        }
    }
}

impl Default for InversionConfig {
    fn default() -> Self {
        InversionConfig {
            weight: WeightFunc::Var,
            mask: None,
            min_redundancy: 1.0,
            min_temp_coh: 0.7,
            solver: SolverKind::L2,
        }
    }
}

/// One spatial chunk of input, all kept pairs. Buffers are `[pair][row][col]` or `[row][col]`.
#[derive(Debug, Clone)]
pub struct ChunkIn {
    /// Position in the chunk plan.
    pub id: usize,
    /// Where the chunk lies in the image.
    pub window: Window,
    /// Unwrapped phase (radians, raw: not referenced), M x h x w. 0 = no data.
    pub phase: Vec<f32>,
    /// Coherence, M x h x w.
    pub coherence: Vec<f32>,
    /// Connected components, M x h x w, when the mask needs them.
    pub conncomp: Option<Vec<f32>>,
    /// Water mask, h x w (0 = water: not inverted), when the stack has one.
    pub water_mask: Option<Vec<f32>>,
    /// Shadow mask, h x w (nonzero = shadow: left out of maskTempCoh), when present.
    pub shadow_mask: Option<Vec<f32>>,
}

/// Counts a chunk reports for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Pixels solved.
    pub inverted: usize,
    /// Pixels whose valid pairs left the network in separate parts (solved with minimum norm).
    pub rank_deficient: usize,
    /// Pixels skipped because some date had fewer valid pairs than `min_redundancy`.
    pub low_redundancy: usize,
}

/// One spatial chunk of results.
#[derive(Debug, Clone)]
pub struct ChunkOut {
    /// Position in the chunk plan.
    pub id: usize,
    /// Where the chunk lies in the image.
    pub window: Window,
    /// Cumulative LOS displacement, metres, positive towards the satellite, N x h x w,
    /// relative to the first date and the reference pixel.
    pub timeseries: Vec<f32>,
    /// Temporal coherence 0..1, h x w.
    pub temporal_coherence: Vec<f32>,
    /// Interferograms used per pixel, h x w.
    pub num_inv_ifgram: Vec<f32>,
    /// Mean spatial coherence over the kept pairs, h x w.
    pub avg_spatial_coh: Vec<f32>,
    /// Temporal coherence >= threshold (and not shadow), 0/1, h x w.
    pub mask_temp_coh: Vec<u8>,
    /// Counts for the log.
    pub stats: ChunkStats,
}

impl Default for ChunkOut {
    /// An empty result, for [`Inverter::try_invert_chunk_into`] to fill.
    fn default() -> Self {
        ChunkOut {
            id: 0,
            window: Window::full(0, 0),
            timeseries: Vec::new(),
            temporal_coherence: Vec::new(),
            num_inv_ifgram: Vec::new(),
            avg_spatial_coh: Vec::new(),
            mask_temp_coh: Vec::new(),
            stats: ChunkStats::default(),
        }
    }
}

/// Everything the inversion needs that is the same for every chunk. Build it with
/// [`Inverter::new`]: the private caches derive from the public fields, which are not meant to
/// be changed afterwards.
#[derive(Debug, Clone)]
pub struct Inverter {
    /// The kept pairs.
    pub network: Network,
    /// Settings.
    pub config: InversionConfig,
    /// Phase of each pair at the reference pixel (radians), subtracted from non-zero phase.
    pub ref_phase: Vec<f32>,
    /// Reference pixel (row, column) in image coordinates.
    pub ref_yx: (usize, usize),
    /// Equivalent number of looks for `Var`/`Fim` weights.
    pub num_looks: f64,
    /// Phase-to-metres factor, `-wavelength / (4 pi)`.
    pub phase2range: f64,
    /// Pairs and intervals as the solver reads them.
    design: solve::Design,
    /// Coherence-to-weight conversion.
    weights: WeightTable,
    /// Shared solution of pixels with every pair valid, for unweighted inversions.
    all_valid: Option<chunk::AllValid>,
    /// A batch's scratch with its pair lists built, cloned by each parallel task (building the
    /// lists costs entries x pairs, too much to repeat per task).
    batch: batch::Batch,
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_l1;
