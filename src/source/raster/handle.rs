//! Open handles of raster data files, kept by a layout across its reads: a window read by
//! path costs an `open` and a `close` (path walk, permission checks), which for small windows
//! (the quick overview reads a few rows of every interferogram per block) cost more than the
//! read itself.
//!
//! Positioned reads (`pread`) do not move a shared offset, so threads share one handle. The
//! number of kept handles is bounded by half the process's open-file limit; past it, reads
//! open the file each time as before.

use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Handles kept open by every layout of the process.
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// Most handles kept open at once: half the soft open-file limit (the rest for outputs,
/// HDF5/Zarr files and the system), at least 16.
fn max_kept() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes only into the struct it is given.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } == 0;
        let soft = if ok { rl.rlim_cur as usize } else { 1024 };
        (soft / 2).max(16)
    })
}

/// A raster's data file, opened on its first read and kept until the last clone of its layout
/// is dropped. Not part of a layout's identity: two layouts compare equal whatever their
/// handles.
#[derive(Clone, Default)]
pub struct FileHandle(Arc<Kept>);

/// `None` once the file was found over the bound: it is then opened per read.
#[derive(Default)]
struct Kept(OnceLock<Option<File>>);

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(Some(_)) = self.0.get() {
            KEPT.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A file to read from: the kept handle, or one opened for this read.
pub enum OpenFile<'a> {
    /// The layout's kept handle.
    Kept(&'a File),
    /// Opened for this read, closed when dropped.
    Own(File),
}

impl Deref for OpenFile<'_> {
    type Target = File;
    fn deref(&self) -> &File {
        match self {
            OpenFile::Kept(f) => f,
            OpenFile::Own(f) => f,
        }
    }
}

impl FileHandle {
    /// The open file at `path` (the path this handle's layout describes).
    pub fn open(&self, path: &Path) -> std::io::Result<OpenFile<'_>> {
        let cell = &self.0 .0;
        match cell.get() {
            Some(Some(f)) => return Ok(OpenFile::Kept(f)),
            Some(None) => return File::open(path).map(OpenFile::Own),
            None => {}
        }
        if KEPT.fetch_add(1, Ordering::Relaxed) >= max_kept() {
            KEPT.fetch_sub(1, Ordering::Relaxed);
            let _ = cell.set(None);
            return File::open(path).map(OpenFile::Own);
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                KEPT.fetch_sub(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        if cell.set(Some(file)).is_err() {
            // Another thread kept its handle first; this one is closed, uncounted.
            KEPT.fetch_sub(1, Ordering::Relaxed);
        }
        match cell.get() {
            Some(Some(f)) => Ok(OpenFile::Kept(f)),
            _ => File::open(path).map(OpenFile::Own),
        }
    }

    /// Whether the file is kept open.
    pub fn is_kept(&self) -> bool {
        matches!(self.0 .0.get(), Some(Some(_)))
    }
}

impl PartialEq for FileHandle {
    fn eq(&self, _: &FileHandle) -> bool {
        true
    }
}

impl std::fmt::Debug for FileHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_kept() {
            "FileHandle(open)"
        } else {
            "FileHandle"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn a_handle_is_opened_once_and_shared_by_clones() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bin");
        std::fs::write(&p, [1u8, 2, 3, 4]).unwrap();
        let h = FileHandle::default();
        assert!(!h.is_kept());
        let clone = h.clone();
        let mut b = [0u8; 2];
        h.open(&p).unwrap().read_exact_at(&mut b, 2).unwrap();
        assert_eq!(b, [3, 4]);
        assert!(h.is_kept() && clone.is_kept());
        // The kept handle is read after the path is gone: it was not reopened.
        std::fs::remove_file(&p).unwrap();
        clone.open(&p).unwrap().read_exact_at(&mut b, 0).unwrap();
        assert_eq!(b, [1, 2]);
        // A missing file is an error and keeps nothing.
        let other = FileHandle::default();
        assert!(other.open(&p).is_err());
        assert!(!other.is_kept());
    }
}
