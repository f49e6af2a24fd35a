//! Splitting one run across processes: which part a process is (`--part i/N`, or a SLURM array
//! task's environment) and which chunks each part owns.
//!
//! The rule is round-robin by chunk index: part `i` of `N` owns the chunks whose index `c`
//! satisfies `c mod N == i - 1`. It needs nothing but the plan's chunk count, so every process
//! derives the same disjoint shares without talking to the others, and it spreads uneven work
//! (water, low coherence, image edges) over all parts instead of handing it to one.

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Context};

/// One part of a run split into `count` parts; `index` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Which part, from 1 to `count`.
    pub index: usize,
    /// Number of parts of the run.
    pub count: usize,
}

impl Part {
    /// A part, checked: `1 <= index <= count`.
    pub fn new(index: usize, count: usize) -> anyhow::Result<Part> {
        if count == 0 {
            bail!("a run has at least one part (the N of i/N must be 1 or more)");
        }
        if index == 0 || index > count {
            bail!("part {index}/{count} does not exist: parts count from 1 to {count}");
        }
        Ok(Part { index, count })
    }

    /// Whether this part owns chunk `id`.
    pub fn owns(&self, id: usize) -> bool {
        id % self.count == self.index - 1
    }

    /// The chunks of a plan of `chunks` chunks this part owns, in plan order.
    pub fn chunks(&self, chunks: usize) -> Vec<usize> {
        (self.index - 1..chunks).step_by(self.count).collect()
    }

    /// The part of `count` that owns chunk `id`.
    pub fn owner(id: usize, count: usize) -> Part {
        Part {
            index: id % count.max(1) + 1,
            count: count.max(1),
        }
    }

    /// The part a SLURM array task is, from its environment (`get` reads a variable); `None`
    /// when the process is not an array task. The task ids of the array must be consecutive
    /// (`--array=1-N` or `0-(N-1)`): part = `SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1`,
    /// of `SLURM_ARRAY_TASK_COUNT`.
    pub fn from_slurm_env(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Part>> {
        let Some(id) = get("SLURM_ARRAY_TASK_ID") else {
            return Ok(None);
        };
        let num = |name: &str, text: &str| -> anyhow::Result<usize> {
            text.trim()
                .parse::<usize>()
                .with_context(|| format!("{name}={text} is not a task number"))
        };
        let id = num("SLURM_ARRAY_TASK_ID", &id)?;
        let count = get("SLURM_ARRAY_TASK_COUNT")
            .context("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")?;
        let count = num("SLURM_ARRAY_TASK_COUNT", &count)?;
        let min = match get("SLURM_ARRAY_TASK_MIN") {
            Some(m) => num("SLURM_ARRAY_TASK_MIN", &m)?,
            None => 1,
        };
        if id < min {
            bail!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}");
        }
        Part::new(id - min + 1, count)
            .map(Some)
            .context("the SLURM array must have consecutive task ids, one per part")
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Part {
    type Err = anyhow::Error;

    /// Parses `i/N`.
    fn from_str(text: &str) -> anyhow::Result<Part> {
        let (i, n) = text
            .split_once('/')
            .with_context(|| format!("'{text}' is not a part: expected I/N, e.g. 2/8"))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<usize>()
                .with_context(|| format!("'{text}' is not a part: expected I/N, e.g. 2/8"))
        };
        Part::new(parse(i)?, parse(n)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!("2/8".parse::<Part>().unwrap(), Part { index: 2, count: 8 });
        for bad in ["5/4", "0/0", "0/3", "2", "a/3", "1/-2"] {
            assert!(bad.parse::<Part>().is_err(), "{bad}");
        }
        let e = format!("{:#}", "5/4".parse::<Part>().unwrap_err());
        assert!(e.contains("parts count from 1 to 4"), "{e}");
        let e = format!("{:#}", "0/0".parse::<Part>().unwrap_err());
        assert!(e.contains("at least one part"), "{e}");
    }

    #[test]
    fn round_robin_shares_are_disjoint_and_cover_the_plan() {
        let n = 3;
        let mut seen = vec![0; 10];
        for i in 1..=n {
            let p = Part::new(i, n).unwrap();
            for c in p.chunks(10) {
                assert!(p.owns(c));
                assert_eq!(Part::owner(c, n), p);
                seen[c] += 1;
            }
        }
        assert_eq!(seen, vec![1; 10]);
        assert_eq!(Part::new(2, 3).unwrap().chunks(10), vec![1, 4, 7]);
        // More parts than chunks: the last parts own nothing.
        assert!(Part::new(5, 5).unwrap().chunks(3).is_empty());
    }

    #[test]
    fn reads_slurm_array_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Part::from_slurm_env(env(&[])).unwrap(), None);
        let p = Part::from_slurm_env(env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]))
        .unwrap();
        assert_eq!(p, Some(Part { index: 3, count: 4 }));
        let p = Part::from_slurm_env(env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
        ]))
        .unwrap();
        assert_eq!(p, Some(Part { index: 1, count: 4 }));
        assert!(Part::from_slurm_env(env(&[("SLURM_ARRAY_TASK_ID", "3")])).is_err());
        // A sparse array (1,5,9) cannot be mapped onto parts.
        assert!(Part::from_slurm_env(env(&[
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]))
        .is_err());
    }
}
