//! GeoTIFF georeferencing: from the model tags (ModelPixelScale + ModelTiepoint, or
//! ModelTransformation) and the GeoKeyDirectory to a [`MapGrid`], as GDAL reads them.
//!
//! Only north-up grids without rotation are accepted (what HyP3, LiCSAR, dolphin and GDAL's
//! warps write); the coordinate system is an EPSG code: a projected one (`ProjectedCSTypeGeoKey`,
//! e.g. UTM 326xx/327xx) or a geographic one (`GeographicTypeGeoKey`, e.g. 4326).

use crate::geo::grid::MapGrid;

/// `GTModelTypeGeoKey`.
const KEY_MODEL_TYPE: u16 = 1024;
/// `GTRasterTypeGeoKey`.
const KEY_RASTER_TYPE: u16 = 1025;
/// `GeographicTypeGeoKey`.
const KEY_GEOGRAPHIC_TYPE: u16 = 2048;
/// `ProjectedCSTypeGeoKey`.
const KEY_PROJECTED_TYPE: u16 = 3072;
/// GeoTIFF's "user-defined" code: a CRS spelled out by parameters, not an EPSG code.
const USER_DEFINED: u16 = 32767;

/// The georeferencing tags of a TIFF, as read (absent tags are `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeoTags {
    /// ModelPixelScaleTag: `[sx, sy, sz]`.
    pub pixel_scale: Option<Vec<f64>>,
    /// ModelTiepointTag: `[i, j, k, x, y, z]` (the first tie point is used).
    pub tiepoint: Option<Vec<f64>>,
    /// ModelTransformationTag: a 4 x 4 matrix, row-major.
    pub transformation: Option<Vec<f64>>,
    /// GeoKeyDirectoryTag: header `[1, 1, minor, count]` then `(key, location, count, value)`.
    pub geokeys: Option<Vec<u16>>,
}

/// Whether the raster's tie point names a pixel's corner or its centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RasterType {
    /// `RasterPixelIsArea`: raster (0, 0) is the outer corner of the first pixel.
    Area,
    /// `RasterPixelIsPoint`: raster (0, 0) is the centre of the first pixel; GDAL (and so
    /// MintPy) move the corner half a pixel up and left, and so do we.
    Point,
}

/// The coordinate system and raster type a GeoKeyDirectory declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoKeys {
    /// EPSG code of the coordinate system.
    pub epsg: u32,
    /// Whether it is geographic (degrees) rather than projected.
    pub geographic: bool,
    /// Corner or centre convention of the tie point.
    pub raster_type: RasterType,
}

/// Parses a GeoKeyDirectory. Only the short-valued keys this reader needs are looked at.
pub fn parse_geokeys(dir: &[u16]) -> Result<GeoKeys, String> {
    if dir.len() < 4 || dir[0] != 1 {
        return Err("the GeoKeyDirectory has no valid header".into());
    }
    let n = dir[3] as usize;
    if dir.len() < 4 + 4 * n {
        return Err(format!(
            "the GeoKeyDirectory declares {n} keys but holds {}",
            (dir.len() - 4) / 4
        ));
    }
    let key = |k: u16| {
        dir[4..4 + 4 * n]
            .chunks_exact(4)
            .find(|e| e[0] == k && e[1] == 0)
            .map(|e| e[3])
    };
    let raster_type = match key(KEY_RASTER_TYPE) {
        Some(2) => RasterType::Point,
        _ => RasterType::Area,
    };
    let projected = key(KEY_PROJECTED_TYPE);
    let geographic = key(KEY_GEOGRAPHIC_TYPE);
    let (code, is_geo) = match (key(KEY_MODEL_TYPE), projected, geographic) {
        (Some(1), Some(p), _) | (None, Some(p), _) => (p, false),
        (Some(2), _, Some(g)) | (None, None, Some(g)) => (g, true),
        (Some(1), None, _) => {
            return Err("a projected model without ProjectedCSTypeGeoKey".into());
        }
        (Some(2), _, None) => {
            return Err("a geographic model without GeographicTypeGeoKey".into());
        }
        (Some(m), _, _) => {
            return Err(format!(
                "model type {m} is neither projected nor geographic"
            ))
        }
        (None, None, None) => return Err("no coordinate system among the geokeys".into()),
    };
    if code == USER_DEFINED || code == 0 {
        return Err(
            "a user-defined coordinate system (not an EPSG code) is not supported: \
             reproject to an EPSG system (e.g. gdalwarp -t_srs EPSG:32611)"
                .into(),
        );
    }
    Ok(GeoKeys {
        epsg: code as u32,
        geographic: is_geo,
        raster_type,
    })
}

/// The corner and steps `(x_first, y_first, x_step, y_step)` of the model tags, for raster type
/// `rt`, as GDAL's geotransform: the outer corner of the first pixel.
fn corner_and_steps(tags: &GeoTags, rt: RasterType) -> Result<[f64; 4], String> {
    let (x0, y0, xs, ys) = if let Some(m) = &tags.transformation {
        if m.len() < 8 {
            return Err(format!(
                "ModelTransformation holds {} values, not 16",
                m.len()
            ));
        }
        if m[1] != 0.0 || m[4] != 0.0 {
            return Err(
                "a rotated grid (ModelTransformation with shear terms) is not supported".into(),
            );
        }
        (m[3], m[7], m[0], m[5])
    } else {
        let (Some(s), Some(t)) = (&tags.pixel_scale, &tags.tiepoint) else {
            return Err("neither ModelTransformation nor ModelPixelScale + ModelTiepoint".into());
        };
        if s.len() < 2 || t.len() < 6 {
            return Err("ModelPixelScale or ModelTiepoint is too short".into());
        }
        // Raster position (i, j) of the tie point sits at model (x, y).
        (t[3] - t[0] * s[0], t[4] + t[1] * s[1], s[0], -s[1])
    };
    let shift = match rt {
        RasterType::Area => 0.0,
        RasterType::Point => 0.5,
    };
    let c = [x0 - shift * xs, y0 - shift * ys, xs, ys];
    if c.iter().any(|v| !v.is_finite()) || xs == 0.0 || ys == 0.0 {
        return Err(format!(
            "the grid has a zero or non-finite step or corner: {c:?}"
        ));
    }
    Ok(c)
}

/// The map grid of a `length` x `width` raster from its georeferencing tags; the error says
/// what is missing or unsupported (the caller names the file).
pub fn map_grid(tags: &GeoTags, length: usize, width: usize) -> Result<MapGrid, String> {
    let Some(dir) = &tags.geokeys else {
        return Err("no GeoKeyDirectory tag: the file is not georeferenced".into());
    };
    let keys = parse_geokeys(dir)?;
    let [x_first, y_first, x_step, y_step] = corner_and_steps(tags, keys.raster_type)?;
    Ok(MapGrid {
        y_first,
        x_first,
        y_step,
        x_step,
        length,
        width,
        epsg: Some(keys.epsg),
        degrees: keys.geographic,
    })
}

/// The UTM zone of an EPSG code (`"11N"` for 32611, `"33S"` for 32733), as MintPy writes
/// `UTM_ZONE`; `None` for other systems.
pub fn utm_zone(epsg: u32) -> Option<String> {
    match epsg {
        32601..=32660 => Some(format!("{}N", epsg - 32600)),
        32701..=32760 => Some(format!("{}S", epsg - 32700)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(model: u16, raster: u16, code_key: u16, code: u16) -> Vec<u16> {
        vec![
            1, 1, 0, 3, 1024, 0, 1, model, 1025, 0, 1, raster, code_key, 0, 1, code,
        ]
    }

    fn tags(geokeys: Vec<u16>) -> GeoTags {
        GeoTags {
            pixel_scale: Some(vec![30.0, 30.0, 0.0]),
            tiepoint: Some(vec![0.0, 0.0, 0.0, 500000.0, 4000000.0, 0.0]),
            transformation: None,
            geokeys: Some(geokeys),
        }
    }

    #[test]
    fn utm_area_and_point_grids() {
        let g = map_grid(&tags(keys(1, 1, 3072, 32611)), 10, 20).unwrap();
        assert_eq!(
            (g.x_first, g.y_first, g.x_step, g.y_step),
            (500000.0, 4000000.0, 30.0, -30.0)
        );
        assert_eq!(
            (g.epsg, g.degrees, g.length, g.width),
            (Some(32611), false, 10, 20)
        );
        // PixelIsPoint: the tie point is the first pixel's centre.
        let p = map_grid(&tags(keys(1, 2, 3072, 32611)), 10, 20).unwrap();
        assert_eq!((p.x_first, p.y_first), (499985.0, 4000015.0));
        // A tie point at raster (2, 3) moves the corner back.
        let mut t = tags(keys(1, 1, 3072, 32611));
        t.tiepoint = Some(vec![2.0, 3.0, 0.0, 500060.0, 3999910.0, 0.0]);
        let g2 = map_grid(&t, 10, 20).unwrap();
        assert_eq!((g2.x_first, g2.y_first), (500000.0, 4000000.0));
    }

    #[test]
    fn geographic_grid_from_a_transformation_matrix() {
        let mut t = tags(keys(2, 1, 2048, 4326));
        t.pixel_scale = None;
        t.tiepoint = None;
        let m = vec![
            0.001, 0.0, 0.0, -118.0, 0.0, -0.002, 0.0, 35.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ];
        t.transformation = Some(m.clone());
        let g = map_grid(&t, 5, 6).unwrap();
        assert_eq!(
            (g.x_first, g.y_first, g.x_step, g.y_step),
            (-118.0, 35.0, 0.001, -0.002)
        );
        assert_eq!((g.epsg, g.degrees), (Some(4326), true));
        let mut rotated = m;
        rotated[1] = 1e-4;
        t.transformation = Some(rotated);
        assert!(map_grid(&t, 5, 6).unwrap_err().contains("rotated"));
    }

    #[test]
    fn missing_or_user_defined_crs_is_refused() {
        let mut t = tags(keys(1, 1, 3072, 32611));
        t.geokeys = None;
        assert!(map_grid(&t, 1, 1).unwrap_err().contains("GeoKeyDirectory"));
        let e = map_grid(&tags(keys(1, 1, 3072, USER_DEFINED)), 1, 1).unwrap_err();
        assert!(e.contains("user-defined"), "{e}");
        let e = map_grid(&tags(keys(1, 1, 2048, 4326)), 1, 1).unwrap_err();
        assert!(e.contains("ProjectedCSTypeGeoKey"), "{e}");
        let e = parse_geokeys(&[1, 1, 0, 5, 1024, 0, 1, 1]).unwrap_err();
        assert!(e.contains("declares 5"), "{e}");
        let mut no_scale = tags(keys(1, 1, 3072, 32611));
        no_scale.pixel_scale = None;
        assert!(map_grid(&no_scale, 1, 1)
            .unwrap_err()
            .contains("ModelPixelScale"));
    }

    #[test]
    fn utm_zones() {
        assert_eq!(utm_zone(32611).as_deref(), Some("11N"));
        assert_eq!(utm_zone(32733).as_deref(), Some("33S"));
        assert_eq!(utm_zone(4326), None);
    }
}
