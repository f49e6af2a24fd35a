//! A strip pass shared by the parts of a split run (`sbas run TEMPLATE --part I/N`): each part
//! computes the strips it owns (round-robin, as the inversion's chunks) and keeps their outputs
//! in files of its own; the finalize job writes the products from them in strip order, exactly
//! the writes a single process makes, so the products are the same bytes in either format.
//!
//! State of one step, in its folder (`RUN/.sbas/parts/STEP/`): `strips/K.f32` holds the
//! outputs of strip K (written to a temporary name, synced, renamed); `I-of-N.done` is part I's
//! log of durable strips, its first line naming the strip plan so that a part planned with
//! another budget is refused rather than mixed in.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::parts::Part;
use crate::window::Window;

/// How a strip pass shares its strips with other processes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PassSplit {
    /// Every strip, computed and written by this process.
    #[default]
    Whole,
    /// Compute only the strips `part` owns that are not durable yet, keep their outputs in
    /// `dir`, and create no product.
    Part {
        /// The step's state folder.
        dir: PathBuf,
        /// This process's part.
        part: Part,
    },
    /// Compute nothing: write the products from the strips the parts kept in `dir`, refusing
    /// (naming the missing strips and their parts) unless every strip is there.
    Assemble {
        /// The step's state folder.
        dir: PathBuf,
        /// The run's number of parts (to name the owners of missing strips).
        parts: usize,
    },
}

/// The first line of every done log: the plan the strips belong to.
pub(crate) fn plan_line(length: usize, width: usize, strips: &[Window]) -> String {
    let rows: Vec<String> = strips.iter().map(|w| w.y1.to_string()).collect();
    format!(
        "# plan {length}x{width} strips ending at rows {}",
        rows.join(",")
    )
}

fn strip_path(dir: &Path, id: usize) -> PathBuf {
    dir.join("strips").join(format!("{id}.f32"))
}

fn log_path(dir: &Path, part: Part) -> PathBuf {
    dir.join(format!("{}-of-{}.done", part.index, part.count))
}

/// The strips listed in the done logs of `dir` (every part's), each log checked against `plan`.
pub(crate) fn durable_strips(dir: &Path, plan: &str) -> anyhow::Result<BTreeSet<usize>> {
    let mut done = BTreeSet::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(done);
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("done") {
            continue;
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = text.lines();
        match lines.next() {
            None => continue,
            Some(first) if first == plan => {}
            Some(first) => bail!(
                "{} was written for another strip plan ({first}; this process plans {plan}): \
                 the parts must share the template's settings and maxMemory",
                path.display()
            ),
        }
        // A line cut short by a kill is not a strip: only complete lines count.
        let complete = if text.ends_with('\n') {
            text.lines().count()
        } else {
            text.lines().count().saturating_sub(1)
        };
        for line in text.lines().take(complete).skip(1) {
            if let Ok(id) = line.trim().parse::<usize>() {
                done.insert(id);
            }
        }
    }
    Ok(done)
}

/// The strips in a split step's plan (if known) and, per part log, its name and strips done.
pub type StepProgress = (Option<usize>, Vec<(String, usize)>);

/// How far the parts of one split step got: per part log (`I-of-N`, in part order), the strips
/// it made durable, and the number of strips in the step's plan (`None` before any part started).
pub fn step_progress(dir: &Path) -> anyhow::Result<StepProgress> {
    let mut total = None;
    let mut parts = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok((total, parts));
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("done") {
            continue;
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let Some(first) = text.lines().next() else {
            continue;
        };
        if let Some(rows) = first.split("ending at rows ").nth(1) {
            total = Some(rows.split(',').filter(|r| !r.trim().is_empty()).count());
        }
        let done = durable_strips_of(&text);
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        parts.push((name, done));
    }
    parts.sort_by_key(|(name, _)| {
        name.split("-of-")
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(usize::MAX)
    });
    Ok((total, parts))
}

/// The number of strips one done log lists (complete lines after the plan line).
fn durable_strips_of(text: &str) -> usize {
    let complete = if text.ends_with('\n') {
        text.lines().count()
    } else {
        text.lines().count().saturating_sub(1)
    };
    text.lines()
        .take(complete)
        .skip(1)
        .filter(|l| l.trim().parse::<usize>().is_ok())
        .count()
}

/// Part `part`'s done log in `dir`, opened for appending (created with the plan line).
pub(crate) struct PartLog {
    file: File,
    path: PathBuf,
    dir: PathBuf,
}

impl PartLog {
    /// Opens (creating) the log of `part` in `dir` for plan `plan`.
    pub(crate) fn open(dir: &Path, part: Part, plan: &str) -> anyhow::Result<PartLog> {
        fs::create_dir_all(dir.join("strips"))
            .with_context(|| format!("cannot create {}", dir.join("strips").display()))?;
        let path = log_path(dir, part);
        let fresh = fs::metadata(&path).map(|m| m.len() == 0).unwrap_or(true);
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        if fresh {
            file.write_all(format!("{plan}\n").as_bytes())
                .and_then(|_| file.sync_data())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(PartLog {
            file,
            path,
            dir: dir.to_path_buf(),
        })
    }

    /// Keeps the outputs of strip `id` durably, then records it.
    pub(crate) fn keep(&mut self, id: usize, outputs: &[Vec<f32>]) -> anyhow::Result<()> {
        let path = strip_path(&self.dir, id);
        let tmp = path.with_extension("f32.tmp");
        let mut bytes = Vec::with_capacity(outputs.iter().map(|o| 8 + 4 * o.len()).sum());
        for o in outputs {
            bytes.extend_from_slice(&(o.len() as u64).to_le_bytes());
            for v in o {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
        (|| -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
            File::open(self.dir.join("strips"))?.sync_all()
        })()
        .with_context(|| format!("cannot write {}", path.display()))?;
        self.file
            .write_all(format!("{id}\n").as_bytes())
            .and_then(|_| self.file.sync_data())
            .with_context(|| format!("cannot record progress in {}", self.path.display()))
    }
}

/// The outputs of strip `id` kept in `dir`, checked to hold `sizes` values each.
pub(crate) fn read_strip(dir: &Path, id: usize, sizes: &[usize]) -> anyhow::Result<Vec<Vec<f32>>> {
    let path = strip_path(dir, id);
    let mut bytes = Vec::new();
    File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {}", path.display()))?;
    let damaged = || format!("{} is damaged: run its part again", path.display());
    let mut at = 0usize;
    let mut out = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let head: [u8; 8] = bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .with_context(damaged)?;
        anyhow::ensure!(u64::from_le_bytes(head) as usize == size, damaged());
        at += 8;
        let body = bytes.get(at..at + 4 * size).with_context(damaged)?;
        out.push(
            body.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        );
        at += 4 * size;
    }
    anyhow::ensure!(at == bytes.len(), damaged());
    Ok(out)
}

/// Removes the kept strips of `dir` (after the products were written); the logs stay as the
/// record of which part computed which strip.
pub(crate) fn discard_strips(dir: &Path) -> anyhow::Result<()> {
    let strips = dir.join("strips");
    if strips.exists() {
        fs::remove_dir_all(&strips)
            .with_context(|| format!("cannot remove {}", strips.display()))?;
    }
    Ok(())
}

/// `part 2/4: strips 1, 5; part 4/4: strip 3`.
pub(crate) fn describe_missing(missing: &[usize], count: usize) -> String {
    (1..=count)
        .filter_map(|i| {
            let p = Part { index: i, count };
            let ids: Vec<String> = missing
                .iter()
                .filter(|&&c| p.owns(c))
                .map(|c| c.to_string())
                .collect();
            (!ids.is_empty()).then(|| {
                format!(
                    "part {p}: strip{} {}",
                    if ids.len() == 1 { "" } else { "s" },
                    ids.join(", ")
                )
            })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_strips_read_back_and_logs_check_the_plan() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        let part = Part::new(2, 3).expect("part");
        let plan = plan_line(
            10,
            4,
            &[
                Window {
                    y0: 0,
                    y1: 5,
                    x0: 0,
                    x1: 4,
                },
                Window {
                    y0: 5,
                    y1: 10,
                    x0: 0,
                    x1: 4,
                },
            ],
        );
        let mut log = PartLog::open(dir, part, &plan).expect("open");
        log.keep(1, &[vec![1.0, 2.0], vec![3.0]]).expect("keep");
        assert_eq!(
            read_strip(dir, 1, &[2, 1]).expect("read"),
            vec![vec![1.0, 2.0], vec![3.0]]
        );
        assert!(read_strip(dir, 1, &[2, 2]).is_err(), "sizes are checked");
        assert_eq!(
            durable_strips(dir, &plan).expect("logs"),
            BTreeSet::from([1])
        );
        let e =
            durable_strips(dir, "# plan 10x4 strips ending at rows 10").expect_err("another plan");
        assert!(format!("{e:#}").contains("another strip plan"), "{e:#}");
        assert_eq!(
            describe_missing(&[0, 3, 2], 3),
            "part 1/3: strips 0, 3; part 3/3: strip 2"
        );
        discard_strips(dir).expect("discard");
        assert!(!dir.join("strips").exists());
        assert!(log_path(dir, part).exists(), "the log stays");
    }
}
