//! `sbas finalize`: the last phase of a run split into parts.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use super::invert::{init_threads, parse_invert_args, print_outputs};
use crate::resume::{read_invocation, read_run_invocation, summarize};
use crate::slurm::shell_quote;
use crate::workflow::{invert_stack_phase, Phase};

/// Options of `sbas finalize`.
#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// The run folder of `sbas invert ... --prepare`.
    pub run_dir: PathBuf,
    /// Print only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs `sbas finalize`: replays the prepared command (from the folder it was given in) as the
/// finalize phase.
pub fn run(args: &FinalizeArgs) -> anyhow::Result<()> {
    let dir = &args.run_dir;
    let Some(inv) = read_invocation(dir)? else {
        if let Some(run) = read_run_invocation(dir)? {
            bail!(
                "{} was prepared by `sbas run` from a template: finalize it with `cd {} && sbas \
                 run {} --finalize` (which then runs the rest of the chain)",
                dir.display(),
                shell_quote(&run.cwd.display().to_string()),
                without_prepare(&run.args)
                    .iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        if summarize(dir)?.is_some() {
            bail!(
                "{} holds a run that was not prepared with `sbas invert ... --prepare`: run its \
                 `sbas invert` command again to finish it",
                dir.display()
            );
        }
        bail!(
            "{} was never prepared: nothing to finalize (run `sbas invert ... --prepare`, then \
             its parts)",
            dir.display()
        );
    };
    let here = dir
        .canonicalize()
        .with_context(|| format!("cannot open {}", dir.display()))?;
    let mut prepared = parse_invert_args(&inv.args)
        .with_context(|| format!("the command recorded in {} no longer parses", dir.display()))?;
    std::env::set_current_dir(&inv.cwd).with_context(|| {
        format!(
            "cannot enter {}, the folder the run was prepared from",
            inv.cwd.display()
        )
    })?;
    let recorded = prepared.out.canonicalize().ok();
    if recorded.as_ref() != Some(&here) {
        bail!(
            "{} was prepared as {}: finalize it there (run folders cannot move between prepare \
             and finalize)",
            dir.display(),
            prepared.out.display()
        );
    }
    prepared.quiet = args.quiet;
    prepared.prepare = false;
    let opts = prepared.options()?;
    init_threads(prepared.threads)?;
    let report = invert_stack_phase(&prepared.stack, &prepared.out, &opts, Phase::Finalize)?;
    print_outputs(&prepared, &report)
}

/// The prepare step's arguments without `--prepare` and `--parts N`: the other phases' arguments.
fn without_prepare(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--prepare" => {}
            "--parts" => {
                it.next();
            }
            _ if a.starts_with("--parts=") => {}
            _ => out.push(a.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_phases_drop_the_prepare_flags() {
        let a: Vec<String> = [
            "t.txt",
            "--prepare",
            "--parts",
            "3",
            "--dir",
            "w",
            "--parts=2",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(without_prepare(&a), ["t.txt", "--dir", "w"]);
    }
}
