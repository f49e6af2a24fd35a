//! Conventions every Zarr store of sbas shares (the inversion's chunk store and every product):
//! compression, fill values of coordinates, the completion flag, and a root `zarr.json` that is
//! the same bytes for the same content.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{Map, Value};
use zarrs::array::codec::ZstdCodec;
use zarrs::array::{ArrayMetadataOptions, BytesToBytesCodecTraits};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::{Group, GroupBuilder};
use zarrs::metadata_ext::group::consolidated_metadata::{
    ConsolidatedMetadata, ConsolidatedMetadataKind,
};
use zarrs::node::Node;

type Store = FilesystemStore;

/// Root attribute that is `false` until `finalize` has run.
pub const COMPLETE_ATTR: &str = "sbas_complete";

/// zstd level 1: on float rasters of noisy phase it stores 5% more than level 3 (137 against 131
/// MB for the 1000 x 1000 x 40 benchmark) at less than half the CPU time, which the writer
/// thread otherwise spends while the inversion waits for a core.
const ZSTD_LEVEL: i32 = 1;

/// Fill of the `date` coordinate: numpy's NaT, never a real date (0 would be 1970-01-01, which
/// xarray could mask as missing).
pub(crate) const DATE_FILL: i64 = i64::MIN;

/// Fill of the `y`/`x` pixel-index coordinates: never a real index.
pub(crate) const INDEX_FILL: i64 = -1;

fn zstd() -> Vec<Arc<dyn BytesToBytesCodecTraits>> {
    vec![Arc::new(ZstdCodec::new(ZSTD_LEVEL, false))]
}

/// Compression of an array: none for per-date (time-series) arrays, zstd for the rest.
///
/// Noisy float32 displacement compresses poorly (zstd keeps 82% of it, 71% after a byte
/// shuffle), and compressing it took more CPU than writing the saved bytes: on the
/// 1000 x 1000 x 40 benchmark, storing the series raw cut a run's CPU time by 0.26 s (15%)
/// and its wall time by 13%. MintPy's own `timeseries.h5` is uncompressed too. The 2-D
/// layers (masks, counts, coherence) compress well and stay compressed.
pub(crate) fn codecs_for(per_date: bool) -> Vec<Arc<dyn BytesToBytesCodecTraits>> {
    if per_date {
        Vec::new()
    } else {
        zstd()
    }
}

/// Options of every stored array metadata: without zarrs' own `_zarrs` attribute, a nested
/// dict that would make xarray's `to_netcdf` fail on the opened dataset.
pub(crate) fn metadata_options() -> ArrayMetadataOptions {
    ArrayMetadataOptions::default().with_include_zarrs_metadata(false)
}

/// Writes the root group with `attrs` and, when given, consolidated metadata.
pub(crate) fn write_root(
    store: &Arc<Store>,
    attrs: Map<String, Value>,
    consolidated: Option<ConsolidatedMetadata>,
) -> anyhow::Result<()> {
    let mut group: Group<Store> = GroupBuilder::new()
        .attributes(attrs)
        .build(store.clone(), "/")?;
    group.set_consolidated_metadata(consolidated);
    group.store_metadata()?;
    Ok(())
}

/// Finishes the store at `path`: the root gets `attrs` (with the completion flag set) and the
/// consolidated metadata of every array, in name order.
pub(crate) fn finish_store(
    store: &Arc<Store>,
    path: &Path,
    attrs: Map<String, Value>,
) -> anyhow::Result<()> {
    let node = Node::open(store, "/")?;
    let consolidated = node
        .consolidate_metadata()
        .map(|metadata| ConsolidatedMetadata {
            metadata,
            kind: ConsolidatedMetadataKind::Inline,
        });
    write_root(store, attrs, consolidated)?;
    sort_consolidated_metadata(path)
}

/// Rewrites the root `zarr.json` of the store at `path` with its consolidated metadata in name
/// order. zarrs keeps those entries in a hash map, which serialises in an order that changes
/// from process to process: without this, two identical runs would give different root files.
fn sort_consolidated_metadata(path: &Path) -> anyhow::Result<()> {
    let file = path.join("zarr.json");
    let text = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut root: Value =
        serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let Some(entries) = root
        .pointer_mut("/consolidated_metadata/metadata")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    entries.sort_keys();
    let sorted = serde_json::to_vec_pretty(&root)?;
    if sorted != text {
        // Replaced whole, so that a crash leaves the old file or the new one, never half of it.
        let tmp = path.join("zarr.json.sorting");
        std::fs::write(&tmp, sorted)
            .and_then(|()| std::fs::rename(&tmp, &file))
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    Ok(())
}
