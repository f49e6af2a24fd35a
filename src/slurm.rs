//! The job scripts of a run split across a SLURM job array (prepare, the parts, finalize), and
//! the same commands for schedulers sbas does not know (GNU parallel, `xargs -P`, PBS, AWS
//! Batch). Pure text: `sbas slurm` writes and submits them.

use std::path::PathBuf;

/// Which command a split run replays in its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitCommand {
    /// `sbas invert`: finalized by `sbas finalize RUN_DIR`.
    Invert,
    /// `sbas run TEMPLATE`: finalized by `sbas run ... --finalize`, which also runs the steps
    /// after the inversion.
    Run,
}

/// A run to split: the `sbas` binary, the folder its arguments are relative to, the command and
/// its arguments, the run folder, and how many parts.
#[derive(Debug, Clone)]
pub struct ScaleOut {
    /// The `sbas` executable the jobs run.
    pub sbas: PathBuf,
    /// The folder the jobs start in (relative paths and globs of the arguments are from there).
    pub cwd: PathBuf,
    /// The command the jobs run.
    pub command: SplitCommand,
    /// Arguments after `sbas invert` (stack, `--out`, settings) or `sbas run` (template, `--dir`,
    /// options).
    pub args: Vec<String>,
    /// The run folder (absolute): scripts and logs go there.
    pub run_dir: PathBuf,
    /// Number of parts (array tasks).
    pub parts: usize,
    /// `sbatch` options written as `#SBATCH` lines into every script (e.g. `--partition=cpu`).
    pub sbatch_opts: Vec<String>,
    /// The steps split across the parts, one stage of parts each, in order: `invert_network`
    /// alone for `sbas invert`; for a template run also `correct_topography` and `velocity`
    /// when they run (the parts and finalize scripts are then submitted once per stage).
    pub stages: Vec<String>,
}

/// The three job scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobScripts {
    /// `prepare.sbatch`: one job.
    pub prepare: String,
    /// `parts.sbatch`: the array `1-N`, submitted with `--dependency=afterok:PREPARE`.
    pub parts: String,
    /// `finalize.sbatch`: one job, submitted with `--dependency=afterok:ARRAY`.
    pub finalize: String,
}

/// File names of the scripts in the run folder, in submission order.
pub const SCRIPT_NAMES: [&str; 3] = ["prepare.sbatch", "parts.sbatch", "finalize.sbatch"];

/// Quotes `s` for a POSIX shell (single quotes; nothing is expanded inside).
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

impl ScaleOut {
    fn words(&self, tail: &[String]) -> String {
        let sub = match self.command {
            SplitCommand::Invert => "invert",
            SplitCommand::Run => "run",
        };
        std::iter::once(self.sbas.display().to_string())
            .chain(std::iter::once(sub.to_string()))
            .chain(self.args.iter().cloned())
            .map(|w| shell_quote(&w))
            .chain(tail.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The prepare command (shell words).
    pub fn prepare_command(&self) -> String {
        self.words(&["--prepare".into(), "--parts".into(), self.parts.to_string()])
    }

    /// The command of part `index` (shell text; `index` may be a shell expansion).
    pub fn part_command(&self, index: &str) -> String {
        self.words(&["--part".into(), format!("{index}/{}", self.parts)])
    }

    /// The finalize command (a template run's from the folder its arguments are relative to).
    pub fn finalize_command(&self) -> String {
        if self.command == SplitCommand::Run {
            return self.words(&["--finalize".into()]);
        }
        format!(
            "{} finalize {}",
            shell_quote(&self.sbas.display().to_string()),
            shell_quote(&self.run_dir.display().to_string())
        )
    }

    fn script(&self, name: &str, log: &str, extra: &[String], what: &str, cmd: &str) -> String {
        let mut s = String::from("#!/bin/bash\n");
        s += &format!("#SBATCH --job-name={name}\n");
        let log = self.run_dir.join("logs").join(log);
        s += &format!("#SBATCH --output={}\n", log.display());
        for o in extra.iter().chain(&self.sbatch_opts) {
            s += &format!("#SBATCH {o}\n");
        }
        s += &format!("# Written by `sbas slurm`: {what}\n");
        s += "set -euo pipefail\n";
        s += &format!("cd {}\n", shell_quote(&self.cwd.display().to_string()));
        s += &format!("exec {cmd}\n");
        s
    }

    /// The three scripts. The array's task id is the part index, so one part can be submitted
    /// again alone (`sbatch --array=3 parts.sbatch`) and keeps its number.
    pub fn scripts(&self) -> JobScripts {
        let n = self.parts;
        JobScripts {
            prepare: self.script(
                "sbas-prepare",
                "prepare-%j.out",
                &[],
                "survey, reference point, chunk plan, empty store (no inversion).",
                &self.prepare_command(),
            ),
            parts: self.script(
                "sbas-part",
                "part-%a-%A.out",
                &[format!("--array=1-{n}"), "--requeue".to_string()],
                &format!(
                    "part SLURM_ARRAY_TASK_ID of {n}{}; submit with \
                     --dependency=afterok:<prepare job>{}. A part killed or requeued resumes.",
                    self.stage_note(" of the stage open"),
                    self.stage_note(" (then again after each finalize but the last)")
                ),
                &self.part_command("${SLURM_ARRAY_TASK_ID}"),
            ),
            finalize: self.script(
                "sbas-finalize",
                "finalize-%j.out",
                &[],
                match self.command {
                    SplitCommand::Invert => {
                        "checks every chunk is durable, writes the final metadata; submit with \
                         --dependency=afterok:<array job>."
                    }
                    SplitCommand::Run => {
                        "checks every chunk of the stage open is durable, finalizes it and runs \
                         the template's steps after it up to the next split step (whose parts \
                         are then due) or the end; submit with \
                         --dependency=afterok:<array job> after each array."
                    }
                },
                &self.finalize_command(),
            ),
        }
    }

    fn stage_note(&self, text: &str) -> String {
        if self.stages.len() > 1 {
            text.to_string()
        } else {
            String::new()
        }
    }

    /// The same run without SLURM: shell lines for GNU parallel or `xargs -P` (or one job per
    /// line of any other scheduler); the parts and the finalize once per stage.
    pub fn plain_commands(&self) -> Vec<String> {
        let cd = format!("cd {}", shell_quote(&self.cwd.display().to_string()));
        let mut out = vec![format!("{cd} && {}", self.prepare_command())];
        let k = self.stages.len().max(1);
        for (i, step) in self.stages.iter().enumerate() {
            if k > 1 {
                out.push(format!("# stage {} of {k}: the parts of {step}", i + 1));
            }
            out.push(format!(
                "{cd} && seq 1 {n} | xargs -P {n} -I{{}} {}",
                self.part_command("{}"),
                n = self.parts
            ));
            if i == 0 {
                out.push(format!(
                    "# or: {cd} && parallel {} ::: $(seq 1 {})",
                    self.part_command("{}"),
                    self.parts
                ));
            }
            out.push(match self.command {
                SplitCommand::Invert => self.finalize_command(),
                SplitCommand::Run => format!("{cd} && {}", self.finalize_command()),
            });
        }
        out
    }

    /// The scripts in submission order, each submitted after the one before: prepare, then the
    /// parts and the finalize once per stage.
    pub fn submission_order(&self) -> Vec<(usize, String)> {
        let mut order = vec![(0, "prepare".to_string())];
        let k = self.stages.len().max(1);
        for (i, step) in self.stages.iter().enumerate() {
            let note = if k > 1 {
                format!(" (stage {} of {k}: {step})", i + 1)
            } else {
                String::new()
            };
            order.push((1, note.clone()));
            order.push((2, note));
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ScaleOut {
        ScaleOut {
            sbas: "/opt/sbas/bin/sbas".into(),
            cwd: "/home/u/proj".into(),
            command: SplitCommand::Invert,
            args: vec![
                "stack".into(),
                "--out".into(),
                "/scratch/run 1".into(),
                "--unw-file".into(),
                "merged/*/filt.unw".into(),
            ],
            run_dir: "/scratch/run 1".into(),
            parts: 4,
            sbatch_opts: vec!["--partition=cpu".into(), "--time=02:00:00".into()],
            stages: vec!["invert_network".into()],
        }
    }

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("a/b-1.h5"), "a/b-1.h5");
        assert_eq!(shell_quote("merged/*/x"), "'merged/*/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn scripts_chain_prepare_array_finalize() {
        let s = spec().scripts();
        assert_eq!(
            s.prepare,
            "#!/bin/bash\n\
             #SBATCH --job-name=sbas-prepare\n\
             #SBATCH --output=/scratch/run 1/logs/prepare-%j.out\n\
             #SBATCH --partition=cpu\n\
             #SBATCH --time=02:00:00\n\
             # Written by `sbas slurm`: survey, reference point, chunk plan, empty store (no inversion).\n\
             set -euo pipefail\n\
             cd /home/u/proj\n\
             exec /opt/sbas/bin/sbas invert stack --out '/scratch/run 1' --unw-file 'merged/*/filt.unw' \
             --prepare --parts 4\n"
        );
        assert!(s
            .parts
            .contains("\n#SBATCH --array=1-4\n#SBATCH --requeue\n"));
        assert!(s.parts.contains("/logs/part-%a-%A.out\n"));
        assert!(s.parts.ends_with(
            "exec /opt/sbas/bin/sbas invert stack --out '/scratch/run 1' --unw-file \
             'merged/*/filt.unw' --part ${SLURM_ARRAY_TASK_ID}/4\n"
        ));
        assert!(s
            .finalize
            .ends_with("exec /opt/sbas/bin/sbas finalize '/scratch/run 1'\n"));
        for text in [&s.prepare, &s.parts, &s.finalize] {
            assert!(text.contains("#SBATCH --partition=cpu\n#SBATCH --time=02:00:00\n"));
        }
    }

    #[test]
    fn plain_commands_run_every_part() {
        let c = spec().plain_commands();
        assert_eq!(c.len(), 4);
        assert!(c[0].starts_with("cd /home/u/proj && /opt/sbas/bin/sbas invert stack"));
        assert!(c[1].contains("seq 1 4 | xargs -P 4 -I{} /opt/sbas/bin/sbas invert stack"));
        assert!(c[1].ends_with("--part {}/4"));
        assert_eq!(c[3], "/opt/sbas/bin/sbas finalize '/scratch/run 1'");
    }

    #[test]
    fn a_template_run_is_finalized_by_sbas_run() {
        let spec = ScaleOut {
            command: SplitCommand::Run,
            args: vec!["t.txt".into(), "--end".into(), "velocity".into()],
            ..spec()
        };
        let s = spec.scripts();
        assert!(s
            .prepare
            .ends_with("exec /opt/sbas/bin/sbas run t.txt --end velocity --prepare --parts 4\n"));
        assert!(s.parts.ends_with(
            "exec /opt/sbas/bin/sbas run t.txt --end velocity --part ${SLURM_ARRAY_TASK_ID}/4\n"
        ));
        assert!(s.finalize.contains("\ncd /home/u/proj\n"));
        assert!(s
            .finalize
            .ends_with("exec /opt/sbas/bin/sbas run t.txt --end velocity --finalize\n"));
        assert_eq!(
            spec.plain_commands()[3],
            "cd /home/u/proj && /opt/sbas/bin/sbas run t.txt --end velocity --finalize"
        );
    }

    #[test]
    fn a_template_run_in_three_stages_submits_parts_and_finalize_three_times() {
        let spec = ScaleOut {
            command: SplitCommand::Run,
            args: vec!["t.txt".into()],
            stages: vec![
                "invert_network".into(),
                "correct_topography".into(),
                "velocity".into(),
            ],
            ..spec()
        };
        let order: Vec<usize> = spec.submission_order().iter().map(|o| o.0).collect();
        assert_eq!(order, [0, 1, 2, 1, 2, 1, 2]);
        assert!(spec.submission_order()[3]
            .1
            .contains("stage 2 of 3: correct_topography"));
        let c = spec.plain_commands();
        assert_eq!(c.iter().filter(|l| l.ends_with("--finalize")).count(), 3);
        assert_eq!(c.iter().filter(|l| l.contains("xargs")).count(), 3);
        assert!(spec.scripts().parts.contains("of the stage open"));
    }
}
