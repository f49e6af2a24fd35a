//! What every output holds, independent of the file format: names (ours and MintPy's), units,
//! descriptions, chunk shapes, and the checks a chunk of results must pass before it is written.

use anyhow::{bail, ensure};

use super::OutputSpec;
use crate::invert::ChunkOut;
use crate::meta::Attributes;
use crate::product::{DatasetSpec, ProductSpec};
use crate::window::Window;

/// Widest storage chunk, in columns: keeps a chunk of all dates within a few tens of MB.
pub(crate) const MAX_CHUNK_COLS: usize = 512;

/// Name of the time-series output (a Zarr array, and the dataset of MintPy's `timeseries.h5`).
pub(crate) const TIMESERIES: &str = "timeseries";

/// One per-pixel 2-D output (`length x width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layer {
    /// Our name: the Zarr array name and the name accepted by the results reader.
    pub name: &'static str,
    /// MintPy's file holding it.
    pub h5_file: &'static str,
    /// MintPy's dataset name inside that file.
    pub h5_dataset: &'static str,
    /// MintPy's `FILE_TYPE` of that file.
    pub file_type: &'static str,
    /// MintPy's `UNIT` (MintPy writes `1` for all of these, masks included: see `unit` below).
    pub unit: &'static str,
    /// Human-readable description.
    pub long_name: &'static str,
    /// Stored as a boolean mask rather than float32.
    pub is_bool: bool,
}

/// The 2-D outputs, in the order they are written.
///
/// UNIT: MintPy 1.6.4's `ifgram_inversion` sets `UNIT=1` on temporalCoherence.h5 and
/// numInvIfgram.h5; `temporal_average` gives avgSpatialCoh.h5 the unit of `coherence` (`1`); and
/// `generate_mask` copies every attribute of temporalCoherence.h5 (so `UNIT=1`) into maskTempCoh.h5.
pub(crate) const LAYERS: [Layer; 4] = [
    Layer {
        name: "temporalCoherence",
        h5_file: "temporalCoherence.h5",
        h5_dataset: "temporalCoherence",
        file_type: "temporalCoherence",
        unit: "1",
        long_name: "temporal coherence of the network inversion",
        is_bool: false,
    },
    Layer {
        name: "numInvIfgram",
        h5_file: "numInvIfgram.h5",
        h5_dataset: "mask",
        file_type: "mask",
        unit: "1",
        long_name: "number of interferograms used in the inversion",
        is_bool: false,
    },
    Layer {
        name: "avgSpatialCoh",
        h5_file: "avgSpatialCoh.h5",
        h5_dataset: "coherence",
        file_type: "coherence",
        unit: "1",
        long_name: "average spatial coherence of the kept interferograms",
        is_bool: false,
    },
    Layer {
        name: "maskTempCoh",
        h5_file: "maskTempCoh.h5",
        h5_dataset: "mask",
        file_type: "mask",
        unit: "1",
        long_name: "reliable pixels: temporal coherence above the threshold",
        is_bool: true,
    },
];

/// Description of the time series.
pub(crate) const TIMESERIES_LONG_NAME: &str =
    "cumulative LOS displacement, positive towards the satellite";

/// MintPy's time-series file.
pub(crate) const TIMESERIES_H5: &str = "timeseries.h5";

/// Every output name an inversion may leave in its folder (the Zarr store, or MintPy's files),
/// removed by `--restart`.
pub const OUTPUT_NAMES: [&str; 6] = [
    super::STORE_NAME,
    TIMESERIES_H5,
    LAYERS[0].h5_file,
    LAYERS[1].h5_file,
    LAYERS[2].h5_file,
    LAYERS[3].h5_file,
];

/// The inversion's outputs as MintPy's files, one product each, in [`LAYERS`] order after the
/// time series: what an HDF5 run assembles at its end. Their datasets carry `UNIT` at the root
/// only, as MintPy's inversion writes them.
pub(crate) fn hdf5_products(spec: &OutputSpec) -> Vec<ProductSpec> {
    let product = |file: &str, file_type: &str, dataset: DatasetSpec, attrs: Attributes| {
        let series = dataset.per_date;
        ProductSpec {
            stem: file.trim_end_matches(".h5").to_string(),
            file_type: file_type.to_string(),
            length: spec.length,
            width: spec.width,
            dates: if series {
                spec.dates.clone()
            } else {
                Vec::new()
            },
            bperp: if series {
                spec.bperp.clone()
            } else {
                Vec::new()
            },
            datasets: vec![dataset.without_unit_attr()],
            attrs,
        }
    };
    let mut out = vec![product(
        TIMESERIES_H5,
        "timeseries",
        DatasetSpec::series(TIMESERIES, "m", TIMESERIES_LONG_NAME),
        file_attrs(spec, "timeseries", "m", true),
    )];
    for layer in LAYERS {
        let dataset = if layer.is_bool {
            DatasetSpec::mask(layer.h5_dataset, layer.long_name)
        } else {
            DatasetSpec::map(layer.h5_dataset, layer.unit, layer.long_name)
        };
        let mut attrs = file_attrs(spec, layer.file_type, layer.unit, false);
        if layer.name == "numInvIfgram" {
            // MintPy drops the stack's no-data value here (its issue #1185).
            attrs.remove("NO_DATA_VALUE");
        }
        out.push(product(layer.h5_file, layer.file_type, dataset, attrs));
    }
    out
}

/// The layer with our name `name`, or an error listing the valid names.
pub(crate) fn layer(name: &str) -> anyhow::Result<&'static Layer> {
    match LAYERS.iter().find(|l| l.name == name) {
        Some(l) => Ok(l),
        None => bail!(
            "unknown result layer '{name}': expected one of {}",
            LAYERS.map(|l| l.name).join(", ")
        ),
    }
}

/// The float values of one layer of a chunk (masks as 0/1), for formats that store floats.
pub(crate) fn layer_f32<'a>(out: &'a ChunkOut, layer: &Layer) -> Option<&'a [f32]> {
    match layer.name {
        "temporalCoherence" => Some(&out.temporal_coherence),
        "numInvIfgram" => Some(&out.num_inv_ifgram),
        "avgSpatialCoh" => Some(&out.avg_spatial_coh),
        _ => None,
    }
}

/// Storage chunk shape of the outputs: rows and columns of a 2-D chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkShape {
    /// Rows per chunk: the plan's strip height (clipped to the image), so a strip covers whole chunks.
    pub rows: usize,
    /// Columns per chunk: at most [`MAX_CHUNK_COLS`], splitting the width into equal parts,
    /// widened a little (the last chunk reaching past the image) where that part's width would
    /// make the time series' subchunks thin (see `shard_cols_with_wide_subchunks`).
    pub cols: usize,
}

impl ChunkShape {
    /// The chunk shape for a spec.
    pub fn for_spec(spec: &OutputSpec) -> ChunkShape {
        let parts = spec.width.div_ceil(MAX_CHUNK_COLS).max(1);
        ChunkShape {
            rows: spec.chunk_rows.clamp(1, spec.length.max(1)),
            cols: crate::product::shard::shard_cols_with_wide_subchunks(
                spec.width.div_ceil(parts).max(1),
            ),
        }
    }

    /// Whether `w` starts and ends on chunk boundaries (or the image edge).
    pub fn aligned(&self, w: &Window, length: usize, width: usize) -> bool {
        w.y0.is_multiple_of(self.rows)
            && (w.y1.is_multiple_of(self.rows) || w.y1 == length)
            && w.x0.is_multiple_of(self.cols)
            && (w.x1.is_multiple_of(self.cols) || w.x1 == width)
    }
}

/// Checks a spec before anything is created.
pub(crate) fn check_spec(spec: &OutputSpec) -> anyhow::Result<()> {
    ensure!(
        spec.length > 0 && spec.width > 0,
        "output size {} x {} is empty",
        spec.length,
        spec.width
    );
    ensure!(spec.chunk_rows > 0, "chunk_rows must be positive");
    ensure!(
        !spec.dates.is_empty(),
        "a time series needs at least one date"
    );
    ensure!(
        spec.bperp.len() == spec.dates.len(),
        "{} perpendicular baselines for {} dates",
        spec.bperp.len(),
        spec.dates.len()
    );
    ensure!(
        spec.dates.windows(2).all(|d| d[0] < d[1]),
        "dates must be strictly increasing"
    );
    Ok(())
}

/// Checks that a chunk of results lies inside the image and its buffers have the window's size.
pub(crate) fn check_chunk(spec: &OutputSpec, out: &ChunkOut) -> anyhow::Result<()> {
    let w = &out.window;
    ensure!(
        w.y0 < w.y1 && w.x0 < w.x1 && w.y1 <= spec.length && w.x1 <= spec.width,
        "chunk {} window rows {}..{} cols {}..{} is empty or outside the {} x {} image",
        out.id,
        w.y0,
        w.y1,
        w.x0,
        w.x1,
        spec.length,
        spec.width
    );
    let px = w.pixels();
    let n = spec.dates.len();
    ensure!(
        out.timeseries.len() == n * px,
        "chunk {}: time series holds {} values, expected {} dates x {} pixels",
        out.id,
        out.timeseries.len(),
        n,
        px
    );
    for (name, len) in [
        ("temporal coherence", out.temporal_coherence.len()),
        ("numInvIfgram", out.num_inv_ifgram.len()),
        ("avgSpatialCoh", out.avg_spatial_coh.len()),
        ("maskTempCoh", out.mask_temp_coh.len()),
    ] {
        ensure!(
            len == px,
            "chunk {}: {name} holds {len} values, expected {px} pixels",
            out.id
        );
    }
    Ok(())
}

/// Root attributes of one output: the run's attributes plus MintPy's per-file keys.
/// `ref_date`: `Some` for time series (keeps a given `REF_DATE`, else the first date), `None`
/// removes it as MintPy does for the other files.
pub(crate) fn file_attrs(
    spec: &OutputSpec,
    file_type: &str,
    unit: &str,
    ref_date: bool,
) -> Attributes {
    let mut a = spec.attrs.clone();
    a.set("FILE_TYPE", file_type);
    a.set("UNIT", unit);
    a.set("LENGTH", spec.length);
    a.set("WIDTH", spec.width);
    if ref_date {
        if !a.contains("REF_DATE") {
            a.set("REF_DATE", spec.dates[0]);
        }
    } else {
        a.remove("REF_DATE");
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;

    fn spec(length: usize, width: usize, chunk_rows: usize) -> OutputSpec {
        OutputSpec {
            dir: "/nonexistent".into(),
            length,
            width,
            chunk_rows,
            dates: vec![Date::from_ymd(2020, 1, 1).expect("valid date")],
            bperp: vec![0.0],
            attrs: Attributes::new(),
        }
    }

    #[test]
    fn chunk_columns_split_width_evenly_below_the_cap() {
        assert_eq!(ChunkShape::for_spec(&spec(10, 100, 4)).cols, 100);
        assert_eq!(ChunkShape::for_spec(&spec(10, 512, 4)).cols, 512);
        assert_eq!(ChunkShape::for_spec(&spec(10, 1000, 4)).cols, 500);
        assert_eq!(ChunkShape::for_spec(&spec(10, 1025, 4)).cols, 342);
        // 1009 / 2 = 505 = 5 x 101: subchunks would be 5 columns wide.
        assert_eq!(ChunkShape::for_spec(&spec(10, 1009, 4)).cols, 520);
        assert_eq!(ChunkShape::for_spec(&spec(3, 10, 8)).rows, 3);
    }

    #[test]
    fn alignment_accepts_strips_and_the_short_last_strip() {
        let c = ChunkShape::for_spec(&spec(10, 1000, 4));
        let strip = |y0, y1| Window {
            y0,
            y1,
            x0: 0,
            x1: 1000,
        };
        assert!(c.aligned(&strip(0, 4), 10, 1000));
        assert!(c.aligned(&strip(8, 10), 10, 1000));
        assert!(!c.aligned(&strip(2, 6), 10, 1000));
        assert!(!c.aligned(
            &Window {
                y0: 0,
                y1: 4,
                x0: 0,
                x1: 300
            },
            10,
            1000
        ));
    }

    #[test]
    fn timeseries_attrs_get_ref_date_and_others_lose_it() {
        let mut s = spec(2, 3, 1);
        s.attrs.set("REF_DATE", "20190101");
        s.attrs.set("WAVELENGTH", "0.05546");
        let ts = file_attrs(&s, "timeseries", "m", true);
        assert_eq!(ts.get("REF_DATE"), Some("20190101"));
        assert_eq!(ts.get("LENGTH"), Some("2"));
        let tc = file_attrs(&s, "temporalCoherence", "1", false);
        assert_eq!(tc.get("REF_DATE"), None);
        assert_eq!(tc.get("WAVELENGTH"), Some("0.05546"));
        s.attrs.remove("REF_DATE");
        assert_eq!(
            file_attrs(&s, "timeseries", "m", true).get("REF_DATE"),
            Some("20200101")
        );
    }

    #[test]
    fn unknown_layer_names_are_refused() {
        assert!(layer("maskTempCoh").is_ok());
        let e = layer("velocity").unwrap_err().to_string();
        assert!(e.contains("temporalCoherence"), "{e}");
    }
}
