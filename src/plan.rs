//! The chunk plan: how a stack is cut into row strips so that every buffer in flight fits the
//! memory budget. Knows sizes, not science.

use anyhow::{bail, Context};

use crate::window::Window;

/// Chunks that may be in flight at once: the reader fills one while one waits in each channel,
/// one is being inverted and one written; one used input waits to be refilled, and one written
/// result waits to be reused. The plan sizes strips so that all of them fit.
const INPUTS_IN_FLIGHT: usize = 4;
const OUTPUTS_IN_FLIGHT: usize = 4;

/// Memory not available to chunk buffers: program, thread stacks, HDF5/zarr caches.
pub const FIXED_OVERHEAD_BYTES: u64 = 48 << 20;

/// Largest strip in pixels. Strips of ~32 Ki pixels keep the reader, inverter and writer
/// overlapping and let the allocator reuse buffers (measured on a 1000 x 1000 x 150 stack: 12-17%
/// less wall time and a quarter of the peak memory of 1 Mi-pixel strips).
const MAX_CHUNK_PIXELS: usize = 1 << 15;

/// What each pixel of a chunk costs in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelCost {
    /// Bytes of input per pixel (all layers, all pairs).
    pub input_bytes: usize,
    /// Bytes of output per pixel (time series and maps).
    pub output_bytes: usize,
    /// Scratch bytes per pixel the compute stage needs besides input and output.
    pub scratch_bytes: usize,
}

impl PixelCost {
    /// Cost of the inversion of `num_pairs` pairs into `num_dates` dates, reading
    /// `stack_layers` per-pair layers and `map_layers` single maps.
    pub fn inversion(
        num_pairs: usize,
        num_dates: usize,
        stack_layers: usize,
        map_layers: usize,
    ) -> PixelCost {
        PixelCost {
            input_bytes: 4 * (stack_layers * num_pairs + map_layers),
            output_bytes: 4 * (num_dates + 3) + 1,
            // f64 copies of phase and weights for the batched solve.
            scratch_bytes: 8 * (2 * num_pairs + num_dates),
        }
    }

    /// Bytes in flight per pixel of strip height.
    fn in_flight(&self) -> usize {
        INPUTS_IN_FLIGHT * self.input_bytes
            + OUTPUTS_IN_FLIGHT * self.output_bytes
            + self.scratch_bytes
    }
}

/// Row strips covering the image.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkPlan {
    /// Image rows.
    pub length: usize,
    /// Image columns.
    pub width: usize,
    /// Rows per strip (the last strip may be shorter).
    pub rows_per_chunk: usize,
    /// The strips, top to bottom.
    pub chunks: Vec<Window>,
}

impl ChunkPlan {
    /// Plans strips of the whole image under `budget_bytes`. Strip heights are multiples of
    /// `preferred_rows` (e.g. the storage chunk height) when that fits. Errors when not even
    /// one row fits the budget.
    pub fn new(
        length: usize,
        width: usize,
        cost: PixelCost,
        budget_bytes: u64,
        preferred_rows: usize,
    ) -> anyhow::Result<ChunkPlan> {
        Self::new_reserving(length, width, cost, budget_bytes, preferred_rows, 0)
    }

    /// [`Self::new`] with `reserved_bytes` of the budget held by something that does not grow
    /// with the strips (a Zarr series' partly written shards).
    pub fn new_reserving(
        length: usize,
        width: usize,
        cost: PixelCost,
        budget_bytes: u64,
        preferred_rows: usize,
        reserved_bytes: u64,
    ) -> anyhow::Result<ChunkPlan> {
        if length == 0 || width == 0 {
            bail!("the image is empty ({length} x {width} pixels)");
        }
        let row_bytes = (cost.in_flight() * width) as u64;
        let fixed = FIXED_OVERHEAD_BYTES + reserved_bytes;
        let available = budget_bytes.saturating_sub(fixed);
        if row_bytes > available {
            let held = if reserved_bytes > 0 {
                format!(
                    " ({} of it for partly written shards of the outputs)",
                    format_size(reserved_bytes)
                )
            } else {
                String::new()
            };
            bail!(
                "--max-memory {} is too small: one image row of this stack needs {} in flight \
                 plus {} fixed{held}; give at least {}",
                format_size(budget_bytes),
                format_size(row_bytes),
                format_size(fixed),
                format_size(row_bytes + fixed)
            );
        }
        let mut rows = ((available / row_bytes) as usize)
            .min((MAX_CHUNK_PIXELS / width).max(1))
            .clamp(1, length);
        if preferred_rows > 1 && rows >= preferred_rows {
            rows -= rows % preferred_rows;
        }
        Ok(ChunkPlan::strips(length, width, rows))
    }

    /// Strips of `rows` rows covering the image, top to bottom.
    fn strips(length: usize, width: usize, rows: usize) -> ChunkPlan {
        let chunks = (0..length)
            .step_by(rows)
            .map(|y0| Window {
                y0,
                y1: (y0 + rows).min(length),
                x0: 0,
                x1: width,
            })
            .collect();
        ChunkPlan {
            length,
            width,
            rows_per_chunk: rows,
            chunks,
        }
    }
}

impl ChunkPlan {
    /// Strips of `rows` rows (as fixed by an earlier run being resumed); errors if they do not
    /// fit `budget_bytes`.
    pub fn with_rows(
        length: usize,
        width: usize,
        rows: usize,
        cost: PixelCost,
        budget_bytes: u64,
    ) -> anyhow::Result<ChunkPlan> {
        if rows == 0 || length == 0 || width == 0 {
            bail!("a chunk plan of {rows} rows for a {length} x {width} image is not possible");
        }
        let need = (cost.in_flight() * width * rows) as u64 + FIXED_OVERHEAD_BYTES;
        if need > budget_bytes {
            bail!(
                "this run was planned in strips of {rows} rows, which need {} in flight; resume it \
                 with --max-memory {} or more, or start over with --restart",
                format_size(need),
                format_size(need)
            );
        }
        Ok(ChunkPlan::strips(length, width, rows))
    }
}

/// Parses a memory size such as `512MiB`, `4GB`, `2G`, `1.5GiB` or a plain number of bytes.
/// Decimal (kB, MB, GB) and binary (KiB, MiB, GiB, K, M, G) units are accepted.
pub fn parse_size(text: &str) -> anyhow::Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .with_context(|| format!("'{text}' is not a memory size (e.g. 512MiB, 4GB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0f64.powi(4),
        other => bail!("'{text}': unknown size unit '{other}' (use B, KiB, MiB, GiB, kB, MB, GB)"),
    };
    let bytes = value * mult;
    if !bytes.is_finite() || bytes < 1.0 {
        bail!("'{text}' is not a positive memory size");
    }
    Ok(bytes as u64)
}

/// Formats a byte count in binary units (`1.5 GiB`).
pub fn format_size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("4GB").unwrap(), 4_000_000_000);
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn strips_cover_image_within_budget() {
        let cost = PixelCost::inversion(150, 40, 2, 2);
        let budget = 256u64 << 20;
        let plan = ChunkPlan::new(1000, 1000, cost, budget, 0).unwrap();
        let covered: usize = plan.chunks.iter().map(|w| w.rows()).sum();
        assert_eq!(covered, 1000);
        assert!(plan.chunks.windows(2).all(|w| w[0].y1 == w[1].y0));
        let in_flight = (cost.in_flight() * plan.rows_per_chunk * 1000) as u64;
        assert!(in_flight + FIXED_OVERHEAD_BYTES <= budget, "{in_flight}");
        assert!(plan.chunks.len() > 1);
    }

    #[test]
    fn honours_preferred_rows_and_rejects_tiny_budgets() {
        let cost = PixelCost::inversion(10, 5, 2, 2);
        let plan = ChunkPlan::new(100, 10, cost, 1 << 30, 8).unwrap();
        assert_eq!(plan.rows_per_chunk % 8, 0);
        let err = ChunkPlan::new(
            10,
            100_000,
            PixelCost::inversion(1000, 300, 3, 2),
            64 << 20,
            0,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("too small"), "{err}");
    }
}
