//! The README's first command: `sbas demo` works, and works again in the same folder.

use crate::common;

#[test]
fn demo_runs_twice_and_leaves_velocity_and_pictures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let dir_s = dir.to_str().expect("utf-8 path");
    for round in 0..2 {
        let out = common::sbas(&["demo", dir_s]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "round {round}: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("RMSE"), "{stdout}");
    }
    assert!(dir.join("run/velocity.zarr/zarr.json").exists());
    let png = std::fs::read(dir.join("run/pic/velocity.png")).expect("velocity picture");
    assert_eq!(&png[1..4], b"PNG");
}
