//! Typed settings of a `sbas run`, read from a resolved [`Template`]. Values are checked here, so
//! a wrong value fails before any step runs, naming the key.

use anyhow::{bail, Context};

use super::Template;
use crate::correct::ramp::RampType;
use crate::geo::SubsetRequest;
use crate::invert::{InversionConfig, ObsMask, SolverKind, WeightFunc};
use crate::meta::Date;
use crate::network_edit::{parse_date12, parse_index_list, NetworkEdit};
use crate::survey::RefRequest;
use crate::window::Window;

/// A list of dates given in the template, or the text file that holds them (MintPy accepts
/// both, e.g. `exclude_date.txt` written by residual_RMS).
#[derive(Debug, Clone, PartialEq)]
pub enum DatesOrFile {
    /// No dates.
    None,
    /// Dates given.
    Dates(Vec<Date>),
    /// A file of dates (one per line), read when the step runs; a missing file means none.
    File(String),
}

/// The tropospheric correction asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum TropoMethod {
    /// `no`.
    Off,
    /// `pyaps`: a delay time series `inputs/<MODEL>.h5` (MintPy layout, metres) computed
    /// elsewhere is subtracted, as MintPy does when that file exists.
    Pyaps {
        /// Weather model name, upper case (`ERA5`): names the delay file and the output suffix.
        model: String,
    },
    /// `gacos`: per-date GACOS `.ztd` rasters in a folder.
    Gacos {
        /// The folder.
        dir: String,
    },
    /// A method sbas does not implement (`height_correlation`, `opera`, ...).
    Other(String),
}

/// DEM error correction settings (`mintpy.topographicResidual.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct TopoSettings {
    /// Polynomial order of the deformation model.
    pub poly_order: usize,
    /// Fit the phase velocity instead of the phase (`phaseVelocity`).
    pub phase_velocity: bool,
    /// Step dates of the deformation model.
    pub step_dates: Vec<Date>,
    /// Dates left out of the fit.
    pub exclude_dates: DatesOrFile,
    /// Per-pixel geometry (else the scene centre's).
    pub pixelwise_geometry: bool,
}

/// Residual RMS settings (`mintpy.residualRMS.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct RmsSettings {
    /// Mask file name (`maskTempCoh.h5`).
    pub mask_file: Option<String>,
    /// Ramp removed from the residual before the RMS (`quadratic`), or none.
    pub deramp: Option<RampType>,
    /// Outlier cutoff in MADs.
    pub cutoff: f64,
}

/// Time-function settings of the velocity step (`mintpy.timeFunc.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFuncSettings {
    /// First date used.
    pub start_date: Option<Date>,
    /// Last date used.
    pub end_date: Option<Date>,
    /// Dates left out.
    pub exclude_dates: DatesOrFile,
    /// Polynomial order (1: velocity).
    pub polynomial: usize,
    /// Periods of the periodic terms, years.
    pub periodic: Vec<f64>,
    /// Step dates.
    pub step_dates: Vec<Date>,
    /// Exponential terms as written (`YYYYMMDD TAU_DAYS ...`), empty if none.
    pub exp: Option<String>,
    /// Logarithmic terms as written, empty if none.
    pub log: Option<String>,
    /// `residue`, `covariance` or `bootstrap`.
    pub uncertainty: String,
    /// Bootstrap resamplings.
    pub bootstrap_count: usize,
}

/// Geocoding settings (`mintpy.geocode.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct GeocodeSettings {
    /// Output bounds south, north, west, east (degrees), or from the lookup.
    pub snwe: Option<[f64; 4]>,
    /// Output latitude and longitude steps (degrees), or from the data.
    pub lalo_step: Option<[f64; 2]>,
    /// `nearest` or `linear`.
    pub interp_method: String,
    /// Fill value of pixels outside the data (NaN by default).
    pub fill_value: f32,
}

/// Everything a `sbas run` needs from the template.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Memory budget in bytes (`mintpy.compute.maxMemory`, GB).
    pub max_memory: u64,
    /// Area to process (`mintpy.subset.yx` or `.lalo`), whole image if `None`.
    pub subset: Option<SubsetRequest>,
    /// Reference point.
    pub reference: RefRequest,
    /// Network editing.
    pub network: NetworkEdit,
    /// Inversion settings.
    pub inversion: InversionConfig,
    /// Unwrapping error correction method, if asked.
    pub unwrap_error: Option<String>,
    /// Solid Earth tides correction asked.
    pub solid_earth_tides: bool,
    /// Ionospheric correction method, if asked.
    pub ionosphere: Option<String>,
    /// Tropospheric correction.
    pub tropo: TropoMethod,
    /// Ramp type to remove (`mintpy.deramp`), if any.
    pub deramp: Option<RampType>,
    /// Mask file of the deramping.
    pub deramp_mask: Option<String>,
    /// DEM error correction, if on.
    pub topography: Option<TopoSettings>,
    /// Residual RMS.
    pub residual_rms: RmsSettings,
    /// Reference date: a date, or a file holding one (`reference_date.txt`).
    pub reference_date: DatesOrFile,
    /// Velocity / time functions.
    pub time_func: TimeFuncSettings,
    /// Geocoding, if on.
    pub geocode: Option<GeocodeSettings>,
    /// Write a Google Earth KMZ.
    pub save_kmz: bool,
    /// Write an HDF-EOS5 file.
    pub save_hdfeos5: bool,
}

fn num<T: std::str::FromStr>(t: &Template, key: &str) -> anyhow::Result<Option<T>> {
    match t.get_set(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<T>()
            .ok()
            .map(Some)
            .with_context(|| format!("{key} = {v}: not a valid number")),
    }
}

fn date(t: &Template, key: &str) -> anyhow::Result<Option<Date>> {
    t.get_set(key)
        .map(|v| Date::parse(v).with_context(|| format!("{key} = {v}")))
        .transpose()
}

fn date_list(t: &Template, key: &str) -> anyhow::Result<Vec<Date>> {
    match t.get_set(key) {
        None => Ok(Vec::new()),
        Some(v) => v
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| Date::parse(s).with_context(|| format!("{key} = {v}")))
            .collect(),
    }
}

/// Dates, or a file name when the value is not a list of dates.
fn dates_or_file(t: &Template, key: &str) -> DatesOrFile {
    match t.get_set(key) {
        None => DatesOrFile::None,
        Some(v) => {
            let dates: Result<Vec<Date>, _> = v
                .split([',', ' '])
                .filter(|s| !s.trim().is_empty())
                .map(Date::parse)
                .collect();
            match dates {
                Ok(d) => DatesOrFile::Dates(d),
                Err(_) => DatesOrFile::File(v.to_string()),
            }
        }
    }
}

/// Parses `y0:y1,x0:x1` (brackets allowed, ends in any order) into a window.
pub fn parse_yx_box(key: &str, v: &str) -> anyhow::Result<Window> {
    let clean: String = v.chars().filter(|c| *c != '[' && *c != ']').collect();
    let parts: Vec<&str> = clean.split(',').map(str::trim).collect();
    let range = |s: &str| -> anyhow::Result<(usize, usize)> {
        let mut e: Vec<usize> = s
            .split(':')
            .map(|x| x.trim().parse::<usize>())
            .collect::<Result<_, _>>()
            .ok()
            .with_context(|| format!("{key} = {v}: expected y0:y1,x0:x1"))?;
        e.sort_unstable();
        match e.as_slice() {
            [a, b] if a < b => Ok((*a, *b)),
            _ => bail!("{key} = {v}: expected y0:y1,x0:x1 with y0 < y1 and x0 < x1"),
        }
    };
    if parts.len() != 2 {
        bail!("{key} = {v}: expected y0:y1,x0:x1");
    }
    let (y0, y1) = range(parts[0])?;
    let (x0, x1) = range(parts[1])?;
    Ok(Window { y0, y1, x0, x1 })
}

fn pair_of<T: std::str::FromStr>(key: &str, v: &str) -> anyhow::Result<(T, T)> {
    let clean: String = v.chars().filter(|c| *c != '[' && *c != ']').collect();
    let p: Vec<&str> = clean.split(',').map(str::trim).collect();
    if p.len() != 2 {
        bail!("{key} = {v}: expected two numbers separated by a comma");
    }
    let a = p[0].parse().ok();
    let b = p[1].parse().ok();
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => bail!("{key} = {v}: expected two numbers separated by a comma"),
    }
}

fn unit_interval(key: &str, v: Option<f32>, default: f32) -> anyhow::Result<f32> {
    let v = v.unwrap_or(default);
    if !(0.0..=1.0).contains(&v) {
        bail!("{key} = {v}: must be between 0 and 1");
    }
    Ok(v)
}

impl RunConfig {
    /// Reads and checks the settings.
    pub fn from_template(t: &Template) -> anyhow::Result<RunConfig> {
        let gb: f64 = num(t, "mintpy.compute.maxMemory")?.unwrap_or(4.0);
        if !(gb > 0.0 && gb.is_finite()) {
            bail!("mintpy.compute.maxMemory = {gb}: must be a positive number of GB");
        }
        let max_memory = (gb * (1u64 << 30) as f64) as u64;

        // As MintPy's read_subset_box: yx wins over lalo.
        let subset = match (
            t.get_set("mintpy.subset.yx"),
            t.get_set("mintpy.subset.lalo"),
        ) {
            (Some(v), _) => Some(
                SubsetRequest::parse_yx(v).with_context(|| format!("mintpy.subset.yx = {v}"))?,
            ),
            (None, Some(v)) => Some(
                SubsetRequest::parse_lalo(v)
                    .with_context(|| format!("mintpy.subset.lalo = {v}"))?,
            ),
            (None, None) => None,
        };

        let reference = if let Some(v) = t.get_set("mintpy.reference.yx") {
            let (y, x) = pair_of::<usize>("mintpy.reference.yx", v)?;
            RefRequest::Yx(y, x)
        } else if let Some(v) = t.get_set("mintpy.reference.lalo") {
            let (lat, lon) = pair_of::<f64>("mintpy.reference.lalo", v)?;
            RefRequest::Lalo(lat, lon)
        } else {
            RefRequest::Auto {
                min_coherence: unit_interval(
                    "mintpy.reference.minCoherence",
                    num(t, "mintpy.reference.minCoherence")?,
                    0.85,
                )?,
            }
        };

        let network = network_edit(t)?;
        let inversion = inversion_config(t)?;

        let tropo = tropo_method(t);
        let deramp = ramp_setting(t, "mintpy.deramp")?;
        let topography = topo_settings(t)?;
        let residual_rms = RmsSettings {
            mask_file: t.get_set("mintpy.residualRMS.maskFile").map(str::to_string),
            deramp: ramp_setting(t, "mintpy.residualRMS.deramp")?,
            cutoff: num(t, "mintpy.residualRMS.cutoff")?.unwrap_or(3.0),
        };
        let time_func = time_func_settings(t)?;
        let geocode = geocode_settings(t)?;
        Ok(RunConfig {
            max_memory,
            subset,
            reference,
            network,
            inversion,
            unwrap_error: t.get_set("mintpy.unwrapError.method").map(str::to_string),
            solid_earth_tides: t.is_yes("mintpy.solidEarthTides"),
            ionosphere: t
                .get_set("mintpy.ionosphericDelay.method")
                .map(str::to_string),
            tropo,
            deramp,
            deramp_mask: t.get_set("mintpy.deramp.maskFile").map(str::to_string),
            topography,
            residual_rms,
            reference_date: dates_or_file(t, "mintpy.reference.date"),
            time_func,
            geocode,
            save_kmz: t.is_yes("mintpy.save.kmz"),
            save_hdfeos5: t.is_yes("mintpy.save.hdfEos5"),
        })
    }
}

/// `mintpy.troposphericDelay.*` as the troposphere step's method.
fn tropo_method(t: &Template) -> TropoMethod {
    match t.get("mintpy.troposphericDelay.method") {
        None | Some("no") | Some("none") => TropoMethod::Off,
        Some("pyaps") => TropoMethod::Pyaps {
            model: t
                .get("mintpy.troposphericDelay.weatherModel")
                .unwrap_or("ERA5")
                .to_uppercase(),
        },
        Some("gacos") => TropoMethod::Gacos {
            dir: t
                .get("mintpy.troposphericDelay.gacosDir")
                .unwrap_or("./GACOS")
                .to_string(),
        },
        Some(other) => TropoMethod::Other(other.to_string()),
    }
}

/// A ramp type setting (`mintpy.deramp`, `mintpy.residualRMS.deramp`), checked once here.
fn ramp_setting(t: &Template, key: &str) -> anyhow::Result<Option<RampType>> {
    t.get_set(key)
        .map(|r| {
            r.parse::<RampType>()
                .with_context(|| format!("{key} = {r}"))
        })
        .transpose()
}

/// `mintpy.topographicResidual.*`: the DEM error step's settings, when it is on.
fn topo_settings(t: &Template) -> anyhow::Result<Option<TopoSettings>> {
    Ok(if t.is_yes("mintpy.topographicResidual") {
        Some(TopoSettings {
            poly_order: num(t, "mintpy.topographicResidual.polyOrder")?.unwrap_or(2),
            phase_velocity: t.is_yes("mintpy.topographicResidual.phaseVelocity"),
            step_dates: date_list(t, "mintpy.topographicResidual.stepDate")?,
            exclude_dates: dates_or_file(t, "mintpy.topographicResidual.excludeDate"),
            pixelwise_geometry: t.is_yes("mintpy.topographicResidual.pixelwiseGeometry"),
        })
    } else {
        None
    })
}

/// `mintpy.timeFunc.*`: the velocity step's time functions.
fn time_func_settings(t: &Template) -> anyhow::Result<TimeFuncSettings> {
    let periodic = match t.get_set("mintpy.timeFunc.periodic") {
        None => Vec::new(),
        Some(v) => v
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .ok()
            .with_context(|| {
                format!("mintpy.timeFunc.periodic = {v}: expected periods in years")
            })?,
    };
    let time_func = TimeFuncSettings {
        start_date: date(t, "mintpy.timeFunc.startDate")?,
        end_date: date(t, "mintpy.timeFunc.endDate")?,
        exclude_dates: dates_or_file(t, "mintpy.timeFunc.excludeDate"),
        polynomial: num(t, "mintpy.timeFunc.polynomial")?.unwrap_or(1),
        periodic,
        step_dates: date_list(t, "mintpy.timeFunc.stepDate")?,
        exp: t.get_set("mintpy.timeFunc.exp").map(str::to_string),
        log: t.get_set("mintpy.timeFunc.log").map(str::to_string),
        uncertainty: t
            .get("mintpy.timeFunc.uncertaintyQuantification")
            .unwrap_or("residue")
            .to_string(),
        bootstrap_count: num(t, "mintpy.timeFunc.bootstrapCount")?.unwrap_or(400),
    };
    if !["residue", "covariance", "bootstrap"].contains(&time_func.uncertainty.as_str()) {
        bail!(
            "mintpy.timeFunc.uncertaintyQuantification = {}: expected residue, covariance \
             or bootstrap",
            time_func.uncertainty
        );
    }
    Ok(time_func)
}

/// `mintpy.geocode.*`: the geocode step's settings, when it is on.
fn geocode_settings(t: &Template) -> anyhow::Result<Option<GeocodeSettings>> {
    Ok(if t.is_yes("mintpy.geocode") {
        let snwe = match t.get_set("mintpy.geocode.SNWE") {
            None => None,
            Some(v) => {
                let n: Vec<f64> = v
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .ok()
                    .filter(|n: &Vec<f64>| n.len() == 4)
                    .with_context(|| {
                        format!("mintpy.geocode.SNWE = {v}: expected S N W E in degrees")
                    })?;
                Some([n[0], n[1], n[2], n[3]])
            }
        };
        let lalo_step = t
            .get_set("mintpy.geocode.laloStep")
            .map(|v| pair_of::<f64>("mintpy.geocode.laloStep", v).map(|(a, b)| [a, b]))
            .transpose()?;
        let fill = t.get("mintpy.geocode.fillValue").unwrap_or("np.nan");
        let fill_value = match fill.to_ascii_lowercase().as_str() {
            "np.nan" | "nan" => f32::NAN,
            other => other
                .parse()
                .ok()
                .with_context(|| format!("mintpy.geocode.fillValue = {fill}: not a number"))?,
        };
        Some(GeocodeSettings {
            snwe,
            lalo_step,
            interp_method: t
                .get("mintpy.geocode.interpMethod")
                .unwrap_or("nearest")
                .to_string(),
            fill_value,
        })
    } else {
        None
    })
}

/// `mintpy.networkInversion.*` as the inversion's settings.
fn inversion_config(t: &Template) -> anyhow::Result<InversionConfig> {
    let weight = match t.get("mintpy.networkInversion.weightFunc").unwrap_or("var") {
        "var" => WeightFunc::Var,
        "fim" => WeightFunc::Fim,
        "coh" => WeightFunc::Coh,
        "no" | "sbas" => WeightFunc::No,
        other => {
            bail!("mintpy.networkInversion.weightFunc = {other}: expected var, fim, coh or no")
        }
    };
    let threshold = num::<f32>(t, "mintpy.networkInversion.maskThreshold")?.unwrap_or(0.4);
    let mask = match t.get("mintpy.networkInversion.maskDataset").unwrap_or("no") {
        "no" | "none" => None,
        "coherence" => Some(ObsMask::Coherence(threshold)),
        "connectComponent" => Some(ObsMask::ConnComp),
        other => bail!(
            "mintpy.networkInversion.maskDataset = {other}: sbas supports no, coherence and \
             connectComponent"
        ),
    };
    if t.get("mintpy.networkInversion.minNormVelocity") == Some("no") {
        bail!(
            "mintpy.networkInversion.minNormVelocity = no: sbas inverts for the minimum-norm \
             phase velocity only (MintPy's default); remove the key or set it to yes"
        );
    }
    let min_redundancy: f32 = num(t, "mintpy.networkInversion.minRedundancy")?.unwrap_or(1.0);
    if min_redundancy.is_nan() || min_redundancy < 0.0 {
        bail!("mintpy.networkInversion.minRedundancy must be >= 0");
    }
    Ok(InversionConfig {
        weight,
        mask,
        min_redundancy,
        min_temp_coh: unit_interval(
            "mintpy.networkInversion.minTempCoh",
            num(t, "mintpy.networkInversion.minTempCoh")?,
            0.7,
        )?,
        solver: match t.get("sbas.networkInversion.norm").unwrap_or("l2") {
            "l2" | "no" => SolverKind::L2,
            "l1" => SolverKind::L1,
            other => bail!("sbas.networkInversion.norm = {other}: expected l2 or l1"),
        },
    })
}

/// `mintpy.network.*` as a network edit.
fn network_edit(t: &Template) -> anyhow::Result<NetworkEdit> {
    let exclude_pairs = match t.get_set("mintpy.network.excludeDate12") {
        None => Vec::new(),
        Some(v) => v
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_date12(s).context("mintpy.network.excludeDate12"))
            .collect::<anyhow::Result<_>>()?,
    };
    let exclude_indices = match t.get_set("mintpy.network.excludeIfgIndex") {
        None => Vec::new(),
        Some(v) => parse_index_list(v).context("mintpy.network.excludeIfgIndex")?,
    };
    if let Some(v) = t.get_set("mintpy.network.referenceFile") {
        bail!("mintpy.network.referenceFile = {v}: not supported; list the pairs to drop instead");
    }
    if t.is_yes("mintpy.network.areaRatioBased") {
        bail!("mintpy.network.areaRatioBased = yes: not supported; use coherenceBased");
    }
    let coherence_based = t.is_yes("mintpy.network.coherenceBased");
    let aoi = t
        .get_set("mintpy.network.aoiYX")
        .map(|v| parse_yx_box("mintpy.network.aoiYX", v))
        .transpose()?;
    if let Some(v) = t.get_set("mintpy.network.aoiLALO") {
        bail!("mintpy.network.aoiLALO = {v}: not supported; give mintpy.network.aoiYX instead");
    }
    let water_mask = match t.get_set("mintpy.network.maskFile") {
        None => false,
        Some("waterMask.h5") => true,
        Some(other) => bail!(
            "mintpy.network.maskFile = {other}: sbas masks the coherence average with the \
             stack's water mask only (waterMask.h5) or not at all (no)"
        ),
    };
    Ok(NetworkEdit {
        exclude_dates: date_list(t, "mintpy.network.excludeDate")?,
        exclude_pairs,
        exclude_indices,
        start_date: date(t, "mintpy.network.startDate")?,
        end_date: date(t, "mintpy.network.endDate")?,
        max_temp_baseline_days: num(t, "mintpy.network.tempBaseMax")?,
        max_perp_baseline_m: num(t, "mintpy.network.perpBaseMax")?,
        max_connections: num(t, "mintpy.network.connNumMax")?,
        min_coherence: if coherence_based {
            Some(unit_interval(
                "mintpy.network.minCoherence",
                num(t, "mintpy.network.minCoherence")?,
                0.7,
            )?)
        } else {
            None
        },
        keep_min_span_tree: t.is_yes("mintpy.network.keepMinSpanTree"),
        aoi,
        water_mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn cfg(text: &str) -> anyhow::Result<RunConfig> {
        RunConfig::from_template(&Template::from_entries(parse_template(text)))
    }

    #[test]
    fn defaults_are_mintpys() {
        let c = cfg("").unwrap();
        assert_eq!(c.max_memory, 4 << 30);
        assert_eq!(c.inversion, InversionConfig::default());
        assert_eq!(
            c.reference,
            RefRequest::Auto {
                min_coherence: 0.85
            }
        );
        assert!(c.network.is_noop());
        assert_eq!(
            c.tropo,
            TropoMethod::Pyaps {
                model: "ERA5".into()
            }
        );
        assert_eq!(c.deramp, None);
        let topo = c.topography.unwrap();
        assert_eq!(topo.poly_order, 2);
        assert_eq!(
            topo.exclude_dates,
            DatesOrFile::File("exclude_date.txt".into())
        );
        assert_eq!(
            c.reference_date,
            DatesOrFile::File("reference_date.txt".into())
        );
        assert_eq!(c.time_func.polynomial, 1);
        assert!(c.geocode.unwrap().fill_value.is_nan());
    }

    #[test]
    fn reads_user_values() {
        let c = cfg("mintpy.compute.maxMemory = 0.5\n\
                     mintpy.subset.yx = 10:50,[0:40]\n\
                     mintpy.reference.yx = 12, 30\n\
                     mintpy.network.tempBaseMax = 60\n\
                     mintpy.network.excludeDate = 20200101,20200113\n\
                     mintpy.network.coherenceBased = yes\n\
                     mintpy.networkInversion.weightFunc = no\n\
                     mintpy.networkInversion.maskDataset = coherence\n\
                     mintpy.networkInversion.maskThreshold = 0.5\n\
                     mintpy.troposphericDelay.method = no\n\
                     mintpy.deramp = linear\n\
                     mintpy.topographicResidual = no\n\
                     mintpy.reference.date = 20200125\n\
                     mintpy.timeFunc.periodic = 1.0,0.5\n\
                     mintpy.geocode = no\n")
        .unwrap();
        assert_eq!(c.max_memory, 1 << 29);
        assert_eq!(
            c.subset,
            Some(SubsetRequest::Yx {
                y0: 10,
                y1: 50,
                x0: 0,
                x1: 40
            })
        );
        assert_eq!(c.reference, RefRequest::Yx(12, 30));
        assert_eq!(c.network.max_temp_baseline_days, Some(60.0));
        assert_eq!(c.network.exclude_dates.len(), 2);
        assert_eq!(c.network.min_coherence, Some(0.7));
        assert_eq!(c.inversion.weight, WeightFunc::No);
        assert_eq!(c.inversion.mask, Some(ObsMask::Coherence(0.5)));
        assert_eq!(c.tropo, TropoMethod::Off);
        assert_eq!(c.deramp, Some(RampType::Linear));
        assert!(c.topography.is_none());
        assert_eq!(
            c.reference_date,
            DatesOrFile::Dates(vec![Date::parse("20200125").unwrap()])
        );
        assert_eq!(c.time_func.periodic, vec![1.0, 0.5]);
        assert!(c.geocode.is_none());
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        for (text, key) in [
            ("mintpy.compute.maxMemory = lots", "maxMemory"),
            ("mintpy.deramp = cubic", "mintpy.deramp"),
            ("mintpy.networkInversion.weightFunc = w", "weightFunc"),
            ("mintpy.reference.yx = 1", "reference.yx"),
            ("mintpy.subset.yx = 5:5,0:4", "subset.yx"),
            ("mintpy.subset.lalo = 2:1,3:4", "subset.lalo"),
            ("mintpy.network.excludeDate = 2020", "excludeDate"),
            ("mintpy.networkInversion.minTempCoh = 2", "minTempCoh"),
        ] {
            let e = cfg(text).unwrap_err();
            assert!(format!("{e:#}").contains(key), "{text}: {e:#}");
        }
    }
}
