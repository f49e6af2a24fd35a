//! The stack formats sbas reads, and the opening of a path by the first that recognises it.

use std::path::Path;

use anyhow::Context;

use super::layout::{self, AutoPath, LoadGlobs};
use super::{
    aria, dolphin, gamma, gmtsar, hyp3, isce, licsar, mintpy_h5, roipac, snap, StackSource,
};

/// Whether a format recognises a path (answered from names and folder layout, without
/// parsing files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// The path is a stack of this format: opening it is this format's job (and its errors).
    Recognised,
    /// It is not; `looked_for` says what this format expected, for the message listing every
    /// format when none recognises a path.
    NotRecognised {
        /// E.g. "a folder holding merged/interferograms".
        looked_for: String,
    },
}

impl Detection {
    /// `NotRecognised` with the text `looked_for`.
    pub fn not_recognised(looked_for: impl Into<String>) -> Detection {
        Detection::NotRecognised {
            looked_for: looked_for.into(),
        }
    }
}

/// One input format: recognises its stacks and opens them.
pub trait StackFormat: Send + Sync {
    /// Short human name, e.g. "ISCE2 topsStack".
    fn name(&self) -> &'static str;

    /// Whether `path` (a file or folder that exists) is a stack of this format.
    fn detect(&self, path: &Path) -> Detection;

    /// Opens the stack at `path`, which [`Self::detect`] recognised.
    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>>;

    /// Opens the stack at `path` with the file globs `globs` (MintPy's `mintpy.load.*File`)
    /// in place of the format's defaults for the keys they give. Formats not built on
    /// [`super::layout`] take no globs.
    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        if !globs.is_empty() {
            anyhow::bail!(
                "{} reads fixed files: file globs (mintpy.load.*File, --unw-file ...) do not \
                 apply to {}",
                self.name(),
                path.display()
            );
        }
        self.open(path)
    }

    /// MintPy's default globs of this format (`mintpy.load.autoPath`), for formats built on
    /// [`super::layout`].
    fn auto_path(&self) -> Option<&'static AutoPath> {
        None
    }

    /// The project folder the default globs of [`Self::auto_path`] are under, for a `path`
    /// this format recognises (the path itself, unless the format accepts a file or folder
    /// inside its project).
    fn project_root(&self, path: &Path) -> std::path::PathBuf {
        path.to_path_buf()
    }
}

/// Every format, in the order they are asked: the first that recognises a path opens it.
/// A new format is one module and one line here.
pub fn formats() -> &'static [&'static dyn StackFormat] {
    &[
        &isce::TopsStackFormat,
        &isce::StripmapStackFormat,
        &mintpy_h5::MintPyFormat,
        &roipac::RoipacFormat,
        &gamma::GammaFormat,
        &hyp3::Hyp3Format,
        &licsar::LicsarFormat,
        &dolphin::DolphinFormat,
        &snap::SnapFormat,
        &gmtsar::GmtsarFormat,
        &aria::AriaFormat,
    ]
}

/// The first of [`formats`] that recognises `path`, if any.
pub fn detect_format(path: &Path) -> Option<&'static dyn StackFormat> {
    formats()
        .iter()
        .copied()
        .find(|f| f.detect(path) == Detection::Recognised)
}

/// Opens a stack from a path with the first of [`formats`] that recognises it: an ISCE2
/// topsStack project folder, or MintPy's `ifgramStack.h5` (or a folder holding
/// `inputs/ifgramStack.h5`).
pub fn open_stack(path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
    open_stack_with(formats(), path)
}

/// [`open_stack`] with file globs in place of the format's defaults (see
/// [`StackFormat::open_with`]); with no globs, the same as [`open_stack`].
pub fn open_stack_globs(path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
    // Metadata given (`--meta`) go through `open_with` too: a reader may need them to open.
    if globs.is_empty() && globs.meta().is_empty() {
        return open_stack(path);
    }
    match detect_format(path) {
        Some(f) => f.open_with(path, globs),
        None => open_stack(path).with_context(|| {
            format!(
                "the file globs (mintpy.load.unwFile = {}) need their project folder {} to be \
                 a stack layout sbas knows",
                globs.get(layout::LoadKey::Unw).unwrap_or("not given"),
                path.display()
            )
        }),
    }
}

/// What `sbas invert` says it found at `path`: the format and the globs (given, else the
/// format's defaults) that gave `info`'s interferograms; `None` for formats of fixed files.
pub fn layout_note(path: &Path, globs: &LoadGlobs, info: &super::StackInfo) -> Option<String> {
    let f = detect_format(path)?;
    let all = globs.or_defaults(&f.auto_path()?.globs_at(&f.project_root(path)));
    Some(layout::describe(f.name(), &all, info.network.num_pairs()))
}

/// [`open_stack`] with the formats `formats` (asked in order). When none recognises `path`,
/// the error names it and says what each format looked for.
pub fn open_stack_with(
    formats: &[&dyn StackFormat],
    path: &Path,
) -> anyhow::Result<Box<dyn StackSource>> {
    if !path.exists() {
        anyhow::bail!("stack path {} does not exist", path.display());
    }
    let mut looked = Vec::with_capacity(formats.len());
    for f in formats {
        match f.detect(path) {
            Detection::Recognised => return f.open(path),
            Detection::NotRecognised { looked_for } => {
                looked.push(format!("{}: {looked_for}", f.name()))
            }
        }
    }
    anyhow::bail!(
        "cannot open {} as a stack: no format recognises it (looked for {})",
        path.display(),
        looked.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A format that recognises paths ending in `suffix` and counts its opens; its stacks
    /// cannot be built here, so `open` fails with its name.
    struct Fake {
        name: &'static str,
        suffix: &'static str,
        opened: AtomicUsize,
    }

    impl StackFormat for Fake {
        fn name(&self) -> &'static str {
            self.name
        }
        fn detect(&self, path: &Path) -> Detection {
            if path.to_string_lossy().ends_with(self.suffix) {
                Detection::Recognised
            } else {
                Detection::not_recognised(format!("a name ending in {}", self.suffix))
            }
        }
        fn open(&self, _: &Path) -> anyhow::Result<Box<dyn StackSource>> {
            self.opened.fetch_add(1, Ordering::SeqCst);
            anyhow::bail!("opened by {}", self.name)
        }
    }

    fn fake(name: &'static str, suffix: &'static str) -> Fake {
        Fake {
            name,
            suffix,
            opened: AtomicUsize::new(0),
        }
    }

    fn err(r: anyhow::Result<Box<dyn StackSource>>) -> String {
        match r {
            Ok(s) => panic!("expected an error, opened {:?}", s.info().files),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn the_first_format_that_recognises_a_path_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("stack.ab");
        std::fs::create_dir(&p).unwrap();
        let (a, b, ab) = (fake("A", ".a"), fake("B", ".ab"), fake("AB", "ab"));
        let e = err(open_stack_with(&[&a, &b, &ab], &p));
        assert_eq!(e, "opened by B");
        assert_eq!(
            [&a, &b, &ab].map(|f| f.opened.load(Ordering::SeqCst)),
            [0, 1, 0]
        );
    }

    #[test]
    fn no_format_lists_what_each_looked_for() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("stack.c");
        std::fs::write(&p, b"").unwrap();
        let e = err(open_stack_with(&[&fake("A", ".a"), &fake("B", ".b")], &p));
        assert!(e.contains("stack.c"), "{e}");
        assert!(
            e.contains("A: a name ending in .a; B: a name ending in .b"),
            "{e}"
        );
        let gone = dir.path().join("gone");
        let e = err(open_stack_with(&[&fake("A", "gone")], &gone));
        assert!(e.contains("gone") && e.contains("does not exist"), "{e}");
    }

    #[test]
    fn the_real_formats_list_what_they_look_for() {
        let dir = tempfile::tempdir().unwrap();
        let e = err(open_stack(dir.path()));
        for f in formats() {
            assert!(e.contains(f.name()), "{e}");
        }
        assert!(
            e.contains("merged/interferograms") && e.contains("ifgramStack.h5"),
            "{e}"
        );
        assert!(detect_format(dir.path()).is_none());
        std::fs::create_dir_all(dir.path().join("merged/interferograms")).unwrap();
        assert_eq!(
            detect_format(dir.path()).map(|f| f.name()),
            Some("ISCE2 topsStack")
        );
        let h5 = dir.path().join("x.H5");
        std::fs::write(&h5, b"").unwrap();
        assert_eq!(detect_format(&h5).map(|f| f.name()), Some("MintPy"));
    }
}
