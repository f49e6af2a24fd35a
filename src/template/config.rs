//! Typed settings of a `sbas run`, read from a resolved [`Template`]. Values are checked here, so
//! a wrong value fails before any step runs, naming the key.

use anyhow::{bail, Context};

use super::inversion::InversionSettings;
use super::values::{date, date_list, dates_or_file, num, pair_of};
use super::Template;
use crate::correct::ramp::RampType;
use crate::geo::SubsetRequest;
use crate::invert::InversionConfig;
use crate::meta::Date;
use crate::network_edit::NetworkEdit;
use crate::source::multilook::{Multilook, MultilookMethod};
use crate::survey::RefRequest;

pub use super::values::DatesOrFile;

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
    /// Multilooking at load (`mintpy.multilook.ystep/xstep/method`), none if 1 x 1.
    pub multilook: Option<Multilook>,
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

/// `mintpy.multilook.ystep/xstep/method` (MintPy reads whole numbers; 1 x 1 is none).
fn multilook_settings(t: &Template) -> anyhow::Result<Option<Multilook>> {
    let looks = |key: &str| -> anyhow::Result<usize> {
        let Some(v) = t.get_set(key) else {
            return Ok(1);
        };
        match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => bail!("{key} = {v}: must be a whole number >= 1"),
        }
    };
    let ml = Multilook {
        ystep: looks("mintpy.multilook.ystep")?,
        xstep: looks("mintpy.multilook.xstep")?,
        method: match t.get_set("mintpy.multilook.method") {
            None => MultilookMethod::Nearest,
            Some(v) => v
                .parse()
                .with_context(|| format!("mintpy.multilook.method = {v}"))?,
        },
    };
    Ok((!ml.is_noop()).then_some(ml))
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

        let multilook = multilook_settings(t)?;
        let InversionSettings {
            network,
            reference,
            inversion,
        } = InversionSettings::from_template(t)?;

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
            multilook,
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
            .map(|v| pair_of::<f64>(t, "mintpy.geocode.laloStep", v).map(|(a, b)| [a, b]))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invert::{ObsMask, WeightFunc};
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

    #[test]
    fn multilook_keys() {
        let parse = |text: &str| {
            RunConfig::from_template(&Template::from_entries(parse_template(text)))
                .map(|c| c.multilook)
        };
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("mintpy.multilook.ystep = 1\n").unwrap(), None);
        assert_eq!(
            parse("mintpy.multilook.ystep = 2\nmintpy.multilook.xstep = 4\nmintpy.multilook.method = median\n")
                .unwrap(),
            Some(Multilook {
                ystep: 2,
                xstep: 4,
                method: MultilookMethod::Median
            })
        );
        assert_eq!(
            parse("mintpy.multilook.xstep = 3\n")
                .unwrap()
                .map(|m| m.method),
            Some(MultilookMethod::Nearest)
        );
        assert!(parse("mintpy.multilook.ystep = 0\n").is_err());
        assert!(parse("mintpy.multilook.ystep = 2.5\n").is_err());
        assert!(parse("mintpy.multilook.ystep = 2\nmintpy.multilook.method = cubic\n").is_err());
    }
}
