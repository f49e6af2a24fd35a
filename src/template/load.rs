//! `mintpy.load.*` paths mapped onto the stacks sbas reads: the ISCE2 topsStack reader finds its
//! files by layout from the project root, so the template's globs must describe that layout;
//! the root is derived from them. Any other layout is refused with the reason.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::Template;

/// The file each load key must name, relative to the topsStack root, as the reader reads it.
/// `*` in a template glob stands for any text within one path component.
const ISCE_LAYOUT: &[(&str, &str)] = &[
    (
        "mintpy.load.unwFile",
        "merged/interferograms/*/filt_fine.unw",
    ),
    (
        "mintpy.load.corFile",
        "merged/interferograms/*/filt_fine.cor",
    ),
    (
        "mintpy.load.connCompFile",
        "merged/interferograms/*/filt_fine.unw.conncomp",
    ),
    ("mintpy.load.demFile", "merged/geom_reference/hgt.rdr"),
    ("mintpy.load.lookupYFile", "merged/geom_reference/lat.rdr"),
    ("mintpy.load.lookupXFile", "merged/geom_reference/lon.rdr"),
    ("mintpy.load.incAngleFile", "merged/geom_reference/los.rdr"),
    ("mintpy.load.azAngleFile", "merged/geom_reference/los.rdr"),
    (
        "mintpy.load.shadowMaskFile",
        "merged/geom_reference/shadowMask.rdr",
    ),
    (
        "mintpy.load.waterMaskFile",
        "merged/geom_reference/waterMask.rdr",
    ),
    ("mintpy.load.metaFile", "reference/IW*.xml"),
    ("mintpy.load.baselineDir", "baselines"),
];

/// MintPy's automatic topsStack paths (`mintpy.load.autoPath = yes`), relative to the work
/// folder: the project root is its parent.
const AUTO_ROOT: &str = "..";

/// Whether glob `pattern` (with `*` and `?`) matches `text` entirely.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a template path pattern (components possibly globbed) can name the layout path
/// `expected` (components possibly `*`): same number of trailing components, each pair
/// compatible. Returns the part of `pattern` before those components (the root).
fn root_of(pattern: &str, expected: &str) -> Option<String> {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let exp: Vec<&str> = expected.split('/').collect();
    if pat.len() < exp.len() {
        return None;
    }
    let tail = &pat[pat.len() - exp.len()..];
    let compatible = tail.iter().zip(&exp).all(|(p, e)| {
        // A layout wildcard (the pair folder) must be globbed or a pair name in the template;
        // a fixed layout name must be matched by the template's glob.
        if e.contains('*') {
            p.contains('*') || glob_match(e, p)
        } else {
            glob_match(p, e)
        }
    });
    if !compatible {
        return None;
    }
    let head = &pat[..pat.len() - exp.len()];
    Some(if head.is_empty() {
        ".".to_string()
    } else if head == [""] {
        "/".to_string()
    } else {
        head.join("/")
    })
}

/// The stack sbas reads for the template, relative paths taken from `work_dir` as MintPy does.
/// Without any load path, `stack_override` (the command line) must be given.
pub fn stack_path(
    template: &Template,
    work_dir: &Path,
    stack_override: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(p) = stack_override {
        return Ok(p.to_path_buf());
    }
    let processor = template.get("mintpy.load.processor").unwrap_or("isce");
    if processor != "isce" {
        bail!(
            "mintpy.load.processor = {processor}: sbas reads ISCE2 topsStack stacks (processor \
             isce) or MintPy's inputs/ifgramStack.h5 (give it with --stack)"
        );
    }
    let mut root: Option<(String, &str)> = None;
    if template.is_yes("mintpy.load.autoPath") {
        root = Some((AUTO_ROOT.to_string(), "mintpy.load.autoPath"));
    }
    for (key, expected) in ISCE_LAYOUT {
        let Some(pattern) = template.get_set(key) else {
            continue;
        };
        let r = root_of(pattern, expected).with_context(|| {
            format!(
                "{key} = {pattern}: sbas reads the ISCE2 topsStack layout and expects this file \
                 at ROOT/{expected}; other layouts are not read"
            )
        })?;
        match &root {
            Some((other, from)) if *other != r => bail!(
                "{key} = {pattern} puts the stack root at {r}, but {from} puts it at {other}: \
                 sbas reads every file of one topsStack project"
            ),
            Some(_) => {}
            None => root = Some((r, key)),
        }
    }
    let Some((root, _)) = root else {
        // MintPy's own stack in the work folder, as left by an earlier load_data.
        let h5 = work_dir.join("inputs").join("ifgramStack.h5");
        if h5.is_file() {
            return Ok(h5);
        }
        bail!(
            "the template gives no mintpy.load.unwFile (and no inputs/ifgramStack.h5 exists in \
             {}): give the stack paths, or the stack with --stack",
            work_dir.display()
        );
    };
    let root = Path::new(&root);
    Ok(if root.is_absolute() {
        root.to_path_buf()
    } else {
        work_dir.join(root)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn t(text: &str) -> Template {
        Template::from_entries(parse_template(text))
    }

    #[test]
    fn globs() {
        assert!(glob_match("filt*.unw", "filt_fine.unw"));
        assert!(!glob_match("filt*.unw", "filt_fine.unw.conncomp"));
        assert!(glob_match("IW*.xml", "IW1.xml"));
        assert!(glob_match("*", "20200101_20200113"));
    }

    #[test]
    fn derives_the_project_root() {
        let tpl = t(
            "mintpy.load.unwFile = ../merged/interferograms/*/filt*.unw\n\
                     mintpy.load.corFile = ../merged/interferograms/*/filt*.cor\n\
                     mintpy.load.demFile = ../merged/geom_reference/hgt.rdr\n\
                     mintpy.load.baselineDir = ../baselines\n\
                     mintpy.load.metaFile = ../reference/IW*.xml\n",
        );
        let p = stack_path(&tpl, Path::new("/w/mintpy"), None).unwrap();
        assert_eq!(p, Path::new("/w/mintpy/.."));
        let tpl = t("mintpy.load.unwFile = /data/proj/merged/interferograms/*/filt_fine.unw\n");
        assert_eq!(
            stack_path(&tpl, Path::new("/w"), None).unwrap(),
            Path::new("/data/proj")
        );
    }

    #[test]
    fn refuses_other_layouts() {
        let tpl = t("mintpy.load.unwFile = ../ifgs/*/unw_phase.tif\n");
        let e = stack_path(&tpl, Path::new("/w"), None).unwrap_err();
        assert!(format!("{e:#}").contains("topsStack layout"));
        let tpl = t(
            "mintpy.load.unwFile = /a/merged/interferograms/*/filt_fine.unw\n\
                     mintpy.load.demFile = /b/merged/geom_reference/hgt.rdr\n",
        );
        assert!(stack_path(&tpl, Path::new("/w"), None).is_err());
        let tpl = t("mintpy.load.processor = gamma\n");
        assert!(stack_path(&tpl, Path::new("/w"), None).is_err());
        let tpl = t("");
        assert!(stack_path(&tpl, Path::new("/nonexistent"), None).is_err());
    }
}
