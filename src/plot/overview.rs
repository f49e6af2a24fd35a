//! The `pic/` folder of a run: the main maps at a glance.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::view::{render_view, MaskChoice, ViewOptions};
use crate::product::Product;

/// Writes `pic/NAME.png` in `dir` for each of velocity, temporalCoherence, maskTempCoh,
/// avgSpatialCoh, numInvIfgram and the last date's displacement that the run folder holds.
/// Velocity and displacement are masked with maskTempCoh when the run has it. Returns the
/// files written.
pub fn overview(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let pic = dir.join("pic");
    std::fs::create_dir_all(&pic).with_context(|| format!("creating {}", pic.display()))?;
    let mask = if Product::exists(dir, "maskTempCoh") {
        MaskChoice::Product("maskTempCoh".into())
    } else {
        MaskChoice::No
    };
    let layers = [
        ("velocity", true),
        ("temporalCoherence", false),
        ("maskTempCoh", false),
        ("avgSpatialCoh", false),
        ("numInvIfgram", false),
        ("timeseries", true),
    ];
    let mut written = Vec::new();
    for (name, masked) in layers {
        if !Product::exists(dir, name) {
            continue;
        }
        let opts = ViewOptions {
            layer: name.to_string(),
            mask: if masked { mask.clone() } else { MaskChoice::No },
            flip: true,
            ..ViewOptions::default()
        };
        let file = pic.join(if name == "timeseries" {
            "timeseries_last.png".to_string()
        } else {
            format!("{name}.png")
        });
        render_view(dir, &opts)
            .with_context(|| format!("drawing {name} for {}", pic.display()))?
            .0
            .write_png(&file)?;
        written.push(file);
    }
    Ok(written)
}
