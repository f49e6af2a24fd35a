//! sbas: InSAR small-baseline (SBAS) time-series analysis.
//!
//! Data flow: [`source`] reads spatial chunks of an interferogram stack, [`invert`] turns each
//! chunk into per-pixel results, [`product`] stores them (the inversion's chunks, then every
//! later step's products); [`pipeline`] moves chunks between them
//! over bounded channels under a memory budget planned by [`plan`].

pub mod linalg;
pub mod meta;
pub mod network;
pub mod network_edit;
pub mod overview;
pub mod rng;
pub mod scratch;
pub mod simd;
pub mod window;

pub mod assess;
pub mod cli;
pub mod correct;
pub mod geo;
pub mod invert;
pub mod simulate;

pub mod parts;
pub mod pipeline;
pub mod plan;
pub mod plot;
pub mod product;
pub mod report;
pub mod resume;
pub mod serve;
pub mod slurm;
pub mod source;
pub mod survey;
pub mod template;
pub mod timefunc;
pub mod tropo;
pub mod workflow;
