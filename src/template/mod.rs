//! MintPy `smallbaselineApp` templates: `key = value  # comment` files with `auto` values that
//! resolve to MintPy's defaults. [`Template`] holds the resolved text values; [`config`] turns them
//! into typed settings; [`steps`] knows the step list and the time-series file chain; [`app`] runs
//! the steps.

pub mod app;
pub mod config;
pub mod inversion;
pub mod load;
pub mod split;
pub mod step;
pub mod steps;
pub(crate) mod values;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

/// MintPy 1.6.4's resolved default (`smallbaselineApp_auto.cfg`) of every template key, for the
/// keys `auto` stands for. Keys absent from a template take these values too.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("mintpy.compute.maxMemory", "4"),
    ("mintpy.compute.cluster", "none"),
    ("mintpy.compute.numWorker", "4"),
    ("mintpy.compute.config", "none"),
    ("mintpy.load.processor", "isce"),
    ("mintpy.load.autoPath", "no"),
    ("mintpy.load.updateMode", "yes"),
    ("mintpy.load.compression", "default"),
    ("mintpy.subset.yx", "no"),
    ("mintpy.subset.lalo", "no"),
    ("mintpy.multilook.method", "nearest"),
    ("mintpy.multilook.ystep", "1"),
    ("mintpy.multilook.xstep", "1"),
    ("mintpy.network.tempBaseMax", "no"),
    ("mintpy.network.perpBaseMax", "no"),
    ("mintpy.network.connNumMax", "no"),
    ("mintpy.network.startDate", "no"),
    ("mintpy.network.endDate", "no"),
    ("mintpy.network.excludeDate", "no"),
    ("mintpy.network.excludeDate12", "no"),
    ("mintpy.network.excludeIfgIndex", "no"),
    ("mintpy.network.referenceFile", "no"),
    ("mintpy.network.coherenceBased", "no"),
    ("mintpy.network.minCoherence", "0.7"),
    ("mintpy.network.areaRatioBased", "no"),
    ("mintpy.network.minAreaRatio", "0.75"),
    ("mintpy.network.keepMinSpanTree", "yes"),
    ("mintpy.network.maskFile", "waterMask.h5"),
    ("mintpy.network.aoiYX", "no"),
    ("mintpy.network.aoiLALO", "no"),
    ("mintpy.reference.yx", "no"),
    ("mintpy.reference.lalo", "no"),
    ("mintpy.reference.maskFile", "maskConnComp.h5"),
    ("mintpy.reference.coherenceFile", "avgSpatialCoh.h5"),
    ("mintpy.reference.minCoherence", "0.85"),
    ("mintpy.unwrapError.method", "no"),
    ("mintpy.unwrapError.waterMaskFile", "waterMask.h5"),
    ("mintpy.unwrapError.connCompMinArea", "2.5e3"),
    ("mintpy.unwrapError.numSample", "100"),
    ("mintpy.unwrapError.ramp", "no"),
    ("mintpy.unwrapError.bridgePtsRadius", "50"),
    ("mintpy.networkInversion.weightFunc", "var"),
    ("mintpy.networkInversion.waterMaskFile", "waterMask.h5"),
    ("mintpy.networkInversion.minNormVelocity", "yes"),
    ("mintpy.networkInversion.maskDataset", "no"),
    ("mintpy.networkInversion.maskThreshold", "0.4"),
    ("mintpy.networkInversion.minRedundancy", "1.0"),
    ("mintpy.networkInversion.minTempCoh", "0.7"),
    ("mintpy.networkInversion.minNumPixel", "100"),
    ("mintpy.networkInversion.shadowMask", "yes"),
    ("mintpy.solidEarthTides", "no"),
    ("mintpy.ionosphericDelay.method", "no"),
    ("mintpy.ionosphericDelay.excludeDate", "no"),
    ("mintpy.ionosphericDelay.excludeDate12", "no"),
    ("mintpy.troposphericDelay.method", "pyaps"),
    ("mintpy.troposphericDelay.weatherModel", "ERA5"),
    ("mintpy.troposphericDelay.weatherDir", "${WEATHER_DIR}"),
    ("mintpy.troposphericDelay.polyOrder", "1"),
    ("mintpy.troposphericDelay.looks", "8"),
    ("mintpy.troposphericDelay.minCorrelation", "0"),
    ("mintpy.troposphericDelay.gacosDir", "./GACOS"),
    ("mintpy.troposphericDelay.operaDir", "./OPERA"),
    ("mintpy.deramp", "no"),
    ("mintpy.deramp.maskFile", "maskTempCoh.h5"),
    ("mintpy.topographicResidual", "yes"),
    ("mintpy.topographicResidual.polyOrder", "2"),
    ("mintpy.topographicResidual.phaseVelocity", "no"),
    ("mintpy.topographicResidual.stepDate", "no"),
    ("mintpy.topographicResidual.excludeDate", "exclude_date.txt"),
    ("mintpy.topographicResidual.pixelwiseGeometry", "yes"),
    ("mintpy.residualRMS.maskFile", "maskTempCoh.h5"),
    ("mintpy.residualRMS.deramp", "quadratic"),
    ("mintpy.residualRMS.cutoff", "3"),
    ("mintpy.reference.date", "reference_date.txt"),
    ("mintpy.timeFunc.startDate", "no"),
    ("mintpy.timeFunc.endDate", "no"),
    ("mintpy.timeFunc.excludeDate", "exclude_date.txt"),
    ("mintpy.timeFunc.polynomial", "1"),
    ("mintpy.timeFunc.periodic", "no"),
    ("mintpy.timeFunc.stepDate", "no"),
    ("mintpy.timeFunc.exp", "no"),
    ("mintpy.timeFunc.log", "no"),
    ("mintpy.timeFunc.uncertaintyQuantification", "residue"),
    ("mintpy.timeFunc.timeSeriesCovFile", "no"),
    ("mintpy.timeFunc.bootstrapCount", "400"),
    ("mintpy.geocode", "yes"),
    ("mintpy.geocode.SNWE", "none"),
    ("mintpy.geocode.laloStep", "none"),
    ("mintpy.geocode.interpMethod", "nearest"),
    ("mintpy.geocode.fillValue", "np.nan"),
    ("mintpy.save.kmz", "yes"),
    ("mintpy.save.hdfEos5", "no"),
    ("mintpy.save.hdfEos5.update", "no"),
    ("mintpy.save.hdfEos5.subset", "no"),
    ("mintpy.plot", "yes"),
    ("mintpy.plot.dpi", "150"),
    ("mintpy.plot.maxMemory", "4"),
];

/// `prep_aria.py`'s correction-stack keys (`--tropo`, `--set`, `--iono`): MintPy reads them only
/// when `prep_aria.py -t TEMPLATE` is run by hand; smallbaselineApp's `load_data` passes none of
/// them (its ARIA arguments come from `smallbaselineApp.cfg`, which lacks them).
pub const PREP_ARIA_KEYS: &[&str] = &[
    "mintpy.load.tropoFile",
    "mintpy.load.setFile",
    "mintpy.load.ionoFile",
];

/// `mintpy.load.*` path keys whose default is `auto` (no path: the user gives them, or
/// `autoPath` fills them).
pub const LOAD_PATH_KEYS: &[&str] = &[
    "mintpy.load.metaFile",
    "mintpy.load.baselineDir",
    "mintpy.load.unwFile",
    "mintpy.load.corFile",
    "mintpy.load.connCompFile",
    "mintpy.load.intFile",
    "mintpy.load.magFile",
    "mintpy.load.ionUnwFile",
    "mintpy.load.ionCorFile",
    "mintpy.load.ionConnCompFile",
    "mintpy.load.azOffFile",
    "mintpy.load.rgOffFile",
    "mintpy.load.azOffStdFile",
    "mintpy.load.rgOffStdFile",
    "mintpy.load.offSnrFile",
    "mintpy.load.demFile",
    "mintpy.load.lookupYFile",
    "mintpy.load.lookupXFile",
    "mintpy.load.incAngleFile",
    "mintpy.load.azAngleFile",
    "mintpy.load.shadowMaskFile",
    "mintpy.load.waterMaskFile",
    "mintpy.load.bperpFile",
    "mintpy.load.frequency",
];

/// Keys sbas reads. Every other key a user sets is reported as unsupported.
pub const SUPPORTED: &[&str] = &[
    "mintpy.compute.maxMemory",
    "mintpy.load.processor",
    "mintpy.load.autoPath",
    "mintpy.load.metaFile",
    "mintpy.load.baselineDir",
    "mintpy.load.unwFile",
    "mintpy.load.corFile",
    "mintpy.load.connCompFile",
    "mintpy.load.demFile",
    "mintpy.load.lookupYFile",
    "mintpy.load.lookupXFile",
    "mintpy.load.incAngleFile",
    "mintpy.load.azAngleFile",
    "mintpy.load.shadowMaskFile",
    "mintpy.load.waterMaskFile",
    "mintpy.subset.yx",
    "mintpy.subset.lalo",
    "mintpy.multilook.method",
    "mintpy.multilook.ystep",
    "mintpy.multilook.xstep",
    "mintpy.network.tempBaseMax",
    "mintpy.network.perpBaseMax",
    "mintpy.network.connNumMax",
    "mintpy.network.startDate",
    "mintpy.network.endDate",
    "mintpy.network.excludeDate",
    "mintpy.network.excludeDate12",
    "mintpy.network.excludeIfgIndex",
    "mintpy.network.coherenceBased",
    "mintpy.network.minCoherence",
    "mintpy.network.keepMinSpanTree",
    "mintpy.network.maskFile",
    "mintpy.network.aoiYX",
    "mintpy.reference.yx",
    "mintpy.reference.lalo",
    "mintpy.reference.minCoherence",
    "mintpy.unwrapError.method",
    "mintpy.networkInversion.weightFunc",
    "mintpy.networkInversion.waterMaskFile",
    "mintpy.networkInversion.minNormVelocity",
    "mintpy.networkInversion.maskDataset",
    "mintpy.networkInversion.maskThreshold",
    "mintpy.networkInversion.minRedundancy",
    "mintpy.networkInversion.minTempCoh",
    "sbas.networkInversion.norm",
    "sbas.load.meta",
    "mintpy.solidEarthTides",
    "mintpy.ionosphericDelay.method",
    "mintpy.troposphericDelay.method",
    "mintpy.troposphericDelay.weatherModel",
    "mintpy.troposphericDelay.gacosDir",
    "mintpy.deramp",
    "mintpy.deramp.maskFile",
    "mintpy.topographicResidual",
    "mintpy.topographicResidual.polyOrder",
    "mintpy.topographicResidual.phaseVelocity",
    "mintpy.topographicResidual.stepDate",
    "mintpy.topographicResidual.excludeDate",
    "mintpy.topographicResidual.pixelwiseGeometry",
    "mintpy.residualRMS.maskFile",
    "mintpy.residualRMS.deramp",
    "mintpy.residualRMS.cutoff",
    "mintpy.reference.date",
    "mintpy.timeFunc.startDate",
    "mintpy.timeFunc.endDate",
    "mintpy.timeFunc.excludeDate",
    "mintpy.timeFunc.polynomial",
    "mintpy.timeFunc.periodic",
    "mintpy.timeFunc.stepDate",
    "mintpy.timeFunc.exp",
    "mintpy.timeFunc.log",
    "mintpy.timeFunc.uncertaintyQuantification",
    "mintpy.timeFunc.bootstrapCount",
    "mintpy.geocode",
    "mintpy.geocode.SNWE",
    "mintpy.geocode.laloStep",
    "mintpy.geocode.interpMethod",
    "mintpy.geocode.fillValue",
    "mintpy.save.kmz",
    "mintpy.save.hdfEos5",
    "mintpy.plot",
];

/// Parses template text into `(key, value)` entries in file order, as MintPy's `read_template`:
/// split at the first `=`; lines starting with `%`, `#` or `!` are comments; the value ends at the
/// first `#`; `~` and `$VAR` / `${VAR}` are expanded; entries with an empty value are dropped.
pub fn parse_template(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with(['%', '#', '!']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.split('#').next().unwrap_or("").trim();
        let value = expand(value);
        if key.is_empty() || value.is_empty() {
            continue;
        }
        out.push((key.to_string(), value));
    }
    out
}

/// Expands a leading `~` and `$VAR` / `${VAR}` (left as is when unset, as Python's `expandvars`).
fn expand(value: &str) -> String {
    let mut v = value.to_string();
    if v == "~" || v.starts_with("~/") {
        if let Ok(home) = std::env::var("HOME") {
            v = format!("{home}{}", &v[1..]);
        }
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v.as_str();
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match (name.is_empty(), std::env::var(name)) {
            (false, Ok(val)) => out.push_str(&val),
            _ => out.push_str(&rest[pos..rest.len() - tail.len()]),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Normalises a user value as smallbaselineApp does before merging: `def`/`default` mean `auto`,
/// `y`/`on`/`true`/`yes` mean `yes`, `n`/`off`/`false`/`no` mean `no`, `none` is `none`
/// (case-insensitive).
fn normalise(value: &str) -> String {
    match value.to_ascii_lowercase().as_str() {
        "def" | "default" | "auto" => "auto".into(),
        "y" | "on" | "true" | "yes" => "yes".into(),
        "n" | "off" | "false" | "no" => "no".into(),
        "none" => "none".into(),
        _ => value.to_string(),
    }
}

/// A template with every value resolved (`auto` replaced by MintPy's default).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    values: BTreeMap<String, String>,
    user: Vec<(String, String)>,
    /// The command-line flag that set a key, for a template built from flags.
    flags: BTreeMap<String, &'static str>,
}

/// A template key sbas does not act on, as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The key.
    pub key: String,
    /// The user's value.
    pub value: String,
    /// Whether MintPy knows the key at all (else it is probably a typo).
    pub known: bool,
    /// Whether the value equals MintPy's default (so ignoring it changes nothing in MintPy
    /// either way).
    pub is_default: bool,
}

impl Template {
    /// Resolves user entries (from [`parse_template`]) over MintPy's defaults.
    pub fn from_entries(entries: Vec<(String, String)>) -> Template {
        let mut values: BTreeMap<String, String> = DEFAULTS
            .iter()
            .map(|(k, v)| (k.to_string(), normalise(v)))
            .collect();
        let mut user = Vec::new();
        for (k, v) in entries {
            let n = normalise(&v);
            let resolved = if n == "auto" {
                DEFAULTS
                    .iter()
                    .find(|(d, _)| *d == k)
                    .map(|(_, d)| normalise(d))
                    .unwrap_or(n)
            } else {
                n
            };
            values.insert(k.clone(), resolved);
            user.push((k, v));
        }
        Template {
            values,
            user,
            flags: BTreeMap::new(),
        }
    }

    /// The settings of a command line, as a template whose user entries are the flags given:
    /// `(template key, flag, value)`. The steps then parse and check them exactly as they would
    /// a template's, and messages name the flag (see [`Template::show`]).
    pub fn from_flags(entries: Vec<(&str, &'static str, String)>) -> Template {
        let flags = entries
            .iter()
            .map(|(k, f, _)| (k.to_string(), *f))
            .collect();
        let mut t = Template::from_entries(
            entries
                .into_iter()
                .map(|(k, _, v)| (k.to_string(), v))
                .collect(),
        );
        t.flags = flags;
        t
    }

    /// How the user wrote `key` with `value`, for messages: `--flag VALUE` if a flag set it,
    /// else `key = VALUE`.
    pub fn show(&self, key: &str, value: impl std::fmt::Display) -> String {
        match self.flags.get(key) {
            Some(flag) => format!("{flag} {value}"),
            None => format!("{key} = {value}"),
        }
    }

    /// Reads and resolves a template file.
    pub fn read(path: &Path) -> anyhow::Result<Template> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the template {}", path.display()))?;
        Ok(Template::from_entries(parse_template(&text)))
    }

    /// The resolved value of `key`: `None` when absent or `auto` without a default (e.g. a load
    /// path nobody gave).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| *v != "auto")
    }

    /// The resolved value of `key`, `None` also for `no` / `none` (MintPy's False / None).
    pub fn get_set(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| *v != "no" && *v != "none")
    }

    /// Whether `key` resolves to yes.
    pub fn is_yes(&self, key: &str) -> bool {
        self.get(key) == Some("yes")
    }

    /// The entries the user gave, as written, in file order.
    pub fn user_entries(&self) -> &[(String, String)] {
        &self.user
    }

    /// Every key the user set that sbas does not act on.
    pub fn unsupported(&self) -> Vec<Unsupported> {
        let mut out = Vec::new();
        for (k, v) in &self.user {
            if SUPPORTED.contains(&k.as_str()) {
                continue;
            }
            let default = DEFAULTS.iter().find(|(d, _)| d == k);
            let known = default.is_some()
                || LOAD_PATH_KEYS.contains(&k.as_str())
                || PREP_ARIA_KEYS.contains(&k.as_str());
            let n = normalise(v);
            let is_default = n == "auto"
                || default.is_some_and(|(_, d)| normalise(d) == n)
                || (LOAD_PATH_KEYS.contains(&k.as_str()) && n == "none");
            out.push(Unsupported {
                key: k.clone(),
                value: v.clone(),
                known,
                is_default,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_read_template() {
        let text = "# comment\n\
            mintpy.load.processor = isce   # processor\n\
            ! another comment\n\
            mintpy.reference.yx = 10,20\n\
            mintpy.deramp =     \n\
            novalue\n\
            mintpy.a = x=y\n";
        let e = parse_template(text);
        assert_eq!(
            e,
            vec![
                ("mintpy.load.processor".to_string(), "isce".to_string()),
                ("mintpy.reference.yx".to_string(), "10,20".to_string()),
                ("mintpy.a".to_string(), "x=y".to_string()),
            ]
        );
    }

    #[test]
    fn expands_environment() {
        std::env::set_var("SBAS_TEMPLATE_TEST", "/data");
        assert_eq!(expand("$SBAS_TEMPLATE_TEST/a"), "/data/a");
        assert_eq!(expand("${SBAS_TEMPLATE_TEST}/b"), "/data/b");
        assert_eq!(expand("${SBAS_UNSET_VAR_XYZ}/c"), "${SBAS_UNSET_VAR_XYZ}/c");
    }

    #[test]
    fn resolves_auto_and_booleans() {
        let t = Template::from_entries(parse_template(
            "mintpy.deramp = auto\nmintpy.topographicResidual = False\n\
             mintpy.networkInversion.weightFunc = def\nmintpy.geocode = On\n\
             mintpy.load.unwFile = auto\nmintpy.reference.date = 20200113\n",
        ));
        assert_eq!(t.get("mintpy.deramp"), Some("no"));
        assert_eq!(t.get_set("mintpy.deramp"), None);
        assert!(!t.is_yes("mintpy.topographicResidual"));
        assert_eq!(t.get("mintpy.networkInversion.weightFunc"), Some("var"));
        assert!(t.is_yes("mintpy.geocode"));
        assert_eq!(t.get("mintpy.load.unwFile"), None);
        assert_eq!(t.get("mintpy.reference.date"), Some("20200113"));
        // Absent keys take the defaults.
        assert_eq!(t.get("mintpy.troposphericDelay.method"), Some("pyaps"));
    }

    #[test]
    fn lists_unsupported_keys() {
        let t = Template::from_entries(parse_template(
            "mintpy.compute.numWorker = 2\nmintpy.compute.cluster = auto\n\
             mintpy.netwrok.tempBaseMax = 3\nmintpy.deramp = linear\n",
        ));
        let u = t.unsupported();
        assert_eq!(u.len(), 3);
        assert!(u[0].known && !u[0].is_default);
        assert!(u[1].known && u[1].is_default);
        assert!(!u[2].known);
    }

    #[test]
    fn prep_aria_correction_keys_are_known_not_typos() {
        let t = Template::from_entries(parse_template(
            "mintpy.load.tropoFile = ../stack/troposphereTotal/HRRRStack.vrt
             mintpy.load.setFile = ../stack/setStack.vrt
",
        ));
        let u = t.unsupported();
        assert_eq!(u.len(), 2);
        assert!(u.iter().all(|u| u.known && !u.is_default));
    }
}
