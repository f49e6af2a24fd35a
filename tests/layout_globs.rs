//! Which files form the stack: `sbas invert --unw-file ...` and the template's
//! `mintpy.load.*File` globs, on a simulated topsStack whose files are renamed.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use sbas::simulate::Effects;

/// A copy of `stack` whose interferograms are `unwrapped.unw` and coherences `coh.cor`
/// (with their `.xml` sidecars), as a processor of other names would leave them.
fn renamed_copy(stack: &Path, to: &Path) -> PathBuf {
    let status = std::process::Command::new("cp")
        .args(["-r", stack.to_str().unwrap(), to.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    for pair in fs::read_dir(to.join("merged/interferograms")).unwrap() {
        let dir = pair.unwrap().path();
        for (from, into) in [
            ("filt_fine.unw", "unwrapped.unw"),
            ("filt_fine.cor", "coh.cor"),
        ] {
            fs::rename(dir.join(from), dir.join(into)).unwrap();
            fs::rename(
                dir.join(format!("{from}.xml")),
                dir.join(format!("{into}.xml")),
            )
            .unwrap();
            fs::remove_file(dir.join(format!("{from}.vrt"))).unwrap();
        }
    }
    to.to_path_buf()
}

fn checksum(run: &Path) -> String {
    let o = common::sbas(&["info", run.to_str().unwrap(), "--checksum"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("checksum"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn invert_takes_the_files_from_globs_given_as_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 12, 14, 5, Effects::noise_free(), 3);
    let copy = renamed_copy(&stack, &tmp.path().join("renamed"));
    let run = |s: &Path, out: &str, extra: &[&str]| {
        let out = tmp.path().join(out);
        let mut args = vec![
            "invert",
            s.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--ref-yx",
            "4,4",
        ];
        args.extend_from_slice(extra);
        (common::sbas(&args), out)
    };
    let (o, base) = run(&stack, "base", &["-q"]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    // The default globs find nothing: every pair folder is named, and the flag suggested.
    let (o, _) = run(&copy, "none", &["-q"]);
    let e = common::stderr(&o);
    assert!(!o.status.success());
    assert!(e.contains("empty stack") && e.contains("filt*.unw"), "{e}");
    assert!(e.contains("--unw-file"), "{e}");

    let unw = copy.join("merged/interferograms/*/unwrapped.unw");
    let cor = copy.join("merged/interferograms/*/coh.cor");
    let (o, out) = run(
        &copy,
        "globbed",
        &[
            "--unw-file",
            unw.to_str().unwrap(),
            "--cor-file",
            cor.to_str().unwrap(),
        ],
    );
    let said = format!(
        "{}{}",
        common::stderr(&o),
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(o.status.success(), "{said}");
    assert!(said.contains("ISCE2 topsStack: 9 interferograms"), "{said}");
    assert!(said.contains("unwrapped.unw"), "{said}");
    assert_eq!(checksum(&out), checksum(&base));

    // A layer turned off is not read: the default weights need the coherence.
    let (o, _) = run(
        &copy,
        "no-cor",
        &[
            "-q",
            "--unw-file",
            unw.to_str().unwrap(),
            "--cor-file",
            "none",
        ],
    );
    let e = common::stderr(&o);
    assert!(
        !o.status.success() && e.contains("no Coherence layer"),
        "{e}"
    );
}

#[test]
fn run_passes_the_template_globs_to_the_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 12, 14, 5, Effects::noise_free(), 3);
    renamed_copy(&stack, &tmp.path().join("renamed"));
    let work = tmp.path().join("mintpy");
    fs::create_dir_all(&work).unwrap();
    let tpl = work.join("t.txt");
    fs::write(
        &tpl,
        "mintpy.load.processor = isce\n\
         mintpy.load.unwFile = ../renamed/merged/interferograms/*/unwrapped.unw\n\
         mintpy.load.corFile = ../renamed/merged/interferograms/*/coh.cor\n\
         mintpy.reference.yx = 4,4\n",
    )
    .unwrap();
    let o = common::sbas(&[
        "run",
        tpl.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
        "--end",
        "load_data",
    ]);
    let said = format!(
        "{}{}",
        common::stderr(&o),
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(o.status.success(), "{said}");
    assert!(said.contains("9 interferograms from unwFile"), "{said}");
    assert!(said.contains("coh.cor"), "{said}");
}
