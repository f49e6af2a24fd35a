//! `mintpy.load.*` keys mapped onto the stacks sbas reads: the template's file globs are passed
//! to the stack's reader (relative ones taken from the work folder, as MintPy does), and the
//! project folder (where the reader's defaults for the other keys are, and which tells the
//! layout) is derived from them by MintPy's default layouts of the processor
//! (`source::layout::AUTO_PATHS`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::Template;
use crate::source::layout::{auto_paths_of, name_matches, AutoPath, LoadGlobs, LoadKey};

/// MintPy's automatic paths (`mintpy.load.autoPath = yes`) are relative to the work folder: the
/// project folder is its parent.
const AUTO_ROOT: &str = "..";

/// The folder part of a template glob that sits where `layout_glob` (a default glob of a
/// layout, relative to its project folder) puts the project: the folders of `layout_glob` with
/// fixed names must be matched in `pattern`; wildcard folders and the file name may be anything.
fn root_of(pattern: &str, layout_glob: &str) -> Option<String> {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let exp: Vec<&str> = layout_glob.split('/').collect();
    if pat.len() < exp.len() {
        return None;
    }
    let tail = &pat[pat.len() - exp.len()..];
    let folders = tail.iter().zip(&exp).take(exp.len() - 1);
    let compatible = folders
        .into_iter()
        .all(|(p, e)| e.contains(['*', '?', '[']) || name_matches(p, e) || name_matches(e, p));
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

/// Metadata a MintPy template gives for processors that do not record them (MintPy's
/// GMTSAR template: "manually specify the following attributes").
const TEMPLATE_META: [&str; 3] = ["HEADING", "ALOOKS", "RLOOKS"];

/// The file globs the template gives (`auto` and absent keys left to the reader's defaults;
/// `no`/`none` turn a layer off), relative ones taken from `work_dir`, with the metadata of
/// [`TEMPLATE_META`] the template sets.
pub fn template_globs(template: &Template, work_dir: &Path) -> LoadGlobs {
    let mut g = LoadGlobs::new();
    for key in LoadKey::ALL {
        match template.get(&key.template_key()) {
            None => {}
            Some(v) if v == "no" || v == "none" => g.disable(key),
            Some(v) => g.set(key, v),
        }
    }
    let meta: Vec<(String, String)> = TEMPLATE_META
        .iter()
        .filter_map(|k| {
            template
                .get(k)
                .filter(|v| !v.is_empty() && *v != "auto")
                .map(|v| (k.to_string(), v.to_string()))
        })
        .collect();
    if !meta.is_empty() {
        g.set_meta(meta);
    }
    g.relative_to(work_dir)
}

/// The project folder and layout the template's globs point at: the first layout of the
/// processor whose default `unwFile` (or another given key) has the shape of the template's.
fn derive_root(template: &Template, layouts: &[&AutoPath]) -> Option<String> {
    for key in LoadKey::ALL
        .iter()
        .copied()
        .filter(|k| *k == LoadKey::Unw)
        .chain(LoadKey::ALL)
    {
        let Some(pattern) = template.get_set(&key.template_key()) else {
            continue;
        };
        for layout in layouts {
            if let Some(r) = layout.glob(key).and_then(|g| root_of(pattern, g)) {
                return Some(r);
            }
        }
    }
    None
}

/// The stack sbas reads for the template and the file globs to read it with; relative paths
/// are taken from `work_dir`, as in MintPy. With `stack_override` (the command line), that
/// stack is read instead, with its own default files.
pub fn stack_request(
    template: &Template,
    work_dir: &Path,
    stack_override: Option<&Path>,
) -> anyhow::Result<(PathBuf, LoadGlobs)> {
    let meta = template_meta(template)?;
    let (stack, mut globs) = stack_files(template, work_dir, stack_override)?;
    if !meta.is_empty() {
        globs.set_meta(meta);
    }
    Ok((stack, globs))
}

/// The template key of sbas's own that stands in for missing stack metadata, as `--meta`.
pub const META_KEY: &str = "sbas.load.meta";

/// The `KEY=VALUE` pairs of `sbas.load.meta` (comma separated), checked as `--meta`.
pub fn template_meta(template: &Template) -> anyhow::Result<Vec<(String, String)>> {
    let Some(text) = template.get_set(META_KEY) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .filter(|kv| !kv.trim().is_empty())
        .map(|kv| {
            crate::cli::invert::parse_meta(kv).with_context(|| {
                format!(
                    "{}: expected KEY=VALUE, KEY=VALUE, ...",
                    template.show(META_KEY, text)
                )
            })
        })
        .collect()
}

/// The stack and file globs of [`stack_request`], before `sbas.load.meta`.
fn stack_files(
    template: &Template,
    work_dir: &Path,
    stack_override: Option<&Path>,
) -> anyhow::Result<(PathBuf, LoadGlobs)> {
    if let Some(p) = stack_override {
        return Ok((p.to_path_buf(), LoadGlobs::new()));
    }
    let processor = template.get("mintpy.load.processor").unwrap_or("isce");
    let layouts: Vec<&AutoPath> = auto_paths_of(processor).collect();
    if layouts.is_empty() {
        let mut known: Vec<&str> = crate::source::layout::AUTO_PATHS
            .iter()
            .map(|a| a.processor)
            .collect();
        known.dedup();
        bail!(
            "mintpy.load.processor = {processor}: sbas reads the processors {} or MintPy's \
             inputs/ifgramStack.h5 (give it with --stack)",
            known.join(", ")
        );
    }
    let globs = template_globs(template, work_dir);
    let root = if template.is_yes("mintpy.load.autoPath") {
        Some(AUTO_ROOT.to_string())
    } else if template.get_set(&LoadKey::Unw.template_key()).is_some() {
        // A layout of our own names: the project folder is MintPy's, the work folder's parent.
        Some(derive_root(template, &layouts).unwrap_or_else(|| AUTO_ROOT.to_string()))
    } else {
        derive_root(template, &layouts)
    };
    let Some(root) = root else {
        // MintPy's own stack in the work folder, as left by an earlier load_data.
        let h5 = work_dir.join("inputs").join("ifgramStack.h5");
        if h5.is_file() {
            return Ok((h5, LoadGlobs::new()));
        }
        bail!(
            "the template gives no mintpy.load.unwFile (and no inputs/ifgramStack.h5 exists in \
             {}): give the stack paths, or the stack with --stack",
            work_dir.display()
        );
    };
    let root = Path::new(&root);
    let root = if root.is_absolute() {
        root.to_path_buf()
    } else {
        work_dir.join(root)
    };
    check_processor(processor, &root)?;
    Ok((root, globs))
}

/// An error when the project folder `root` holds another processor's layout than
/// `mintpy.load.processor` says (MintPy would run the wrong prep script on it).
fn check_processor(processor: &str, root: &Path) -> anyhow::Result<()> {
    use crate::source::Detection;
    // Every layout the folder has that belongs to a processor (a tree may have several).
    let found: Vec<(&dyn crate::source::StackFormat, &str)> = crate::source::formats()
        .iter()
        .copied()
        .filter(|f| f.detect(root) == Detection::Recognised)
        .filter_map(|f| f.auto_path().map(|a| (f, a.processor)))
        .collect();
    let Some(&(format, found_proc)) = found.first() else {
        return Ok(());
    };
    if !found.iter().any(|(_, p)| *p == processor) {
        let found = found_proc;
        bail!(
            "mintpy.load.processor = {processor}, but the files in {} are a {} stack \
             (processor {found}): set mintpy.load.processor = {found}, or point the \
             mintpy.load.*File globs at {processor} files",
            root.display(),
            format.name()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    #[test]
    fn processor_disagreeing_with_the_files_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = crate::simulate::SimConfig {
            rows: 8,
            cols: 8,
            num_dates: 3,
            ..Default::default()
        };
        let root = dir.path().join("proj");
        crate::simulate::simulate_as(&root, &cfg, crate::simulate::Processor::Roipac).unwrap();
        let work = root.join("mintpy");
        std::fs::create_dir_all(&work).unwrap();
        let tpl = t("mintpy.load.processor = gamma\nmintpy.load.autoPath = yes\n");
        let e = stack_request(&tpl, &work, None).unwrap_err().to_string();
        assert!(
            e.contains("mintpy.load.processor = gamma")
                && e.contains("ROI_PAC")
                && e.contains("set mintpy.load.processor = roipac"),
            "{e}"
        );
        let tpl = t("mintpy.load.processor = roipac\nmintpy.load.autoPath = yes\n");
        let (r, _) = stack_request(&tpl, &work, None).unwrap();
        assert_eq!(r, work.join(".."));
    }

    fn t(text: &str) -> Template {
        Template::from_entries(parse_template(text))
    }

    #[test]
    fn derives_the_project_root_and_passes_the_globs() {
        let tpl = t(
            "mintpy.load.unwFile = ../merged/interferograms/*/filt*.unw\n\
                     mintpy.load.corFile = ../merged/interferograms/*/filt*.cor\n\
                     mintpy.load.connCompFile = none\n\
                     mintpy.load.demFile = ../merged/geom_reference/hgt.rdr\n\
                     mintpy.load.baselineDir = ../baselines\n\
                     mintpy.load.metaFile = ../reference/IW*.xml\n",
        );
        let (p, g) = stack_request(&tpl, Path::new("/w/mintpy"), None).unwrap();
        assert_eq!(p, Path::new("/w/mintpy/.."));
        assert_eq!(
            g.get(LoadKey::Unw),
            Some("/w/mintpy/../merged/interferograms/*/filt*.unw")
        );
        assert_eq!(g.get(LoadKey::ConnComp), None);
        assert!(g.iter().any(|(k, v)| k == LoadKey::ConnComp && v.is_none()));
        assert_eq!(
            g.get(LoadKey::LookupY),
            None,
            "absent keys are the reader's defaults"
        );
        let tpl = t("mintpy.load.unwFile = /data/proj/merged/interferograms/*/filt_fine.unw\n");
        assert_eq!(
            stack_request(&tpl, Path::new("/w"), None).unwrap().0,
            Path::new("/data/proj")
        );
        let tpl = t("mintpy.load.unwFile = /data/sm/Igrams/2020*/filt_*.unw\n");
        assert_eq!(
            stack_request(&tpl, Path::new("/w"), None).unwrap().0,
            Path::new("/data/sm")
        );
        // Names of one's own: the project is MintPy's, the work folder's parent.
        let tpl = t("mintpy.load.unwFile = ../ifgs/*/unw_phase.unw\n");
        let (p, g) = stack_request(&tpl, Path::new("/w/m"), None).unwrap();
        assert_eq!(p, Path::new("/w/m/.."));
        assert_eq!(g.get(LoadKey::Unw), Some("/w/m/../ifgs/*/unw_phase.unw"));
        let tpl = t("mintpy.load.autoPath = yes\n");
        let (p, g) = stack_request(&tpl, Path::new("/w/m"), None).unwrap();
        assert_eq!((p.as_path(), g.is_empty()), (Path::new("/w/m/.."), true));
        let (p, g) = stack_request(&tpl, Path::new("/w/m"), Some(Path::new("/s"))).unwrap();
        assert_eq!((p.as_path(), g.is_empty()), (Path::new("/s"), true));
    }

    #[test]
    fn refuses_unknown_processors_and_no_stack() {
        let tpl = t("mintpy.load.processor = cosicorr\n");
        let e = stack_request(&tpl, Path::new("/w"), None).unwrap_err();
        assert!(format!("{e:#}").contains("isce"), "{e:#}");
        let tpl = t("");
        assert!(stack_request(&tpl, Path::new("/nonexistent"), None).is_err());
    }
}
