//! `sbas slurm`: writes (and with `--submit`, submits) the job scripts of a run split across a
//! SLURM job array.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use clap::Args;

use super::invert::parse_invert_args;
use super::run::parse_run_args;
use crate::slurm::{shell_quote, ScaleOut, SplitCommand, SCRIPT_NAMES};

/// Options of `sbas slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// Number of parts: the array's tasks, each inverting a disjoint share of the chunks.
    #[arg(long, value_name = "N")]
    pub parts: usize,
    /// An option for `sbatch`, written as an `#SBATCH` line into every script (repeatable; words
    /// separated by spaces become separate lines), e.g. `--sbatch-opt --partition=cpu
    /// --sbatch-opt --time=04:00:00`.
    #[arg(long = "sbatch-opt", value_name = "OPT", allow_hyphen_values = true)]
    pub sbatch_opt: Vec<String>,
    /// Submit the three scripts with `sbatch`, chained with `--dependency=afterok`, and print
    /// their job ids.
    #[arg(long)]
    pub submit: bool,
    /// The `sbas invert` arguments of the run (STACK --out RUN_DIR and settings), after the
    /// options above (or after `--`); or `run TEMPLATE [sbas run options]` to split a template
    /// run (its inversion in the parts, the later steps in the finalize job).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "INVERT_ARGS"
    )]
    pub invert: Vec<String>,
}

/// Runs `sbas slurm`.
pub fn run(args: &SlurmArgs) -> anyhow::Result<()> {
    crate::parts::Part::new(1, args.parts).context("--parts")?;
    let own = ["--submit", "--parts", "--sbatch-opt"];
    if let Some(o) = args
        .invert
        .iter()
        .find(|a| own.iter().any(|o| a.split('=').next() == Some(*o)))
    {
        bail!(
            "{o} is an option of `sbas slurm`: put it before the `sbas invert` arguments \
             (sbas slurm --parts N [--sbatch-opt OPT] [--submit] STACK --out RUN_DIR ...)"
        );
    }
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let (command, cmd_args, out, stages) = split_command(&args.invert, &cwd)?;
    std::fs::create_dir_all(out.join("logs"))
        .with_context(|| format!("creating {}", out.join("logs").display()))?;
    let run_dir = out
        .canonicalize()
        .with_context(|| format!("cannot open {}", out.display()))?;
    let spec = ScaleOut {
        sbas: std::env::current_exe().context("finding the sbas executable")?,
        cwd,
        command,
        args: cmd_args,
        run_dir: run_dir.clone(),
        parts: args.parts,
        sbatch_opts: args
            .sbatch_opt
            .iter()
            .flat_map(|o| o.split_whitespace().map(str::to_string))
            .collect(),
        stages,
    };
    let scripts = spec.scripts();
    let paths: Vec<PathBuf> = SCRIPT_NAMES.iter().map(|n| run_dir.join(n)).collect();
    for (path, text) in paths
        .iter()
        .zip([&scripts.prepare, &scripts.parts, &scripts.finalize])
    {
        write_script(path, text)?;
    }
    if args.submit {
        return submit(&paths, &spec.submission_order());
    }
    let q = |p: &Path| shell_quote(&p.display().to_string());
    println!(
        "wrote {}",
        paths.iter().map(|p| q(p)).collect::<Vec<_>>().join(" ")
    );
    println!("submit them with SLURM (or run `sbas slurm --submit ...`):");
    println!("  j=$(sbatch --parsable {})", q(&paths[0]));
    if spec.stages.len() > 1 {
        println!("  # once per stage ({}):", spec.stages.join(", then "));
    }
    println!(
        "  j=$(sbatch --parsable --dependency=afterok:${{j%%;*}} {})",
        q(&paths[1])
    );
    println!(
        "  j=$(sbatch --parsable --dependency=afterok:${{j%%;*}} {})",
        q(&paths[2])
    );
    println!("or without SLURM (one line per phase; the parts in parallel, in any order):");
    for c in spec.plain_commands() {
        println!("  {c}");
    }
    Ok(())
}

/// The command the jobs replay, its arguments, and the folder its outputs go to (checked now, so
/// a mistake fails here rather than in the prepare job).
fn split_command(
    words: &[String],
    cwd: &Path,
) -> anyhow::Result<(SplitCommand, Vec<String>, PathBuf, Vec<String>)> {
    if words.first().map(String::as_str) == Some("run") {
        let rest = words[1..].to_vec();
        let run = parse_run_args(&rest).context("the sbas run arguments")?;
        if run.prepare || run.part.is_some() || run.finalize {
            bail!(
                "give `sbas slurm ... run` the plain `sbas run` arguments: it adds --prepare, \
                 --part and --finalize itself"
            );
        }
        if !run.template.is_file() {
            bail!("the template {} is not a file", run.template.display());
        }
        let out = run.dir.clone().unwrap_or_else(|| cwd.to_path_buf());
        let template = crate::template::Template::read(&run.template)?;
        let config = crate::template::config::RunConfig::from_template(&template)
            .with_context(|| format!("template {}", run.template.display()))?;
        let selected = crate::template::steps::select(
            run.dostep.as_deref(),
            run.start.as_deref(),
            run.end.as_deref(),
        )?;
        let stages = crate::template::split::split_steps(&config, &selected)
            .into_iter()
            .map(str::to_string)
            .collect();
        return Ok((SplitCommand::Run, rest, out, stages));
    }
    let invert = parse_invert_args(words).context("the sbas invert arguments")?;
    if invert.prepare || invert.part.is_some() || invert.restart {
        bail!(
            "give `sbas slurm` the plain `sbas invert` arguments: it adds --prepare and --part \
             itself (and --restart would discard the work of parts already done)"
        );
    }
    invert.options()?;
    Ok((
        SplitCommand::Invert,
        words.to_vec(),
        invert.out,
        vec!["invert_network".to_string()],
    ))
}

fn write_script(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

/// Submits the scripts in order, each depending on the one before, and prints the job ids.
fn submit(paths: &[PathBuf], order: &[(usize, String)]) -> anyhow::Result<()> {
    let mut ids: Vec<String> = Vec::new();
    for (script, note) in order {
        let (name, path) = (SCRIPT_NAMES[*script], &paths[*script]);
        let mut cmd = Command::new("sbatch");
        cmd.arg("--parsable");
        if let Some(prev) = ids.last() {
            cmd.arg(format!("--dependency=afterok:{prev}"));
        }
        let out = cmd.arg(path).output().with_context(|| {
            format!(
                "cannot run sbatch (is SLURM installed here?); the scripts are written in {}",
                path.parent().unwrap_or(Path::new(".")).display()
            )
        })?;
        if !out.status.success() {
            bail!(
                "sbatch refused {}{}: {}",
                path.display(),
                if ids.is_empty() {
                    String::new()
                } else {
                    format!(" (jobs {} are already submitted)", ids.join(", "))
                },
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        // `--parsable` prints `id` or `id;cluster`.
        let text = String::from_utf8_lossy(&out.stdout);
        let id = text.trim().split(';').next().unwrap_or("").to_string();
        if id.is_empty() {
            bail!("sbatch printed no job id for {}", path.display());
        }
        println!("{name}: job {id}{note}");
        ids.push(id);
    }
    Ok(())
}
