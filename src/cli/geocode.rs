//! `sbas geocode`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::geo::{geocode_product, GeocodeOptions, Method};
use crate::plan::parse_size;
use crate::product::{Product, GEOMETRY_STEM};

/// Resampling choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Nearest radar pixel within 3 output steps (MintPy's default).
    Nearest,
    /// Bilinear interpolation of the 4 radar pixels around each output pixel.
    Bilinear,
}

/// Options of `sbas geocode`.
#[derive(Debug, Args)]
pub struct GeocodeArgs {
    /// Run folder (holding the products and `inputs/geometryRadar`).
    pub run_dir: PathBuf,
    /// Products to geocode (e.g. `velocity timeseries temporalCoherence`); default: those of
    /// timeseries, velocity, temporalCoherence, avgSpatialCoh, maskTempCoh, inputs/geometryRadar
    /// present in the run.
    pub stems: Vec<String>,
    /// Resampling method.
    #[arg(long, value_enum, default_value_t = MethodArg::Nearest)]
    pub method: MethodArg,
    /// Output step in degrees, latitude,longitude (e.g. `0.0008,0.0008`); default: the step that
    /// keeps the radar pixel area (MintPy's).
    #[arg(
        long = "lalo-step",
        value_name = "DLAT,DLON",
        allow_hyphen_values = true
    )]
    pub lalo_step: Option<String>,
    /// Output box, outer edges in degrees: south north west east.
    #[arg(long, num_args = 4, value_names = ["S", "N", "W", "E"], allow_hyphen_values = true)]
    pub bbox: Option<Vec<f64>>,
    /// Memory budget, e.g. `512MiB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
}

/// Products geocoded when none are named.
const DEFAULT_STEMS: [&str; 6] = [
    "timeseries",
    "velocity",
    "temporalCoherence",
    "avgSpatialCoh",
    "maskTempCoh",
    GEOMETRY_STEM,
];

impl GeocodeArgs {
    /// Turns the command line into options, checking values.
    pub fn options(&self) -> anyhow::Result<GeocodeOptions> {
        let lalo_step = match &self.lalo_step {
            None => None,
            Some(t) => {
                let v: Vec<f64> = t
                    .split(',')
                    .map(|s| s.trim().parse::<f64>())
                    .collect::<Result<_, _>>()
                    .ok()
                    .with_context(|| format!("--lalo-step '{t}': expected DLAT,DLON in degrees"))?;
                if v.len() != 2
                    || v.iter()
                        .any(|x| !x.is_finite() || *x == 0.0 || x.abs() > 10.0)
                {
                    bail!("--lalo-step '{t}': expected two non-zero steps in degrees");
                }
                Some((v[0], v[1]))
            }
        };
        let bbox = match &self.bbox {
            None => None,
            Some(v) => {
                let (s, n, w, e) = (v[0], v[1], v[2], v[3]);
                if !(s < n && w < e) || s < -90.0 || n > 90.0 || v.iter().any(|x| !x.is_finite()) {
                    bail!("--bbox {s} {n} {w} {e}: expected S < N and W < E, latitudes within -90..90");
                }
                Some((s, n, w, e))
            }
        };
        Ok(GeocodeOptions {
            method: match self.method {
                MethodArg::Nearest => Method::Nearest,
                MethodArg::Bilinear => Method::Bilinear,
            },
            lalo_step,
            bbox,
            max_memory: parse_size(&self.max_memory).context("--max-memory")?,
            report: super::terminal::Terminal::reporter(false),
        })
    }
}

/// Runs `sbas geocode`.
pub fn run(args: &GeocodeArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    if crate::geo::run_is_geocoded(&args.run_dir) {
        opts.report.note(crate::geo::not_needed_note(&args.run_dir));
        return Ok(());
    }
    let stems: Vec<String> = if args.stems.is_empty() {
        let found: Vec<String> = DEFAULT_STEMS
            .iter()
            .filter(|s| Product::exists(&args.run_dir, s))
            .map(|s| s.to_string())
            .collect();
        if found.is_empty() {
            bail!("{} holds no product to geocode", args.run_dir.display());
        }
        found
    } else {
        args.stems.clone()
    };
    for stem in &stems {
        let path = geocode_product(&args.run_dir, stem, &opts)
            .with_context(|| format!("geocoding {stem}"))?;
        println!("{}", path.display());
    }
    Ok(())
}
