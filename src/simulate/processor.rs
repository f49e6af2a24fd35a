//! Which processor's layout `sbas simulate` writes: the scene and its truth are the same for
//! every layout; only the files that hold the interferograms and geometry differ.

use std::path::Path;

use super::aria_writer::simulate_aria;
use super::dolphin_writer::simulate_dolphin;
use super::fields::Scene;
use super::gmtsar_writer::simulate_gmtsar;
use super::hyp3_writer::simulate_hyp3;
use super::licsar_writer::simulate_licsar;
use super::snap_writer::simulate_snap;
use super::writer::{create_dir, simulate, simulate_isce, write_truth, IsceLayout, SimReport};
use super::{gamma_writer, roipac_writer, SimConfig};

/// A processor whose output layout the simulator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Processor {
    /// ISCE2 `stackSentinel.py` (topsStack).
    #[default]
    IsceTops,
    /// ISCE2 `stackStripMap.py` (stripmapStack): `Igrams/D1_D2/filt_D1_D2.unw`,
    /// `geom_reference/`, `baselines/D1_D2.txt`, `merged/SLC/D1/referenceShelve/data.rsc`.
    IsceStripmap,
    /// ROI_PAC: `PROCESS/DONE/IFG_*/filt_*.unw` with `.rsc` files, `geomap_*.trans`.
    Roipac,
    /// GAMMA: big-endian `diff_*rlks.unw` with `.par`/`.off` files, `sim_*.UTM_TO_RDC`.
    Gamma,
    /// ASF HyP3 `INSAR_GAMMA` products (GeoTIFFs in UTM, `.txt` metadata); with `vary_extent`,
    /// each pair on a different extent, as unclipped products come.
    Hyp3 {
        /// Give each pair a border of no data.
        vary_extent: bool,
    },
    /// COMET LiCSAR frame products (`GEOC/`, GeoTIFFs on a latitude/longitude grid).
    Licsar,
    /// A dolphin work folder (`unwrapped/*.unw.tif`, GeoTIFFs in UTM, no baselines or geometry).
    Dolphin,
    /// ESA SNAP terrain-corrected BEAM-DIMAP exports (`interferograms/*/*_unw_tc.dim` + ENVI
    /// bands, latitude/longitude grid).
    Snap,
    /// GMTSAR time-series project (`interferograms/YYYYDDD_YYYYDDD/unwrap_ll.grd`,
    /// `corr_ll.grd` netCDF grids, `supermaster.PRM`, `baseline_table.dat`).
    Gmtsar,
    /// ARIA-tools time-series folder (`stack/unwrapStack.vrt`, ENVI rasters per pair, DEM,
    /// angles and water mask, latitude/longitude grid).
    Aria,
}

impl Processor {
    /// Parses the `--processor` names `isce-tops`, `isce-stripmap`, `roipac`, `gamma`, `hyp3`, `licsar`, `dolphin`,
    /// `snap`, `gmtsar`, `aria`.
    pub fn parse(name: &str) -> Option<Processor> {
        Some(match name {
            "isce-tops" | "isce" => Processor::IsceTops,
            "isce-stripmap" => Processor::IsceStripmap,
            "roipac" => Processor::Roipac,
            "gamma" => Processor::Gamma,
            "hyp3" => Processor::Hyp3 { vary_extent: false },
            "licsar" => Processor::Licsar,
            "dolphin" => Processor::Dolphin,
            "snap" => Processor::Snap,
            "gmtsar" => Processor::Gmtsar,
            "aria" => Processor::Aria,
            _ => return None,
        })
    }
}

/// Writes the simulated stack of `cfg` in `processor`'s layout into `out`, with its truth in
/// `out/truth`. The truth is the same whatever the layout.
pub fn simulate_as(out: &Path, cfg: &SimConfig, processor: Processor) -> anyhow::Result<SimReport> {
    let gamma = match processor {
        Processor::IsceTops => return simulate(out, cfg),
        Processor::IsceStripmap => return simulate_isce(out, cfg, IsceLayout::Stripmap),
        Processor::Hyp3 { vary_extent } => return simulate_hyp3(out, cfg, vary_extent),
        Processor::Licsar => return simulate_licsar(out, cfg),
        Processor::Dolphin => return simulate_dolphin(out, cfg),
        Processor::Snap => return simulate_snap(out, cfg),
        Processor::Gmtsar => return simulate_gmtsar(out, cfg),
        Processor::Aria => return simulate_aria(out, cfg),
        Processor::Roipac => false,
        Processor::Gamma => true,
    };
    cfg.validate()?;
    let process = out.join("PROCESS");
    let report = SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: process.join("DONE"),
        geometry_dir: process.join(if gamma { "SIM" } else { "GEO" }),
        baselines_dir: process.join("DONE"),
        reference_dir: process.join("DONE"),
        truth_dir: out.join("truth"),
        rows: cfg.rows,
        cols: cfg.cols,
        num_dates: cfg.num_dates,
        num_pairs: cfg.pairs().len(),
        reference_pixel: cfg.reference_pixel(),
    };
    create_dir(&report.truth_dir)?;
    let scene = Scene::new(cfg);
    if gamma {
        gamma_writer::write_gamma(out, cfg, &scene)?;
    } else {
        roipac_writer::write_roipac(out, cfg, &scene)?;
    }
    write_truth(&report.truth_dir, cfg, &scene)?;
    Ok(report)
}
