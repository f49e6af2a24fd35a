//! Unwrapping-error corrections as a view of a stack: [`UnwrapFix`] is the product of the
//! correction step (integer cycles per interferogram, as row runs, in a small JSON file of the
//! work folder named after MintPy's corrected dataset, e.g. `unwrapPhase_bridging.json`), and
//! [`FixedStack`] presents a stack with `2 pi k` added to its unwrapped phase, so the inversion
//! and the overview read the corrected phase without a copy of the stack.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::correct::unwrap::cycles::{apply_runs, Run};
use crate::source::{GeomLayer, StackInfo, StackLayer, StackSource};
use crate::window::Window;

/// Format tag of the correction file, checked on reading.
const FORMAT: &str = "sbas-unwrap-cycles-1";

/// Integer cycle corrections of every interferogram of a stack.
#[derive(Debug, Clone, PartialEq)]
pub struct UnwrapFix {
    /// MintPy's name of the corrected phase (`unwrapPhase_bridging`, ...): the product's stem.
    pub dataset: String,
    /// Image rows.
    pub length: usize,
    /// Image columns.
    pub width: usize,
    /// Settings that made it (`name -> value`), for manifests and update mode.
    pub settings: Vec<(String, String)>,
    /// Pair name (`YYYYMMDD_YYYYMMDD`) -> its runs, sorted by row.
    pub pairs: Vec<(String, Vec<Run>)>,
}

impl UnwrapFix {
    /// The file of the product `dataset` in folder `dir`.
    pub fn path_in(dir: &Path, dataset: &str) -> PathBuf {
        dir.join(format!("{dataset}.json"))
    }

    /// Number of corrected (pixel, interferogram) samples.
    pub fn num_corrected(&self) -> usize {
        self.pairs
            .iter()
            .flat_map(|(_, runs)| runs.iter())
            .map(|r| (r.x1 - r.x0) as usize)
            .sum()
    }

    /// Writes the file (through a temporary name, so a killed run leaves no partial file).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let pairs: serde_json::Map<String, Value> = self
            .pairs
            .iter()
            .map(|(name, runs)| {
                let flat: Vec<Value> = runs.iter().map(|r| json!([r.y, r.x0, r.x1, r.k])).collect();
                (name.clone(), Value::Array(flat))
            })
            .collect();
        let settings: serde_json::Map<String, Value> = self
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let doc = json!({
            "format": FORMAT,
            "dataset": self.dataset,
            "length": self.length,
            "width": self.width,
            "unit": "cycles (2 pi radians) added to unwrapPhase, runs [row, col0, col1_exclusive, cycles]",
            "settings": settings,
            "pairs": pairs,
        });
        let tmp = path.with_extension("json.part");
        std::fs::write(&tmp, serde_json::to_vec(&doc)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
    }

    /// Reads a file written by [`UnwrapFix::write`].
    pub fn read(path: &Path) -> anyhow::Result<UnwrapFix> {
        let text =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let doc: Value = serde_json::from_slice(&text)
            .with_context(|| format!("{}: not JSON", path.display()))?;
        let bad = |what: &str| anyhow::anyhow!("{}: {what}", path.display());
        if doc["format"] != FORMAT {
            return Err(bad("not an sbas unwrapping-correction file"));
        }
        let size = |k: &str| {
            doc[k]
                .as_u64()
                .map(|v| v as usize)
                .ok_or_else(|| bad(&format!("no {k}")))
        };
        let (length, width) = (size("length")?, size("width")?);
        let dataset = doc["dataset"]
            .as_str()
            .ok_or_else(|| bad("no dataset"))?
            .to_string();
        let settings = doc["settings"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut pairs = Vec::new();
        for (name, runs) in doc["pairs"].as_object().ok_or_else(|| bad("no pairs"))? {
            let runs = runs
                .as_array()
                .ok_or_else(|| bad(&format!("pair {name}: runs are not a list")))?;
            let mut out = Vec::with_capacity(runs.len());
            for r in runs {
                let v: Vec<i64> = r
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                let ok = v.len() == 4
                    && (0..length as i64).contains(&v[0])
                    && 0 <= v[1]
                    && v[1] < v[2]
                    && v[2] <= width as i64
                    && i32::try_from(v[3]).is_ok();
                if !ok {
                    return Err(bad(&format!("pair {name}: bad run {r}")));
                }
                out.push(Run {
                    y: v[0] as u32,
                    x0: v[1] as u32,
                    x1: v[2] as u32,
                    k: v[3] as i32,
                });
            }
            if out.windows(2).any(|w| w[1].y < w[0].y) {
                return Err(bad(&format!("pair {name}: runs not sorted by row")));
            }
            pairs.push((name.clone(), out));
        }
        Ok(UnwrapFix {
            dataset,
            length,
            width,
            settings,
            pairs,
        })
    }
}

/// A stack whose unwrapped phase has the corrections of an [`UnwrapFix`] added; everything
/// else is the inner stack's.
pub struct FixedStack<'a> {
    inner: &'a dyn StackSource,
    /// Runs of each pair of the inner stack, in its order.
    runs: Vec<Vec<Run>>,
}

impl<'a> FixedStack<'a> {
    /// The view of `inner` with `fix`: every pair of `inner` must be in `fix` (pairs of `fix`
    /// the stack lacks, dropped by a network edit, are ignored), on an image of the same size.
    pub fn new(inner: &'a dyn StackSource, fix: &UnwrapFix) -> anyhow::Result<FixedStack<'a>> {
        let info = inner.info();
        if (info.length, info.width) != (fix.length, fix.width) {
            bail!(
                "the unwrapping corrections {} are for a {} x {} image, the stack is {} x {}",
                fix.dataset,
                fix.length,
                fix.width,
                info.length,
                info.width
            );
        }
        let by_name: HashMap<&str, &Vec<Run>> =
            fix.pairs.iter().map(|(n, r)| (n.as_str(), r)).collect();
        let mut runs = Vec::with_capacity(info.network.num_pairs());
        for i in 0..info.network.num_pairs() {
            let name = info.network.pair_name(i);
            match by_name.get(name.as_str()) {
                Some(r) => runs.push((*r).clone()),
                None => bail!(
                    "the unwrapping corrections {} have no interferogram {name}: made for another stack",
                    fix.dataset
                ),
            }
        }
        Ok(FixedStack { inner, runs })
    }
}

impl StackSource for FixedStack<'_> {
    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        self.inner.map_lookup()
    }

    fn info(&self) -> &StackInfo {
        self.inner.info()
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_stack(layer, window, out)?;
        if layer == StackLayer::Phase {
            let px = window.pixels();
            for (runs, plane) in self.runs.iter().zip(out.chunks_exact_mut(px)) {
                apply_runs(runs, window, plane);
            }
        }
        Ok(())
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_pairs(layer, pairs.clone(), window, out)?;
        if layer == StackLayer::Phase {
            let px = window.pixels();
            for (runs, plane) in self.runs[pairs].iter().zip(out.chunks_exact_mut(px)) {
                apply_runs(runs, window, plane);
            }
        }
        Ok(())
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_geometry(layer, window, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let fix = UnwrapFix {
            dataset: "unwrapPhase_bridging".into(),
            length: 4,
            width: 5,
            settings: vec![("method".into(), "bridging".into())],
            pairs: vec![
                ("20200101_20200113".into(), Vec::new()),
                (
                    "20200101_20200125".into(),
                    vec![
                        Run {
                            y: 1,
                            x0: 0,
                            x1: 3,
                            k: -1,
                        },
                        Run {
                            y: 2,
                            x0: 2,
                            x1: 5,
                            k: 2,
                        },
                    ],
                ),
            ],
        };
        let path = UnwrapFix::path_in(dir.path(), &fix.dataset);
        fix.write(&path).unwrap();
        assert_eq!(UnwrapFix::read(&path).unwrap(), fix);
        assert_eq!(fix.num_corrected(), 6);
        // A run outside the image, and a file that is not ours, are errors naming the file.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("[2,2,5,2]", "[2,2,9,2]")).unwrap();
        let e = UnwrapFix::read(&path).unwrap_err().to_string();
        assert!(
            e.contains("bad run") && e.contains("unwrapPhase_bridging.json"),
            "{e}"
        );
        std::fs::write(&path, "{}").unwrap();
        assert!(UnwrapFix::read(&path).is_err());
    }
}
