//! The simulator's random streams: the crate's generator ([`crate::rng::Rng`]) with one label
//! per simulated effect.

pub(crate) use crate::rng::Rng;

/// Labels of independent random streams, so that switching one effect off never changes the
/// random numbers another effect draws.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Baselines = 1,
    Deformation = 2,
    DemError = 3,
    Atmosphere = 4,
    Coherence = 5,
    PhaseNoise = 6,
    MissingData = 7,
    UnwrapErrors = 8,
    Amplitude = 9,
    Topography = 10,
    Ramp = 11,
}

impl From<Stream> for u64 {
    fn from(s: Stream) -> u64 {
        s as u64
    }
}
