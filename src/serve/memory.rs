//! The server's memory budget (`--max-memory`): how many requests may be answered at once so
//! that the process stays within it. Memory is what the process holds after scanning the run
//! (measured) plus, per request being answered, the peak of the costliest map of the run
//! (estimated from its size, see [`map_peak_bytes`]); a pixel's series is one read of a few
//! kilobytes and costs next to nothing.

use anyhow::ensure;

use super::catalog::Catalog;
use crate::plot::layer::{display_step, READ_BUDGET};
use crate::window::Window;

/// Bytes per displayed pixel while a map is made: the values and the values at the reference
/// date (f32 each), the mask, the colour image and its PNG, with room for the copies made
/// on the way.
const BYTES_PER_DISPLAY_PIXEL: usize = 32;

/// Peak bytes of answering a map request of the costliest layer: its displayed image, and the
/// strip of the store read at once (at most the read budget of `sbas view`, whose estimate
/// assumes storage chunks holding every date).
pub fn map_peak_bytes(catalog: &Catalog) -> usize {
    catalog
        .layers
        .iter()
        .map(|l| {
            let window = Window::full(l.rows, l.cols);
            let step = display_step(&window);
            let shown = l.rows.div_ceil(step) * l.cols.div_ceil(step);
            let planes = if l.per_date { l.dates.len().max(1) } else { 1 };
            let read = READ_BUDGET.min(l.rows * l.cols * 4 * planes);
            shown * BYTES_PER_DISPLAY_PIXEL + read
        })
        .max()
        .unwrap_or(0)
}

/// The process's resident memory now, bytes (Linux; 0 where unknown).
pub fn resident_bytes() -> usize {
    let Ok(text) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: usize = text
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * usize::try_from(page).unwrap_or(4096)
}

/// Requests answered at once within `max_memory` bytes, at most `most`: the budget left after
/// `base` bytes (the process as it is) divided by the peak of one map request. An error when
/// not even one fits, naming the budget that would.
pub fn workers_within(
    max_memory: u64,
    base: usize,
    map_peak: usize,
    most: usize,
) -> anyhow::Result<usize> {
    let mib = |b: usize| b.div_ceil(1 << 20);
    let need = base + map_peak;
    let max = usize::try_from(max_memory).unwrap_or(usize::MAX);
    ensure!(
        max >= need,
        "--max-memory {} MiB is below what one map of this run needs: {} MiB (the server holds {} \
         MiB, a map takes up to {} MiB); give at least --max-memory {}MiB",
        mib(max),
        mib(need),
        mib(base),
        mib(map_peak),
        mib(need)
    );
    Ok(((max - base) / map_peak.max(1)).clamp(1, most))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_fit_the_budget_or_the_budget_is_refused() {
        let mib = 1usize << 20;
        assert_eq!(workers_within(1 << 30, 20 * mib, 150 * mib, 4).unwrap(), 4);
        assert_eq!(
            workers_within(400 << 20, 20 * mib, 150 * mib, 4).unwrap(),
            2
        );
        let e = workers_within(100 << 20, 20 * mib, 150 * mib, 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least --max-memory 170MiB"), "{e}");
        assert!(resident_bytes() > 0);
    }
}
