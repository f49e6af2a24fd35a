//! A full disk ends the run with a clear error and no complete-looking output, and the same
//! command resumes once space is back, giving the same result as a run that never failed.
//! Uses a small tmpfs, which needs root; elsewhere the test says so and checks nothing.

use std::path::Path;
use std::process::Command;

use crate::common::{has_complete_output, sbas, small_stack, stderr};
use sbas::simulate::Effects;

struct Mount<'a>(&'a Path);

impl Drop for Mount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

fn checksum(run: &Path) -> String {
    let out = sbas(&["info", run.to_str().unwrap(), "--checksum"]);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("checksum: ").map(str::to_string))
        .expect("a checksum line")
}

#[test]
fn full_disk_is_a_clear_error_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    if !mount_tmpfs(&disk, "1m") {
        eprintln!("full_disk: cannot mount a tmpfs here (not root?): nothing checked");
        return;
    }
    let _guard = Mount(&disk);
    // 40 dates x 120 x 150 pixels of f32 is 2.9 MB of time series: more than the 1 MiB disk.
    let stack = small_stack(tmp.path(), 120, 150, 40, Effects::all(), 21);
    let reference = tmp.path().join("reference");
    for format in ["zarr", "hdf5"] {
        let run = disk.join(format!("run-{format}"));
        let args = |out: &Path| {
            vec![
                "invert".to_string(),
                stack.display().to_string(),
                "--out".into(),
                out.display().to_string(),
                "--format".into(),
                format.into(),
                "--max-memory".into(),
                "52MiB".into(),
                "-q".into(),
            ]
        };
        let run_args = args(&run);
        let argv: Vec<&str> = run_args.iter().map(|s| s.as_str()).collect();
        let res = sbas(&argv);
        let err = stderr(&res);
        assert_eq!(res.status.code(), Some(1), "{format}: {err}");
        assert!(err.contains("No space left on device"), "{format}: {err}");
        assert!(
            err.contains("run the same command again"),
            "{format}: {err}"
        );
        assert!(!err.contains("panicked"), "{format}: {err}");
        assert!(
            !has_complete_output(&run),
            "{format}: output looks complete on a full disk"
        );

        // Space is back: the same command resumes and completes.
        assert!(Command::new("mount")
            .args(["-o", "remount,size=64m"])
            .arg(&disk)
            .status()
            .unwrap()
            .success());
        let res = sbas(&argv);
        assert!(res.status.success(), "{format}: {}", stderr(&res));
        let ref_run = reference.join(format);
        let ref_args = args(&ref_run);
        let ref_argv: Vec<&str> = ref_args.iter().map(|s| s.as_str()).collect();
        assert!(sbas(&ref_argv).status.success());
        assert_eq!(
            checksum(&run),
            checksum(&ref_run),
            "{format}: resumed result differs"
        );
        // Shrink the disk again for the next format.
        std::fs::remove_dir_all(&run).unwrap();
        assert!(Command::new("mount")
            .args(["-o", "remount,size=1m"])
            .arg(&disk)
            .status()
            .unwrap()
            .success());
    }
}
