//! The inversion's settings: the network edit (`mintpy.network.*`), the reference point
//! (`mintpy.reference.*`) and the inversion itself (`mintpy.networkInversion.*`). Parsed and
//! checked once, here, from a template or from `sbas invert`'s flags (a command line is read as
//! a template of its flags, see [`Template::from_flags`]), so both front ends accept the same
//! values and refuse the same ones.

use anyhow::{bail, Context};

use super::values::{date, date_list, non_negative, num, pair_of, parse_yx_box, unit_interval};
use super::Template;
use crate::invert::{InversionConfig, ObsMask, SolverKind, WeightFunc};
use crate::network_edit::{parse_date12, parse_index_list, NetworkEdit};
use crate::survey::RefRequest;

/// What `invert_network` (and `sbas invert`) needs from the settings.
#[derive(Debug, Clone)]
pub struct InversionSettings {
    /// Which interferograms take part.
    pub network: NetworkEdit,
    /// How the reference point is found.
    pub reference: RefRequest,
    /// Weights, masks and thresholds of the inversion.
    pub inversion: InversionConfig,
}

impl InversionSettings {
    /// Reads and checks the settings of `t`.
    pub fn from_template(t: &Template) -> anyhow::Result<InversionSettings> {
        Ok(InversionSettings {
            network: network_edit(t)?,
            reference: reference_request(t)?,
            inversion: inversion_config(t)?,
        })
    }
}

/// `mintpy.reference.*` as the reference point request: a given row/column wins over a given
/// latitude/longitude (as MintPy), else the point is chosen automatically.
fn reference_request(t: &Template) -> anyhow::Result<RefRequest> {
    Ok(if let Some(v) = t.get_set("mintpy.reference.yx") {
        let (y, x) = pair_of::<usize>(t, "mintpy.reference.yx", v)?;
        RefRequest::Yx(y, x)
    } else if let Some(v) = t.get_set("mintpy.reference.lalo") {
        let key = "mintpy.reference.lalo";
        let (lat, lon) = pair_of::<f64>(t, key, v)?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=360.0).contains(&lon) {
            bail!(
                "{}: latitude must be within -90..90 and longitude -180..360",
                t.show(key, v)
            );
        }
        RefRequest::Lalo(lat, lon)
    } else {
        RefRequest::Auto {
            min_coherence: unit_interval(t, "mintpy.reference.minCoherence", 0.85)?,
        }
    })
}

/// `mintpy.network.*` as a network edit.
fn network_edit(t: &Template) -> anyhow::Result<NetworkEdit> {
    let exclude_pairs = match t.get_set("mintpy.network.excludeDate12") {
        None => Vec::new(),
        Some(v) => v
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_date12(s).with_context(|| t.show("mintpy.network.excludeDate12", v)))
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
        .map(|v| parse_yx_box(t, "mintpy.network.aoiYX", v))
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
        max_temp_baseline_days: non_negative(t, "mintpy.network.tempBaseMax")?,
        max_perp_baseline_m: non_negative(t, "mintpy.network.perpBaseMax")?,
        max_connections: num(t, "mintpy.network.connNumMax")?,
        min_coherence: if coherence_based {
            Some(unit_interval(t, "mintpy.network.minCoherence", 0.7)?)
        } else {
            None
        },
        keep_min_span_tree: t.is_yes("mintpy.network.keepMinSpanTree"),
        aoi,
        water_mask,
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
            bail!(
                "{}: expected var, fim, coh or no",
                t.show("mintpy.networkInversion.weightFunc", other)
            )
        }
    };
    let threshold = unit_interval(t, "mintpy.networkInversion.maskThreshold", 0.4)?;
    let mask = match t.get("mintpy.networkInversion.maskDataset").unwrap_or("no") {
        "no" | "none" => None,
        "coherence" => Some(ObsMask::Coherence(threshold)),
        "connectComponent" => Some(ObsMask::ConnComp),
        other => bail!(
            "{}: sbas supports no, coherence and connectComponent",
            t.show("mintpy.networkInversion.maskDataset", other)
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
        bail!(
            "{}: must be >= 0",
            t.show("mintpy.networkInversion.minRedundancy", min_redundancy)
        );
    }
    Ok(InversionConfig {
        weight,
        mask,
        min_redundancy,
        min_temp_coh: unit_interval(t, "mintpy.networkInversion.minTempCoh", 0.7)?,
        solver: match t.get("sbas.networkInversion.norm").unwrap_or("l2") {
            "l2" | "no" => SolverKind::L2,
            "l1" => SolverKind::L1,
            other => bail!(
                "{}: expected l2 or l1",
                t.show("sbas.networkInversion.norm", other)
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn from_text(text: &str) -> anyhow::Result<InversionSettings> {
        InversionSettings::from_template(&Template::from_entries(parse_template(text)))
    }

    fn from_flags(flags: &[(&str, &'static str, &str)]) -> anyhow::Result<InversionSettings> {
        let entries = flags
            .iter()
            .map(|(k, f, v)| (*k, *f, v.to_string()))
            .collect();
        InversionSettings::from_template(&Template::from_flags(entries))
    }

    #[test]
    fn flags_and_template_give_the_same_settings() {
        let t = from_text(
            "mintpy.networkInversion.weightFunc = coh\n\
             mintpy.networkInversion.minTempCoh = 0.6\n\
             mintpy.reference.yx = 3,4\n\
             mintpy.network.excludeDate = 20200101,20200113\n\
             mintpy.network.tempBaseMax = 48\n",
        )
        .unwrap();
        let f = from_flags(&[
            ("mintpy.networkInversion.weightFunc", "--weight", "coh"),
            (
                "mintpy.networkInversion.minTempCoh",
                "--min-temp-coh",
                "0.6",
            ),
            ("mintpy.reference.yx", "--ref-yx", "3,4"),
            (
                "mintpy.network.excludeDate",
                "--exclude-date",
                "20200101,20200113",
            ),
            ("mintpy.network.tempBaseMax", "--max-temp-baseline", "48"),
        ])
        .unwrap();
        assert_eq!(t.inversion, f.inversion);
        assert_eq!(t.reference, f.reference);
        assert_eq!(t.network, f.network);
        assert_eq!(f.inversion.weight, WeightFunc::Coh);
        assert_eq!(f.reference, RefRequest::Yx(3, 4));
        assert_eq!(f.network.exclude_dates.len(), 2);
        // What the flags leave out takes MintPy's defaults, as in a template.
        assert!(f.network.keep_min_span_tree && f.network.water_mask);
    }

    #[test]
    fn a_bad_value_is_refused_naming_the_flag_or_the_key() {
        let key = "mintpy.networkInversion.minTempCoh";
        let e = from_flags(&[(key, "--min-temp-coh", "1.5")]).unwrap_err();
        assert_eq!(e.to_string(), "--min-temp-coh 1.5: must be between 0 and 1");
        let e = from_text(&format!("{key} = 1.5")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{key} = 1.5: must be between 0 and 1")
        );
        // Checks the command line made alone before now hold for templates too.
        for text in [
            "mintpy.reference.lalo = 95,10",
            "mintpy.network.tempBaseMax = -1",
            "mintpy.networkInversion.maskThreshold = 2",
        ] {
            assert!(from_text(text).is_err(), "{text} accepted");
        }
        let e = from_flags(&[("mintpy.reference.lalo", "--ref-lalo", "95,10")]).unwrap_err();
        assert!(
            e.to_string().starts_with("--ref-lalo 95,10: latitude"),
            "{e}"
        );
    }
}
