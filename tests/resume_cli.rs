//! Re-running `sbas invert` on a run folder: a finished run is not recomputed, a changed input or
//! setting is refused with what changed, `--restart` starts over, a second process is locked
//! out, and `sbas info` tells complete from partial.

use std::fs::{self, File};
use std::path::Path;

use crate::common::{sbas, small_stack, stderr};
use sbas::simulate::Effects;

fn invert(stack: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ref-yx",
        "10,12",
    ];
    args.extend_from_slice(extra);
    sbas(&args)
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn rerun_resume_refusal_restart_and_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = small_stack(tmp.path(), 20, 24, 8, Effects::all(), 31);
    let out = tmp.path().join("run");

    let first = invert(&stack, &out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let info = stdout(&sbas(&["info", out.to_str().unwrap(), "--checksum"]));
    assert!(info.contains("state: complete"), "{info}");
    let sum = info
        .lines()
        .find(|l| l.starts_with("checksum:"))
        .unwrap()
        .to_string();

    // The same command again: nothing to do, same result.
    let again = invert(&stack, &out, &[]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("already holds the complete result"),
        "{}",
        stderr(&again)
    );
    assert!(stdout(&sbas(&["info", out.to_str().unwrap(), "--checksum"])).contains(&sum));

    // A changed setting is refused, naming it and the way out.
    let res = invert(&stack, &out, &["--weight", "no"]);
    assert_eq!(res.status.code(), Some(1));
    let err = stderr(&res);
    assert!(
        err.contains("weight: was var, now no") && err.contains("--restart"),
        "{err}"
    );

    // A changed input is refused, naming the file.
    let mut pairs: Vec<_> = fs::read_dir(stack.join("merged/interferograms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pairs.sort();
    let cor = pairs[0].join("filt_fine.cor");
    let bytes = fs::read(&cor).unwrap();
    fs::write(&cor, &bytes).unwrap(); // same bytes, new modification time
    let res = invert(&stack, &out, &[]);
    assert_eq!(res.status.code(), Some(1));
    let err = stderr(&res);
    assert!(err.contains("filt_fine.cor was modified"), "{err}");

    // --restart starts over and succeeds; the result is the same as before (same inputs' bytes).
    let res = invert(&stack, &out, &["--restart"]);
    assert!(res.status.success(), "{}", stderr(&res));
    assert!(stdout(&sbas(&["info", out.to_str().unwrap(), "--checksum"])).contains(&sum));

    // A second process on the same folder is refused while the first holds the lock.
    let lock = File::open(out.join(".sbas/lock")).unwrap();
    lock.try_lock().unwrap();
    let res = invert(&stack, &out, &["--restart"]);
    assert_eq!(res.status.code(), Some(1));
    assert!(
        stderr(&res).contains("another sbas process"),
        "{}",
        stderr(&res)
    );
    assert!(stdout(&sbas(&["info", out.to_str().unwrap()])).contains("state: complete"));
    drop(lock);
}

#[test]
fn info_reports_partial_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = small_stack(tmp.path(), 40, 30, 8, Effects::all(), 32);
    let out = tmp.path().join("run");
    let res = invert(&stack, &out, &["--max-memory", "48.3MiB"]);
    assert!(res.status.success(), "{}", stderr(&res));
    // Forget the last chunks as if the run had been killed before them.
    let done = out.join(".sbas/done");
    let text = fs::read_to_string(&done).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 2, "the test needs several chunks");
    fs::write(&done, format!("{}\n", lines[..2].join("\n"))).unwrap();
    let manifest = out.join(".sbas/run.json");
    let m = fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"complete\": true", "\"complete\": false");
    fs::write(&manifest, m).unwrap();
    let info = stdout(&sbas(&["info", out.to_str().unwrap()]));
    assert!(
        info.contains(&format!("NOT complete: 2 of {} chunks done", lines.len())),
        "{info}"
    );
    let res = invert(&stack, &out, &["--max-memory", "48.3MiB"]);
    assert!(
        stderr(&res).contains(&format!(
            "resuming: 2 of {} chunks were already done",
            lines.len()
        )),
        "{}",
        stderr(&res)
    );
    assert!(stdout(&sbas(&["info", out.to_str().unwrap()])).contains("state: complete"));
    // A smaller budget than the plan needs is refused with the size to give.
    fs::write(&done, "").unwrap();
    let m = fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"complete\": true", "\"complete\": false");
    fs::write(&manifest, m).unwrap();
    let res = invert(&stack, &out, &["--max-memory", "48.1MiB"]);
    assert_eq!(res.status.code(), Some(1));
    assert!(
        stderr(&res).contains("resume it with --max-memory"),
        "{}",
        stderr(&res)
    );
}
