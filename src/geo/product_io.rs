//! What a product holds, described so it can be written again under another shape (cut to a
//! window, or geocoded): its MintPy `FILE_TYPE` and a [`DatasetSpec`] per dataset.

use std::path::Path;

use crate::product::inversion::store_path;
use crate::product::{DatasetSpec, Product};

/// Units of MintPy dataset names whose file does not say (MintPy `DSET_UNIT_DICT`, in part).
fn known_unit(name: &str) -> Option<&'static str> {
    Some(match name {
        "timeseries" | "height" | "dem" | "slantRangeDistance" | "dem_error" => "m",
        "velocity" | "velocityStd" | "acceleration" => "m/year",
        "intercept" | "interceptStd" | "residue" => "m",
        "latitude" | "longitude" | "incidenceAngle" | "azimuthAngle" => "degree",
        "temporalCoherence" | "coherence" | "mask" => "1",
        _ => return None,
    })
}

/// A product's `FILE_TYPE` and the datasets to carry over. The inversion's own Zarr store
/// names each layer twice (ours and MintPy's): only MintPy's name is carried.
pub fn describe_product(dir: &Path, p: &Product) -> anyhow::Result<(String, Vec<DatasetSpec>)> {
    let stem = p.stem();
    let base = stem.rsplit('/').next().unwrap_or(stem);
    let layer = crate::product::inversion::layout::layer(base).ok();
    let mut names = p.dataset_names();
    if p.path() == store_path(dir) {
        names.truncate(1);
    }
    let file_type = p
        .attrs()
        .get("FILE_TYPE")
        .map(str::to_string)
        .or_else(|| layer.map(|l| l.file_type.to_string()))
        .unwrap_or_else(|| {
            if base == "timeseries" {
                "timeseries"
            } else {
                base
            }
            .to_string()
        });
    let root_unit = p.attrs().get("UNIT").map(str::to_string);
    let mut specs = Vec::with_capacity(names.len());
    for name in names {
        let per_date = p.is_per_date(&name)?;
        let is_bool = layer.is_some_and(|l| l.is_bool && l.h5_dataset == name)
            || name.ends_with("Mask")
            || (name == "mask" && file_type == "mask" && base.starts_with("mask"));
        let unit = if is_bool {
            "1".to_string()
        } else {
            known_unit(&name)
                .map(str::to_string)
                .or_else(|| root_unit.clone())
                .unwrap_or_else(|| "1".to_string())
        };
        specs.push(DatasetSpec {
            name: name.clone(),
            per_date,
            unit,
            long_name: name.clone(),
            is_bool,
            unit_attr: true,
        });
    }
    Ok((file_type, specs))
}
