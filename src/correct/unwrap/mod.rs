//! Unwrapping-error corrections (MintPy's `correct_unwrap_error` step): integer 2-pi cycle
//! corrections per interferogram, computed here and applied by the stack view
//! [`crate::source::unwrap_fix`]. One module per method; pure.

pub mod bridging;
pub mod closure;
pub mod conncomp;
pub mod cycles;

use crate::correct::ramp::{RampAccumulator, RampType};

/// The settings of bridging (MintPy's `mintpy.unwrapError.*` keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BridgingOptions {
    /// Smallest component kept, pixels (`connCompMinArea`).
    pub min_area: f64,
    /// Half size of the bridge-end windows, pixels (`bridgePtsRadius`).
    pub radius: usize,
    /// Ramp removed (fitted on the reference component) before the jumps are measured
    /// (`ramp`).
    pub ramp: Option<RampType>,
}

impl Default for BridgingOptions {
    fn default() -> Self {
        BridgingOptions {
            min_area: 2.5e3,
            radius: 50,
            ramp: None,
        }
    }
}

/// What bridging made of one interferogram.
#[derive(Debug, Clone)]
pub struct BridgedIfg {
    /// Cycles per pixel (row-major), 0 outside the corrected components.
    pub cycles: Vec<i32>,
    /// Components after cleaning.
    pub num_components: usize,
    /// Components whose jump could not be measured (no valid phase at a bridge end); left
    /// uncorrected here, where MintPy writes NaN over them.
    pub unmeasured: usize,
}

/// Bridging of one interferogram: `phase` and `conncomp` are `length x width` (row-major),
/// conncomp already zero on water. `reference` is the reference pixel (row, column), if any:
/// the phase is referenced to it and its component is the reference component (MintPy: the
/// largest one without a reference point). `work` is scratch reused between interferograms.
pub fn bridge_ifg(
    phase: &[f32],
    conncomp: &[u32],
    (length, width): (usize, usize),
    reference: Option<(usize, usize)>,
    opts: &BridgingOptions,
    work: &mut Vec<f32>,
) -> Result<BridgedIfg, String> {
    let comps = conncomp::clean_components(conncomp, length, width, opts.min_area);
    if comps.num == 0 {
        return Ok(BridgedIfg {
            cycles: vec![0; length * width],
            num_components: 0,
            unmeasured: 0,
        });
    }
    let ref_label = comps.reference_label(reference)?;
    let bridges = bridging::find_bridges(&comps, ref_label)?;
    // The phase as MintPy measures the jumps on: referenced (zero kept as no data), deramped.
    work.clear();
    work.extend_from_slice(phase);
    if let Some((y, x)) = reference {
        let r = phase[y * width + x];
        // A select per sample (vectorised), not a filter (a branch per sample).
        for v in work.iter_mut() {
            *v = if *v != 0.0 { *v - r } else { *v };
        }
    }
    if let (Some(ramp), false) = (opts.ramp, bridges.is_empty()) {
        let mask: Vec<bool> = comps.labels.iter().map(|&l| l == ref_label).collect();
        let mut acc = RampAccumulator::new(ramp, length, width);
        acc.add_strip(0, width, work, &mask);
        let mut fit = acc.fit();
        if let Some((y, x)) = reference {
            fit = fit.referenced_to(y, x);
        }
        fit.remove_from_strip(0, width, work);
    }
    let radius = bridging::effective_radius(opts.radius, length, width);
    let jumps = bridging::bridge_jumps(work, &comps, &bridges, radius);
    let unmeasured = jumps.iter().filter(|j| j.is_none()).count();
    let of_label: Vec<i32> = jumps.iter().map(|j| j.unwrap_or(0)).collect();
    let cycles = comps
        .labels
        .iter()
        .map(|&l| of_label.get(l as usize).copied().unwrap_or(0))
        .collect();
    Ok(BridgedIfg {
        cycles,
        num_components: comps.num,
        unmeasured,
    })
}
