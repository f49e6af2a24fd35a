//! Zarr v3 sharding (`sharding_indexed`) of per-date arrays: one storage object (a shard) holds
//! all dates of a block of pixels, as before, but inside it the data is cut into subchunks of
//! one date and a small block of pixels, with an index at the end. A reader of one date's map
//! then reads one subchunk per block, and a reader of one pixel's series one small subchunk
//! per date, instead of the whole shard either way.
//!
//! The inversion writes its shards itself ([`encode_shard`]): its subchunks are uncompressed,
//! so a shard is the subchunks' bytes in order followed by a fixed index, and writing it takes
//! no more than the copy into the write buffer that unsharded chunks took.

use crate::window::Window;

/// Most dates, rows and columns of a subchunk. Chosen from the read benchmark
/// (scripts/bench-read.sh, 1000 x 1000 x 40 dates, shards of 32 x 500 pixels): subchunks of
/// 4 dates x 32 x 100 pixels read one date's map as 17 MB of the 164 MB cube and a pixel's
/// series as 0.5 MB, and zarr-python reads the whole cube in 1.4 s; subchunks of one date of
/// 32 x 50 pixels read less either way (5.7 and 0.3 MB) but zarr-python then takes 8 s for the
/// cube and 1.5 times longer for a map, its cost being per subchunk.
const SUBCHUNK_MAX: (usize, usize, usize) = (4, 64, 100);
/// Bytes of one index entry: offset and length, two little-endian `u64`.
const INDEX_ENTRY_BYTES: usize = 16;

/// Marks a subchunk that is not stored, in both fields of its index entry.
#[cfg(test)]
const MISSING: u64 = u64::MAX;

/// Subchunk (dates, rows, columns) of a shard of `planes` dates of `rows x cols` pixels. The
/// shard's sides must be multiples of the subchunk's (Zarr's rule): each side is the largest
/// divisor of the shard's side not above [`SUBCHUNK_MAX`].
pub(crate) fn subchunk_shape(planes: usize, rows: usize, cols: usize) -> (usize, usize, usize) {
    (
        largest_divisor_at_most(planes, SUBCHUNK_MAX.0),
        largest_divisor_at_most(rows, SUBCHUNK_MAX.1),
        largest_divisor_at_most(cols, SUBCHUNK_MAX.2),
    )
}

/// Narrowest subchunk that shard columns may force: below it, one date's map is read as many
/// tiny pieces (zarr-python's cost is per subchunk, see [`SUBCHUNK_MAX`]).
const MIN_SUBCHUNK_COLS: usize = 20;

/// Columns of the shards of an array whose column blocks are `cols` wide: `cols` itself, unless
/// its largest divisor up to [`SUBCHUNK_MAX`] is thinner than [`MIN_SUBCHUNK_COLS`] (a prime
/// width such as 1009 / 2 = 505 = 5 x 101 gave subchunks 5 columns wide), then `cols` rounded up
/// to a multiple of it; the last shard of a row then reaches past the image, which Zarr allows
/// (padded with the fill value).
pub(crate) fn shard_cols_with_wide_subchunks(cols: usize) -> usize {
    let cols = cols.max(1);
    if largest_divisor_at_most(cols, SUBCHUNK_MAX.2) >= MIN_SUBCHUNK_COLS.min(cols) {
        cols
    } else {
        cols.next_multiple_of(MIN_SUBCHUNK_COLS)
    }
}

fn largest_divisor_at_most(n: usize, max: usize) -> usize {
    (1..=max.min(n).max(1))
        .rev()
        .find(|d| n.is_multiple_of(*d))
        .unwrap_or(1)
}

/// Zarr's subchunk shape `[dates, rows, cols]` of a per-date array of `planes` dates whose
/// shards are `rows x cols` pixels.
pub(crate) fn subchunk_shape_3d(planes: usize, rows: usize, cols: usize) -> Vec<u64> {
    let (sd, sr, sc) = subchunk_shape(planes, rows, cols);
    vec![sd as u64, sr as u64, sc as u64]
}

/// Length in 32-bit words of a shard of `planes` dates of `rows x cols` pixels, index included.
pub(crate) fn shard_words(planes: usize, rows: usize, cols: usize) -> usize {
    let (sd, sr, sc) = subchunk_shape(planes, rows, cols);
    let n_sub = (planes / sd) * (rows / sr) * (cols / sc);
    planes * rows * cols + (n_sub * INDEX_ENTRY_BYTES + 4) / 4
}

/// Encodes one shard into `dst` (of [`shard_words`] words): the values of window `sub` of every
/// plane of `src` (planes of window `w`), padded with NaN to `rows x cols`, cut into subchunks
/// in Zarr's order (dates, then rows, then columns of subchunks; each subchunk row-major), then the
/// index (offset and length of each subchunk, little-endian `u64`) and its CRC-32C, as the
/// `sharding_indexed` codec with the `bytes` and `crc32c` index codecs defines them. The index
/// words are stored as `f32` bit patterns so that the whole shard is one aligned buffer (its
/// bytes, read as little-endian words, are the shard).
pub(crate) fn encode_shard(
    src: &[f32],
    w: &Window,
    sub: &Window,
    planes: usize,
    (rows, cols): (usize, usize),
    dst: &mut [f32],
) {
    let (sd, sr, sc) = subchunk_shape(planes, rows, cols);
    let (nr, nc) = (rows / sr, cols / sc);
    let sub_len = sd * sr * sc;
    let plane = w.pixels();
    dst[..planes * rows * cols].fill(f32::NAN);
    for p in 0..planes {
        for y in sub.y0..sub.y1 {
            let ly = y - sub.y0;
            let (ir, yy) = (ly / sr, ly % sr);
            let row = &src[p * plane + (y - w.y0) * w.cols()..][..w.cols()];
            for ic in 0..nc {
                let x0 = sub.x0 + ic * sc;
                if x0 >= sub.x1 {
                    break;
                }
                let x1 = (x0 + sc).min(sub.x1);
                let k = ((p / sd) * nr + ir) * nc + ic;
                let d = k * sub_len + ((p % sd) * sr + yy) * sc;
                dst[d..d + (x1 - x0)].copy_from_slice(&row[x0 - w.x0..x1 - w.x0]);
            }
        }
    }
    let n_sub = (planes / sd) * nr * nc;
    let mut index = Vec::with_capacity(n_sub * INDEX_ENTRY_BYTES);
    let sub_bytes = (sub_len * 4) as u64;
    for k in 0..n_sub as u64 {
        index.extend_from_slice(&(k * sub_bytes).to_le_bytes());
        index.extend_from_slice(&sub_bytes.to_le_bytes());
    }
    let crc = crc32c::crc32c(&index);
    index.extend_from_slice(&crc.to_le_bytes());
    let tail = &mut dst[planes * rows * cols..];
    for (o, b) in tail.iter_mut().zip(index.chunks_exact(4)) {
        *o = f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    }
}

/// The bytes of a shard encoded by [`encode_shard`] (little-endian words).
pub(crate) fn shard_bytes(words: &[f32]) -> Vec<u8> {
    words
        .iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .collect()
}

/// Decodes a shard's index (for tests and checks): per subchunk, its offset and length, or
/// `None` when the subchunk is not stored.
#[cfg(test)]
pub(crate) fn decode_index(bytes: &[u8], n_sub: usize) -> Option<Vec<Option<(u64, u64)>>> {
    let len = n_sub * INDEX_ENTRY_BYTES;
    let start = bytes.len().checked_sub(len + 4)?;
    let index = &bytes[start..start + len];
    let crc = u32::from_le_bytes(bytes[start + len..].try_into().ok()?);
    if crc32c::crc32c(index) != crc {
        return None;
    }
    Some(
        index
            .chunks_exact(INDEX_ENTRY_BYTES)
            .map(|e| {
                let off = u64::from_le_bytes(e[..8].try_into().unwrap_or_default());
                let n = u64::from_le_bytes(e[8..].try_into().unwrap_or_default());
                (off != MISSING).then_some((off, n))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use zarrs::array::{data_type, ArrayBuilder, ArraySubset};
    use zarrs::filesystem::FilesystemStore;

    use super::*;

    #[test]
    fn shard_columns_keep_subchunks_wide() {
        // Nice widths are kept as they are (existing stores unchanged).
        for c in [1, 7, 70, 100, 110, 342, 500, 512] {
            assert_eq!(shard_cols_with_wide_subchunks(c), c);
        }
        // 505 = 5 x 101 and the prime 401 would give subchunks 5 and 1 columns wide.
        assert_eq!(shard_cols_with_wide_subchunks(505), 520);
        assert_eq!(shard_cols_with_wide_subchunks(401), 420);
        for c in 1..2000 {
            let s = shard_cols_with_wide_subchunks(c);
            assert!(s >= c && s < c + MIN_SUBCHUNK_COLS);
            assert!(subchunk_shape(1, 1, s).2 >= MIN_SUBCHUNK_COLS.min(c), "{c}");
        }
    }

    #[test]
    fn subchunks_divide_the_shard() {
        assert_eq!(subchunk_shape(40, 32, 500), (4, 32, 100));
        assert_eq!(subchunk_shape(30, 128, 512), (3, 64, 64));
        assert_eq!(subchunk_shape(3, 7, 5), (3, 7, 5));
        // A prime side gets subchunks of 1 along it rather than an invalid shape.
        assert_eq!(subchunk_shape(13, 127, 500), (1, 1, 100));
    }

    /// A 200 x 70 image of 6 dates in shards of 130 x 70 pixels (subchunks 3 x 26 x 70): the shards
    /// written by `encode_shard` are what zarrs writes for the same array, and zarrs (and so any
    /// Zarr reader) reads every value back.
    #[test]
    fn encoded_shards_are_zarrs_shards() {
        let tmp = tempfile::tempdir().unwrap();
        let (n, l, wd, cr, cc) = (6usize, 200usize, 70usize, 130usize, 70usize);
        assert_eq!(subchunk_shape(n, cr, cc), (3, 26, 70));
        let src: Vec<f32> = (0..n * l * wd).map(|i| i as f32 * 0.5).collect();
        let full = Window {
            y0: 0,
            y1: l,
            x0: 0,
            x1: wd,
        };
        let store = Arc::new(FilesystemStore::new(tmp.path()).unwrap());
        let zarrs_array = ArrayBuilder::new(
            vec![n as u64, l as u64, wd as u64],
            vec![n as u64, cr as u64, cc as u64],
            data_type::float32(),
            f32::NAN,
        )
        .subchunk_shape(subchunk_shape_3d(n, cr, cc))
        .build(store.clone(), "/zarrs")
        .unwrap();
        zarrs_array.store_metadata().unwrap();
        let all = ArraySubset::new_with_ranges(&[0..n as u64, 0..l as u64, 0..wd as u64]);
        zarrs_array.store_array_subset(&all, &src[..]).unwrap();
        for (ci, y0) in [0usize, 130].into_iter().enumerate() {
            let sub = Window {
                y0,
                y1: (y0 + cr).min(l),
                x0: 0,
                x1: wd,
            };
            let mut dst = vec![0.0; shard_words(n, cr, cc)];
            encode_shard(&src, &full, &sub, n, (cr, cc), &mut dst);
            let ours = shard_bytes(&dst);
            let key = zarrs_array.chunk_key(&[0, ci as u64, 0]);
            let theirs = std::fs::read(tmp.path().join(key.as_str())).unwrap();
            if ci == 0 {
                assert_eq!(ours, theirs);
            } else {
                // zarrs leaves out the subchunks past the image edge (all fill value); ours
                // stores them, so a shard is always the same size. Both decode the same.
                assert!(ours.len() > theirs.len());
                let idx = decode_index(&ours, 2 * 5).unwrap();
                assert!(idx.iter().all(Option::is_some));
            }
            std::fs::write(tmp.path().join(key.as_str()), &ours).unwrap();
        }
        let back: Vec<f32> = zarrs_array.retrieve_array_subset(&all).unwrap();
        assert_eq!(back, src);
        // One date's map and one pixel's series, through the subchunks.
        let date: Vec<f32> = zarrs_array
            .retrieve_array_subset(&ArraySubset::new_with_ranges(&[
                1..2,
                0..l as u64,
                0..wd as u64,
            ]))
            .unwrap();
        assert_eq!(date, src[l * wd..2 * l * wd]);
        let px: Vec<f32> = zarrs_array
            .retrieve_array_subset(&ArraySubset::new_with_ranges(&[
                0..n as u64,
                150..151,
                40..41,
            ]))
            .unwrap();
        assert_eq!(
            px,
            (0..n)
                .map(|p| src[p * l * wd + 150 * wd + 40])
                .collect::<Vec<_>>()
        );
    }
}
