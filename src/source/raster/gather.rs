//! Positioned reads of evenly spaced rows of a file straight into a caller's buffer, in as few
//! system calls as the layout allows.
//!
//! A window of a raster band is `rows` runs of `row_bytes` bytes, `line_stride` bytes apart. A
//! full-width single-band window is one run (one `pread`); a band of a BIL file (the phase of a
//! two-band `.unw`) has the other bands' samples between its rows, so the rows are gathered
//! with vectored reads (`preadv`) whose gaps land in a small per-thread scratch buffer. Reading
//! this way costs one kernel copy per byte and no page-table work, where mapping the file cost
//! a page fault per few pages and a TLB shootdown per unmap.

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

/// Largest gap between two rows that is read (into scratch) rather than skipped with a
/// separate call: copying a few pages costs less than a system call, copying megabytes does not.
const MAX_READ_GAP: usize = 256 * 1024;

/// Most `iovec`s per `preadv` call (Linux's `IOV_MAX`).
const MAX_IOVECS: usize = 1024;

thread_local! {
    /// Where the bytes between rows go (never read).
    static GAP: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads `dst.len() / row_bytes` rows of `row_bytes` bytes each from `file`, the first at byte
/// `offset`, each next one `line_stride` bytes further, packed one after another into `dst`.
///
/// `line_stride >= row_bytes` and `dst.len()` a multiple of `row_bytes` are the caller's
/// promise. A file shorter than the rows is an `UnexpectedEof` error.
pub fn read_rows(
    file: &File,
    offset: u64,
    line_stride: usize,
    row_bytes: usize,
    dst: &mut [u8],
) -> io::Result<()> {
    debug_assert!(row_bytes > 0 && line_stride >= row_bytes && dst.len().is_multiple_of(row_bytes));
    let gap = line_stride - row_bytes;
    if gap == 0 {
        return file.read_exact_at(dst, offset);
    }
    if gap > MAX_READ_GAP {
        for (r, row) in dst.chunks_exact_mut(row_bytes).enumerate() {
            file.read_exact_at(row, offset + (r * line_stride) as u64)?;
        }
        return Ok(());
    }
    GAP.with(|cell| {
        let mut scratch = cell.borrow_mut();
        if scratch.len() < gap {
            scratch.resize(gap, 0);
        }
        // Each call reads rows and the gaps between them; a batch ends on a row.
        let rows_per_call = MAX_IOVECS.div_ceil(2);
        let mut first = 0;
        for batch in dst.chunks_mut(rows_per_call * row_bytes) {
            read_batch(
                file,
                offset + (first * line_stride) as u64,
                row_bytes,
                &mut scratch[..gap],
                batch,
            )?;
            first += batch.len() / row_bytes;
        }
        Ok(())
    })
}

/// One `preadv` of the rows in `batch` with `gap` between them; a short read (allowed for
/// any read) is completed row by row.
fn read_batch(
    file: &File,
    offset: u64,
    row_bytes: usize,
    gap: &mut [u8],
    batch: &mut [u8],
) -> io::Result<()> {
    let rows = batch.len() / row_bytes;
    let gap_len = gap.len();
    let mut iov: Vec<libc::iovec> = Vec::with_capacity(2 * rows);
    for (r, row) in batch.chunks_exact_mut(row_bytes).enumerate() {
        if r > 0 {
            iov.push(libc::iovec {
                iov_base: gap.as_mut_ptr().cast(),
                iov_len: gap_len,
            });
        }
        iov.push(libc::iovec {
            iov_base: row.as_mut_ptr().cast(),
            iov_len: row_bytes,
        });
    }
    let done = loop {
        let pos = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset beyond off_t"))?;
        // SAFETY: every iovec points into `batch` or `gap`, both borrowed mutably for the
        // whole call and at least as long as the lengths given; the gap buffer may be named by
        // several iovecs because its contents are never read. `iov.len()` is at most
        // MAX_IOVECS (two per row, rows_per_call rows).
        let n = unsafe { libc::preadv(file.as_raw_fd(), iov.as_ptr(), iov.len() as i32, pos) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    };
    let line_stride = row_bytes + gap_len;
    let wanted = rows * row_bytes + (rows - 1) * gap_len;
    if done >= wanted {
        return Ok(());
    }
    // Finish each row the call did not fully read.
    for (r, row) in batch.chunks_exact_mut(row_bytes).enumerate() {
        let start = r * line_stride;
        if start + row_bytes <= done {
            continue;
        }
        let have = done.saturating_sub(start);
        file.read_exact_at(&mut row[have..], offset + (start + have) as u64)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let g = File::open(f.path()).unwrap();
        (f, g)
    }

    fn expected(bytes: &[u8], offset: usize, stride: usize, row: usize, rows: usize) -> Vec<u8> {
        (0..rows)
            .flat_map(|r| bytes[offset + r * stride..offset + r * stride + row].to_vec())
            .collect()
    }

    #[test]
    fn contiguous_gapped_and_far_apart_rows_and_many_batches() {
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (_keep, f) = file_of(&bytes);
        // (offset, stride, row bytes, rows): no gap; small gap; gap above MAX_READ_GAP;
        // more rows than one preadv takes.
        for (off, stride, row, rows) in [
            (5, 16, 16, 100),
            (3, 24, 8, 50),
            (0, 300_000, 10, 9),
            (1, 3, 2, 1500),
        ] {
            let mut dst = vec![0u8; row * rows];
            read_rows(&f, off as u64, stride, row, &mut dst).unwrap();
            assert_eq!(
                dst,
                expected(&bytes, off, stride, row, rows),
                "{off} {stride} {row}"
            );
        }
    }

    #[test]
    fn a_file_too_short_is_an_eof_error() {
        let (_keep, f) = file_of(&[1u8; 100]);
        let mut dst = vec![0u8; 40];
        let e = read_rows(&f, 0, 31, 10, &mut dst).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let e = read_rows(&f, 90, 10, 10, &mut dst).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
