//! `sbas info`: what a run folder holds, and how far an unfinished run got.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::assess::results_checksum;
use crate::product::inversion::{staging_dir, RunResults};
use crate::product::Product;
use crate::resume::summarize;

/// Options of `sbas info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The run folder (the `--out` of `sbas invert`).
    pub run_dir: PathBuf,
    /// Also print a checksum of every result value (equal checksums = bit-identical results),
    /// and one of each product's content.
    #[arg(long)]
    pub checksum: bool,
}

/// Runs `sbas info`.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let dir = &args.run_dir;
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    println!("run folder: {}", dir.display());
    let summary = summarize(dir)?;
    let results_dir = match &summary {
        Some(s) => {
            let m = &s.manifest;
            // A folder prepared by `sbas run` is finalized by it, not by `sbas finalize`.
            let template_run = crate::resume::read_run_invocation(dir)?.is_some();
            let state = if s.complete {
                "complete".to_string()
            } else {
                format!(
                    "NOT complete: {} of {} chunks done ({:.0}%){}; {}",
                    s.done,
                    s.chunks,
                    100.0 * s.done as f64 / s.chunks.max(1) as f64,
                    if s.running {
                        ", a process is working on it now"
                    } else {
                        ""
                    },
                    if s.parts.is_some() && template_run {
                        "run the parts not done (`sbas run TEMPLATE ... --part I/N`), then \
                         `sbas run TEMPLATE ... --finalize`"
                    } else if s.parts.is_some() {
                        "run the parts not done (`sbas invert ... --part I/N`), then `sbas finalize`"
                    } else {
                        "run the same `sbas invert` command again to resume"
                    }
                )
            };
            println!("state: {state}");
            if let Some(n) = s.parts {
                println!("parts: {n} (part I owns the chunks whose index modulo {n} is I-1)");
                for p in &s.part_progress {
                    println!(
                        "  part {}: {} of {} chunks done{}",
                        p.part,
                        p.done,
                        p.owned,
                        if p.running { ", running now" } else { "" }
                    );
                }
            }
            if template_run {
                print_stages(dir)?;
            }
            println!("stack: {}", m["stack"].as_str().unwrap_or("?"));
            if let Some(settings) = m["settings"].as_object() {
                let list: Vec<String> = settings
                    .iter()
                    .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?")))
                    .collect();
                println!("settings: {}", list.join(", "));
            }
            println!(
                "reference point: y={}, x={} ({})",
                m["reference"]["y"],
                m["reference"]["x"],
                m["reference"]["how"].as_str().unwrap_or("")
            );
            println!(
                "plan: {} chunks of {} rows",
                m["plan"]["chunks"], m["plan"]["rows_per_chunk"]
            );
            let hdf5 = m["settings"]["format"].as_str() == Some("hdf5");
            if hdf5 && !s.complete {
                staging_dir(dir)
            } else {
                dir.clone()
            }
        }
        None => {
            println!("state: no sbas run state here (.sbas/ missing); reading outputs only");
            dir.clone()
        }
    };
    match RunResults::open(&results_dir) {
        Ok(r) => {
            let d = r.dates();
            println!(
                "results: {:?}, {} dates ({} .. {}), {} rows x {} columns, {}",
                r.format(),
                d.len(),
                d.first().map(|x| x.to_string()).unwrap_or_default(),
                d.last().map(|x| x.to_string()).unwrap_or_default(),
                r.length(),
                r.width(),
                if r.is_complete() {
                    "finalized"
                } else {
                    "not finalized"
                }
            );
            if args.checksum {
                let c = results_checksum(&r).context("computing the checksum")?;
                println!("checksum: {c:016x}");
            }
        }
        Err(e) => {
            println!("results: none readable ({e:#})");
            if args.checksum {
                bail!("no results to checksum in {}", dir.display());
            }
        }
    }
    list_products(dir, args.checksum)
}

/// Products of the run folder and its `inputs/` and `geo/` subfolders, by stem.
fn product_stems(dir: &std::path::Path) -> Vec<String> {
    let mut stems = Vec::new();
    for sub in ["", "inputs", "geo"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let stem = [".h5.part", ".h5", ".zarr"]
                .iter()
                .find_map(|ext| name.strip_suffix(ext));
            if let Some(stem) = stem {
                if stem == "sbas" {
                    continue;
                }
                let full = if sub.is_empty() {
                    stem.to_string()
                } else {
                    format!("{sub}/{stem}")
                };
                if !stems.contains(&full) {
                    stems.push(full);
                }
            }
        }
    }
    stems.sort();
    stems
}

/// Prints one line per product: its type, datasets, size and whether it is finished; with
/// `checksum`, a checksum of its content after the line.
fn list_products(dir: &std::path::Path, checksum: bool) -> anyhow::Result<()> {
    let stems = product_stems(dir);
    if stems.is_empty() {
        return Ok(());
    }
    println!("products:");
    for stem in stems {
        match Product::open(dir, &stem) {
            Ok(p) => {
                let dates = if p.dates().is_empty() {
                    String::new()
                } else {
                    format!(", {} dates", p.dates().len())
                };
                println!(
                    "  {stem}: {} [{}], {} x {}{dates}{}",
                    p.attrs().get("FILE_TYPE").unwrap_or("?"),
                    p.dataset_names().join(", "),
                    p.length(),
                    p.width(),
                    if p.is_complete() {
                        ""
                    } else {
                        ", NOT finished"
                    }
                );
                if checksum {
                    let c = crate::assess::product_checksum(&p)
                        .with_context(|| format!("computing the checksum of {stem}"))?;
                    println!("    checksum: {c:016x}");
                }
            }
            Err(e) => println!("  {stem}: unreadable ({e:#})"),
        }
    }
    Ok(())
}

/// The stages of a template run split into parts: which one is open, and how many strips of each
/// split step every part has made durable.
fn print_stages(dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::template::split::{open_stage, step_dir, STRIP_STEPS};
    let stage = open_stage(dir)?;
    println!(
        "stage open: {}",
        stage
            .as_deref()
            .unwrap_or("invert_network (the inversion's parts)")
    );
    for step in STRIP_STEPS {
        let (total, parts) = crate::product::pass_split::step_progress(&step_dir(dir, step))?;
        if parts.is_empty() {
            continue;
        }
        let total = total.map_or("?".to_string(), |t| t.to_string());
        let list: Vec<String> = parts
            .iter()
            .map(|(name, done)| format!("part {}: {done}", name.replace("-of-", "/")))
            .collect();
        println!("  {step}: strips done of {total}: {}", list.join(", "));
    }
    Ok(())
}
