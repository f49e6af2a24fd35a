//! Sharded writes of the per-date (time-series) datasets of a Zarr product: the shards are
//! encoded here with the inversion's encoder ([`encode_shard`]) and written whole, rather than
//! through zarrs' sharding codec, which cost `sbas correct dem-error` 1.5 to 2 times the CPU.
//!
//! Steps write row strips of their own plan, which need not line up with the shards. A shard
//! that a write covers whole is encoded straight from the caller's values; one covered in part
//! waits in memory until the writes that follow complete it (strips come top to bottom, so at
//! most one row of shards waits), and whatever still waits at the end is written with the fill
//! value (NaN) where nothing was written, as Zarr reads a missing value. No shard is read back
//! unless a region is written twice.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use zarrs::array::{Array, ArraySubset};
use zarrs::filesystem::FilesystemStore;

use crate::product::inversion::direct_write::{direct_writes_pay, write_file_direct, AlignedF32};
use crate::product::shard::{encode_shard, shard_bytes, shard_words};
use crate::window::Window;

/// Rows of a shard are a multiple of this, so that subchunks (the largest divisor of the shard's
/// rows up to 64) are never thinner than this many rows.
const SHARD_ROW_STEP: usize = 8;

/// Columns of a shard are a multiple of this, so that subchunks (the largest divisor of the
/// shard's columns up to 100) are at least this wide: a prime number of columns would give
/// subchunks one column wide, which made a geocoded series (1058 columns in shards of 353)
/// slow to write and to read.
const SHARD_COL_STEP: usize = 20;

/// Columns of the shards of a series `width` wide whose storage chunks (of maps) are `cols`
/// wide: `cols` rounded up to [`SHARD_COL_STEP`].
pub(crate) fn shard_cols(cols: usize) -> usize {
    cols.max(1).next_multiple_of(SHARD_COL_STEP)
}

/// Rows of the shards of a series of `planes` dates whose shards are `cols` wide, for an image
/// of `length` rows: about `target_bytes` per shard, a multiple of [`SHARD_ROW_STEP`], no taller
/// than the image (rounded up to the step).
pub(crate) fn shard_rows(planes: usize, length: usize, cols: usize, target_bytes: usize) -> usize {
    let rows = target_bytes / (planes.max(1) * cols.max(1) * 4);
    let rows = (rows / SHARD_ROW_STEP * SHARD_ROW_STEP).max(SHARD_ROW_STEP);
    rows.min(length.max(1).next_multiple_of(SHARD_ROW_STEP))
}

/// A shard covered in part so far: its values (`planes x rows x cols` from the shard's corner,
/// NaN where nothing was written yet) and which pixels were written.
struct Pending {
    values: Vec<f32>,
    written: Vec<bool>,
    left: usize,
}

/// Writer of the shards of one per-date float32 array of `planes x length x width`, shards of
/// `planes x rows x cols`.
pub(crate) struct ShardedSeries {
    store_dir: PathBuf,
    planes: usize,
    length: usize,
    width: usize,
    rows: usize,
    cols: usize,
    /// Shards waiting for the rest of their pixels, by (shard row, shard column).
    pending: BTreeMap<(usize, usize), Pending>,
    /// Shards written (or left out as all fill value) so far.
    done: HashSet<(usize, usize)>,
    buf: AlignedF32,
    /// Whether shards are written around the page cache (see `direct_write`): on a local disk,
    /// until the first refusal.
    direct: bool,
}

impl ShardedSeries {
    /// A writer of the shards of an array of `planes x length x width` in shards of
    /// `rows x cols` pixels, stored in the Zarr store at `store_dir`.
    pub(crate) fn new(
        store_dir: &Path,
        planes: usize,
        (length, width): (usize, usize),
        (rows, cols): (usize, usize),
    ) -> ShardedSeries {
        ShardedSeries {
            store_dir: store_dir.to_path_buf(),
            planes,
            length,
            width,
            rows,
            cols,
            pending: BTreeMap::new(),
            done: HashSet::new(),
            buf: AlignedF32::default(),
            direct: cfg!(target_endian = "little") && direct_writes_pay(store_dir),
        }
    }

    /// The shard's pixels inside the image.
    fn region(&self, (i, j): (usize, usize)) -> Window {
        Window {
            y0: i * self.rows,
            y1: ((i + 1) * self.rows).min(self.length),
            x0: j * self.cols,
            x1: ((j + 1) * self.cols).min(self.width),
        }
    }

    /// The shard's whole extent, past the image edge included.
    fn extent(&self, (i, j): (usize, usize)) -> Window {
        Window {
            y0: i * self.rows,
            y1: (i + 1) * self.rows,
            x0: j * self.cols,
            x1: (j + 1) * self.cols,
        }
    }

    /// Writes `data` (`planes x w.rows() x w.cols()`) over window `w` of `array`.
    pub(crate) fn write(
        &mut self,
        array: &Array<FilesystemStore>,
        w: Window,
        data: &[f32],
    ) -> anyhow::Result<()> {
        for i in w.y0 / self.rows..w.y1.div_ceil(self.rows) {
            for j in w.x0 / self.cols..w.x1.div_ceil(self.cols) {
                let key = (i, j);
                let region = self.region(key);
                let sub = Window {
                    y0: region.y0.max(w.y0),
                    y1: region.y1.min(w.y1),
                    x0: region.x0.max(w.x0),
                    x1: region.x1.min(w.x1),
                };
                if sub == region && !self.pending.contains_key(&key) {
                    self.store(array, key, data, &w, &sub)?;
                    continue;
                }
                if !self.pending.contains_key(&key) {
                    let p = self.start_pending(array, key)?;
                    self.pending.insert(key, p);
                }
                let ext = self.extent(key);
                let planes = self.planes;
                let Some(p) = self.pending.get_mut(&key) else {
                    continue;
                };
                copy_into(p, data, &w, &sub, &ext, planes);
                if p.left == 0 {
                    if let Some(p) = self.pending.remove(&key) {
                        self.store(array, key, &p.values, &ext, &region)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A shard about to be written in part: empty, or what was written of it before.
    fn start_pending(
        &self,
        array: &Array<FilesystemStore>,
        key: (usize, usize),
    ) -> anyhow::Result<Pending> {
        let (r, c) = (self.rows, self.cols);
        let mut p = Pending {
            values: vec![f32::NAN; self.planes * r * c],
            written: vec![false; r * c],
            left: self.region(key).pixels(),
        };
        if self.done.contains(&key) {
            // Written before: start from what it holds, so the new write only replaces its part.
            let g = self.region(key);
            let sub = ArraySubset::new_with_ranges(&[
                0..self.planes as u64,
                g.y0 as u64..g.y1 as u64,
                g.x0 as u64..g.x1 as u64,
            ]);
            let old: Vec<f32> = array
                .retrieve_array_subset(&sub)
                .with_context(|| format!("cannot read back shard {key:?}"))?;
            let ext = self.extent(key);
            copy_into(&mut p, &old, &g, &g, &ext, self.planes);
        }
        Ok(p)
    }

    /// Encodes the values of `sub` (window `w` of `src`) as shard `key` and stores it; a shard
    /// of fill values only is not stored (as zarrs does), and an earlier one is removed.
    fn store(
        &mut self,
        array: &Array<FilesystemStore>,
        key: (usize, usize),
        src: &[f32],
        w: &Window,
        sub: &Window,
    ) -> anyhow::Result<()> {
        let file = self
            .store_dir
            .join(array.chunk_key(&[0, key.0 as u64, key.1 as u64]).as_str());
        let ctx = || format!("cannot write shard {}", file.display());
        let first = self.done.insert(key);
        if all_nan(src, w, sub, self.planes) {
            if !first {
                match std::fs::remove_file(&file) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(e).with_context(ctx)
                    }
                    _ => {}
                }
            }
            return Ok(());
        }
        let (r, c) = (self.rows, self.cols);
        let buf = self.buf.reset(shard_words(self.planes, r, c), f32::NAN);
        encode_shard(src, w, sub, self.planes, (r, c), buf);
        if !(self.direct && write_file_direct(&file, &self.buf).is_ok()) {
            self.direct = false;
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).with_context(ctx)?;
            }
            std::fs::write(&file, shard_bytes(self.buf.values())).with_context(ctx)?;
        }
        Ok(())
    }

    /// Stores the shards still waiting, the pixels never written left as fill value.
    pub(crate) fn finish(&mut self, array: &Array<FilesystemStore>) -> anyhow::Result<()> {
        while let Some((key, p)) = self.pending.pop_first() {
            let (ext, region) = (self.extent(key), self.region(key));
            self.store(array, key, &p.values, &ext, &region)?;
        }
        Ok(())
    }
}

/// Copies `sub` (inside window `w` of `src`) of every plane into the pending shard whose extent
/// is `ext`, counting the pixels written for the first time.
fn copy_into(p: &mut Pending, src: &[f32], w: &Window, sub: &Window, ext: &Window, planes: usize) {
    let (plane_src, plane_dst) = (w.pixels(), ext.pixels());
    for k in 0..planes {
        for y in sub.y0..sub.y1 {
            let s = k * plane_src + (y - w.y0) * w.cols() + (sub.x0 - w.x0);
            let d = k * plane_dst + (y - ext.y0) * ext.cols() + (sub.x0 - ext.x0);
            p.values[d..d + sub.cols()].copy_from_slice(&src[s..s + sub.cols()]);
        }
    }
    for y in sub.y0..sub.y1 {
        let d = (y - ext.y0) * ext.cols() + (sub.x0 - ext.x0);
        for seen in &mut p.written[d..d + sub.cols()] {
            if !*seen {
                *seen = true;
                p.left -= 1;
            }
        }
    }
}

/// Whether every value of `sub` (inside window `w`) of every plane of `src` is NaN.
fn all_nan(src: &[f32], w: &Window, sub: &Window, planes: usize) -> bool {
    let plane = w.pixels();
    (0..planes).all(|k| {
        (sub.y0..sub.y1).all(|y| {
            let s = k * plane + (y - w.y0) * w.cols() + (sub.x0 - w.x0);
            src[s..s + sub.cols()].iter().all(|v| v.is_nan())
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use zarrs::array::{data_type, ArrayBuilder};

    use super::*;
    use crate::product::shard::subchunk_shape_3d;

    #[test]
    fn shard_rows_are_steps_of_eight_up_to_the_image() {
        assert_eq!(shard_cols(500), 500);
        assert_eq!(shard_cols(353), 360);
        assert_eq!(shard_cols(7), 20);
        // 40 dates of 500 columns: 52 rows make 4 MiB, cut to 48.
        assert_eq!(shard_rows(40, 1000, 500, 4 << 20), 48);
        // A short image: its height rounded up to the step.
        assert_eq!(shard_rows(3, 30, 40, 4 << 20), 32);
        // Never under one step, however many dates.
        assert_eq!(shard_rows(5000, 1000, 512, 4 << 20), 8);
    }

    /// Writes of windows that line up with no shard (strips of 5 rows, then a block written a
    /// second time across shard edges, the last rows never written) read back through zarrs as
    /// the values last written, NaN where nothing was.
    #[test]
    fn unaligned_and_repeated_writes_read_back_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        let (n, l, w, r, c) = (3usize, 29usize, 23usize, 8usize, 10usize);
        let store = Arc::new(FilesystemStore::new(tmp.path()).unwrap());
        let array = ArrayBuilder::new(
            vec![n as u64, l as u64, w as u64],
            vec![n as u64, r as u64, c as u64],
            data_type::float32(),
            f32::NAN,
        )
        .subchunk_shape(subchunk_shape_3d(n, r, c))
        .build(store, "/ts")
        .unwrap();
        array.store_metadata().unwrap();
        let mut want = vec![f32::NAN; n * l * w];
        let mut shards = ShardedSeries::new(tmp.path(), n, (l, w), (r, c));
        let mut put = |shards: &mut ShardedSeries, win: Window, base: f32| {
            let mut data = Vec::with_capacity(n * win.pixels());
            for k in 0..n {
                for y in win.y0..win.y1 {
                    for x in win.x0..win.x1 {
                        let v = base + (k * 10_000 + y * 100 + x) as f32;
                        data.push(v);
                        want[(k * l + y) * w + x] = v;
                    }
                }
            }
            shards.write(&array, win, &data).unwrap();
        };
        for y0 in (0..25).step_by(5) {
            let win = Window {
                y0,
                y1: y0 + 5,
                x0: 0,
                x1: w,
            };
            put(&mut shards, win, 0.0);
            // Strips top to bottom keep at most one row of shards waiting: the bound the
            // strip plans reserve (`ProductWriter::pending_bytes_bound`).
            let held: usize = shards
                .pending
                .values()
                .map(|p| 4 * p.values.len() + p.written.len())
                .sum();
            assert!(
                held > 0 && held <= w.div_ceil(c) * r * c * (4 * n + 1),
                "{held}"
            );
        }
        // Shard rows 0 and 1 are complete and stored; rows 24..25 of shard row 3 wait.
        assert!(shards.done.contains(&(1, 2)) && shards.pending.contains_key(&(3, 0)));
        let again = Window {
            y0: 6,
            y1: 19,
            x0: 7,
            x1: 15,
        };
        put(&mut shards, again, 0.5);
        shards.finish(&array).unwrap();
        assert!(shards.pending.is_empty());
        let all = ArraySubset::new_with_ranges(&[0..n as u64, 0..l as u64, 0..w as u64]);
        let back: Vec<f32> = array.retrieve_array_subset(&all).unwrap();
        assert_eq!(back.len(), want.len());
        for (i, (a, b)) in back.iter().zip(&want).enumerate() {
            assert!(
                a == b || (a.is_nan() && b.is_nan()),
                "value {i}: {a} != {b}"
            );
        }
        // Rows 25..29 were never written: NaN.
        assert!(back[25 * w..l * w].iter().all(|v| v.is_nan()));
    }

    /// Shards written around the page cache and through it are the same bytes.
    #[test]
    fn direct_and_buffered_shards_are_the_same_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let (n, l, w) = (3usize, 16usize, 30usize);
        let data: Vec<f32> = (0..n * l * w).map(|i| i as f32 * 0.25).collect();
        let bytes: Vec<Vec<u8>> = [true, false]
            .into_iter()
            .map(|direct| {
                let dir = tmp.path().join(direct.to_string());
                // As the product writer does: the store's folder exists before its shards.
                std::fs::create_dir_all(&dir).unwrap();
                let store = Arc::new(FilesystemStore::new(&dir).unwrap());
                let array = ArrayBuilder::new(
                    vec![n as u64, l as u64, w as u64],
                    vec![n as u64, 8, 20],
                    data_type::float32(),
                    f32::NAN,
                )
                .subchunk_shape(subchunk_shape_3d(n, 8, 20))
                .build(store, "/ts")
                .unwrap();
                let mut shards = ShardedSeries::new(&dir, n, (l, w), (8, 20));
                shards.direct &= direct;
                shards.write(&array, Window::full(l, w), &data).unwrap();
                assert_eq!(shards.direct, direct && direct_writes_pay(&dir));
                std::fs::read(dir.join(array.chunk_key(&[0, 1, 1]).as_str())).unwrap()
            })
            .collect();
        assert_eq!(bytes[0], bytes[1]);
        // 3 dates of 8 x 20 pixels in one subchunk, its index entry and checksum.
        assert_eq!(bytes[0].len(), n * 8 * 20 * 4 + 16 + 4);
    }

    /// A shard of fill values only is not stored, and one stored before is removed.
    #[test]
    fn all_nan_shards_are_not_stored() {
        let tmp = tempfile::tempdir().unwrap();
        let (n, l, w) = (2usize, 8usize, 10usize);
        let store = Arc::new(FilesystemStore::new(tmp.path()).unwrap());
        let array = ArrayBuilder::new(
            vec![n as u64, l as u64, w as u64],
            vec![n as u64, l as u64, w as u64],
            data_type::float32(),
            f32::NAN,
        )
        .subchunk_shape(subchunk_shape_3d(n, l, w))
        .build(store, "/ts")
        .unwrap();
        let mut shards = ShardedSeries::new(tmp.path(), n, (l, w), (l, w));
        let file = tmp.path().join(array.chunk_key(&[0, 0, 0]).as_str());
        let full = Window::full(l, w);
        shards.write(&array, full, &vec![1.0; n * l * w]).unwrap();
        assert!(file.exists());
        shards
            .write(&array, full, &vec![f32::NAN; n * l * w])
            .unwrap();
        assert!(!file.exists());
    }
}
