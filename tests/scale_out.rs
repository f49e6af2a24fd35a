//! A run split into prepare, parts and finalize in separate processes equals the
//! single-process run bit for bit; bad use of parts is refused with clear errors.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Output};

use crate::common::{files_with_bytes, sbas, small_stack, stderr};
use sbas::simulate::Effects;

/// Several chunks of a small stack (the budget leaves room for a few rows per chunk).
const BUDGET: &str = "48.3MiB";

fn args<'a>(stack: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--max-memory",
        BUDGET,
    ];
    a.extend_from_slice(extra);
    a
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn refused(o: Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(needle),
        "want '{needle}' in: {}",
        stderr(&o)
    );
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn checksum(dir: &Path) -> String {
    let info = stdout(&ok(sbas(&["info", dir.to_str().unwrap(), "--checksum"])));
    assert!(info.contains("state: complete"), "{info}");
    info.lines()
        .find(|l| l.starts_with("checksum:"))
        .unwrap()
        .to_string()
}

#[test]
fn three_parts_equal_one_process_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = small_stack(tmp.path(), 90, 30, 8, Effects::all(), 41);
    let single = tmp.path().join("single");
    let split = tmp.path().join("split");
    ok(sbas(&args(&stack, &single, &[])));
    let want = checksum(&single);

    refused(
        sbas(&["finalize", split.to_str().unwrap()]),
        "was never prepared",
    );
    refused(
        sbas(&args(&stack, &split, &["--part", "1/3"])),
        "was never prepared",
    );
    ok(sbas(&args(&stack, &split, &["--prepare", "--parts", "3"])));
    ok(sbas(&args(&stack, &split, &["--part", "1/3"])));
    let info = stdout(&sbas(&["info", split.to_str().unwrap()]));
    let chunks: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("plan: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        chunks >= 6,
        "the test needs several chunks per part: {info}"
    );
    let share = |i: usize| (i - 1..chunks).step_by(3).count();
    assert!(
        info.contains(&format!("part 1/3: {0} of {0} chunks done", share(1)))
            && info.contains(&format!("part 2/3: 0 of {} chunks done", share(2))),
        "{info}"
    );
    // The third part runs, then "is killed": its log keeps only its first chunk.
    ok(sbas(&args(&stack, &split, &["--part", "3/3"])));
    let log = split.join(".sbas/parts/3-of-3.done");
    let first = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    fs::write(&log, format!("{first}\n")).unwrap();
    // Finalize refuses, naming what is missing and who owns it.
    let o = sbas(&["finalize", split.to_str().unwrap()]);
    refused(o, "part 2/3: chunks 1, 4");
    refused(
        sbas(&["finalize", split.to_str().unwrap()]),
        "part 3/3: chunks 5, 8",
    );
    ok(sbas(&args(&stack, &split, &["--part", "2/3"])));
    let resumed = ok(sbas(&args(&stack, &split, &["--part", "3/3"])));
    assert!(
        stderr(&resumed).contains(&format!(
            "part 3/3: {} of its {} chunks to invert (1 already durable)",
            share(3) - 1,
            share(3)
        )),
        "{}",
        stderr(&resumed)
    );
    ok(sbas(&["finalize", split.to_str().unwrap()]));
    assert_eq!(checksum(&split), want);
    assert!(
        files_with_bytes(&single.join("sbas.zarr")) == files_with_bytes(&split.join("sbas.zarr")),
        "the stores differ in some file"
    );
    assert!(
        files_with_bytes(&single.join("inputs")) == files_with_bytes(&split.join("inputs")),
        "the geometry differs"
    );
    // Parts and finalize of a complete run have nothing to do.
    ok(sbas(&args(&stack, &split, &["--part", "1/3"])));
    ok(sbas(&["finalize", split.to_str().unwrap()]));
    assert_eq!(checksum(&split), want);
}

#[test]
fn bad_use_of_parts_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = small_stack(tmp.path(), 40, 30, 8, Effects::all(), 42);
    let run = tmp.path().join("run");
    ok(sbas(&args(&stack, &run, &["--prepare", "--parts", "3"])));
    refused(
        sbas(&args(&stack, &run, &["--part", "5/4"])),
        "part 5/4 does not exist",
    );
    refused(
        sbas(&args(&stack, &run, &["--part", "0/0"])),
        "at least one part",
    );
    refused(
        sbas(&args(&stack, &run, &["--part", "1/2"])),
        "is split into 3 parts, not 2",
    );
    refused(
        sbas(&args(&stack, &run, &["--part", "1/3", "--weight", "no"])),
        "weight: was var, now no",
    );
    // Another process on the same part.
    fs::create_dir_all(run.join(".sbas/parts")).unwrap();
    let lock = File::create(run.join(".sbas/parts/2-of-3.lock")).unwrap();
    lock.try_lock().unwrap();
    refused(sbas(&args(&stack, &run, &["--part", "2/3"])), "part 2/3 of");
    let info = stdout(&sbas(&["info", run.to_str().unwrap()]));
    assert!(
        info.contains("part 2/3: 0 of") && info.contains("running now"),
        "{info}"
    );
    drop(lock);
    // A single-process run holds the folder: parts wait for it.
    let folder = File::open(run.join(".sbas/lock")).unwrap();
    folder.try_lock().unwrap();
    refused(
        sbas(&args(&stack, &run, &["--part", "2/3"])),
        "part 2/3 waits for it",
    );
    drop(folder);
    // Inside a SLURM array task the part comes from its environment, and says so.
    let o = Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(args(&stack, &run, &[]))
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .output()
        .unwrap();
    let o = ok(o);
    assert!(
        stderr(&o).contains("part 1/3 (from SLURM_ARRAY_TASK_ID=1"),
        "{}",
        stderr(&o)
    );
    assert!(run.join(".sbas/parts/1-of-3.done").exists());
    assert!(!run.join(".sbas/parts/2-of-3.done").exists());
}

#[test]
fn slurm_scripts_run_as_an_array_equal_one_process() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = small_stack(tmp.path(), 90, 30, 8, Effects::all(), 43);
    let single = tmp.path().join("single");
    let split = tmp.path().join("split");
    ok(sbas(&args(&stack, &single, &[])));
    let mut a = vec!["slurm", "--parts", "3", "--sbatch-opt", "--time=00:10:00"];
    a.extend_from_slice(&args(&stack, &split, &["-q"])[1..]);
    let o = ok(sbas(&a));
    assert!(stdout(&o).contains("xargs -P 3"), "{}", stdout(&o));
    let script = |name: &str| split.join(name);
    let text = fs::read_to_string(script("parts.sbatch")).unwrap();
    assert!(text.contains("#SBATCH --array=1-3\n") && text.contains("#SBATCH --time=00:10:00\n"));
    // The scripts run as SLURM would run them: prepare, the array's tasks in any order, finalize.
    let bash = |name: &str, task: Option<&str>| {
        let mut c = Command::new("bash");
        c.arg(script(name));
        if let Some(t) = task {
            c.env("SLURM_ARRAY_TASK_ID", t);
        }
        ok(c.output().unwrap())
    };
    bash("prepare.sbatch", None);
    for t in ["3", "1", "2"] {
        bash("parts.sbatch", Some(t));
    }
    bash("finalize.sbatch", None);
    assert_eq!(checksum(&split), checksum(&single));
    refused(
        sbas(&[
            "slurm",
            "--parts",
            "2",
            stack.to_str().unwrap(),
            "--out",
            "x",
            "--submit",
        ]),
        "--submit is an option of `sbas slurm`",
    );
}
