//! GeoTIFF export, written through the `tiff` crate: one band of float32 on a regular latitude/longitude grid, with the
//! EPSG:4326 geo-keys GDAL and QGIS read (ModelPixelScale, ModelTiepoint, GeoKeyDirectory with
//! GTModelType = geographic, GTRasterType = PixelIsArea, GeographicType = 4326), or on a projected
//! grid with its EPSG code (ProjectedCSType, as for a UTM stack), and a
//! `GDAL_NODATA` tag of `nan`. Classic little-endian TIFF, uncompressed strips; rows are
//! streamed in, so the image never has to fit in memory.

use std::io::{Seek, Write};

use anyhow::{bail, ensure};

use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

use crate::geo::grid::MapGrid;

/// GeoTIFF ModelPixelScaleTag.
pub const MODEL_PIXEL_SCALE: u16 = 33550;
/// GeoTIFF ModelTiepointTag.
pub const MODEL_TIEPOINT: u16 = 33922;
/// GeoTIFF GeoKeyDirectoryTag.
pub const GEO_KEY_DIRECTORY: u16 = 34735;
/// GDAL's no-data tag (ASCII).
pub const GDAL_NODATA: u16 = 42113;

/// The GeoKeyDirectory: version 1.1.0, then (key, location 0, count 1, value) entries.
pub fn geo_keys() -> Vec<u16> {
    vec![
        1, 1, 0, 4, // header: 4 keys
        1024, 0, 1, 2, // GTModelTypeGeoKey = ModelTypeGeographic
        1025, 0, 1, 1, // GTRasterTypeGeoKey = RasterPixelIsArea
        2048, 0, 1, 4326, // GeographicTypeGeoKey = GCS_WGS_84
        2054, 0, 1, 9102, // GeogAngularUnitsGeoKey = degree
    ]
}

/// The GeoKeyDirectory of `grid`: [`geo_keys`] on a latitude/longitude grid (no EPSG code, or
/// 4326); on a projected grid, GTModelType = projected, PixelIsArea, ProjectedCSType = its EPSG
/// code and metres (what GDAL writes for a WGS 84 / UTM raster). A projected grid without an EPSG
/// code, or with one beyond the 16-bit keys, is refused.
pub fn geo_keys_for(grid: &MapGrid) -> anyhow::Result<Vec<u16>> {
    match (grid.degrees, grid.epsg) {
        (true, None | Some(4326)) => Ok(geo_keys()),
        (true, Some(e)) => bail!("the grid is in degrees of EPSG {e}: only EPSG 4326 is written"),
        (false, None) => bail!("the grid is projected but names no EPSG code"),
        (false, Some(e)) => {
            let code = u16::try_from(e)
                .map_err(|_| anyhow::anyhow!("EPSG {e} does not fit a GeoTIFF key"))?;
            Ok(vec![
                1, 1, 0, 4, // header: 4 keys
                1024, 0, 1, 1, // GTModelTypeGeoKey = ModelTypeProjected
                1025, 0, 1, 1, // GTRasterTypeGeoKey = RasterPixelIsArea
                3072, 0, 1, code, // ProjectedCSTypeGeoKey
                3076, 0, 1, 9001, // ProjLinearUnitsGeoKey = metre
            ])
        }
    }
}

/// Writes a float32 GeoTIFF of `grid` (its size and transform) to `out`. `next_rows(y0, y1)`
/// returns rows `y0..y1` (row-major, `(y1 - y0) * width` values); it is called strip by strip,
/// in order, so the image never has to fit in memory.
pub fn write_geotiff<W: Write + Seek>(
    out: &mut W,
    grid: &MapGrid,
    mut next_rows: impl FnMut(usize, usize) -> anyhow::Result<Vec<f32>>,
) -> anyhow::Result<()> {
    let (width, height) = (grid.width, grid.length);
    ensure!(width > 0 && height > 0, "an empty {height} x {width} image");
    ensure!(
        grid.x_step.is_finite()
            && grid.y_step.is_finite()
            && grid.x_step != 0.0
            && grid.y_step != 0.0,
        "the grid steps must be finite and non-zero"
    );
    let row_bytes = width as u64 * 4;
    // Classic TIFF addresses 4 GiB; leave room for the directory.
    if row_bytes * height as u64 > u32::MAX as u64 - (1 << 20) {
        bail!("a {height} x {width} float32 image is too large for a classic TIFF (4 GiB)");
    }
    let keys = geo_keys_for(grid)?;
    let (w32, h32) = (u32::try_from(width)?, u32::try_from(height)?);
    let mut enc = TiffEncoder::new(out)?;
    let mut img = enc.new_image::<colortype::Gray32Float>(w32, h32)?;
    // Strips of about 256 KiB: what readers fetch at once, and what we hold in memory.
    let rows_per_strip = ((256 * 1024) / row_bytes as usize).clamp(1, height);
    img.rows_per_strip(rows_per_strip as u32)?;
    let e = img.encoder();
    e.write_tag(Tag::ModelPixelScaleTag, &grid.pixel_scale()[..])?;
    e.write_tag(Tag::ModelTiepointTag, &grid.tiepoint()[..])?;
    e.write_tag(Tag::GeoKeyDirectoryTag, &keys[..])?;
    e.write_tag(Tag::GdalNodata, "nan")?;
    for y0 in (0..height).step_by(rows_per_strip) {
        let y1 = (y0 + rows_per_strip).min(height);
        let rows = next_rows(y0, y1)?;
        ensure!(
            rows.len() == (y1 - y0) * width,
            "rows {y0}..{y1}: {} values for a width of {width}",
            rows.len()
        );
        img.write_strip(&rows)?;
    }
    img.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiff::decoder::{Decoder, DecodingResult};

    #[test]
    fn written_tiff_reads_back_with_geokeys_and_values() {
        let (w, h) = (70usize, 1500usize); // several strips
        let geo = MapGrid::lat_lon(35.5, -118.25, -0.0008, 0.001, h, w);
        let value = |y: usize, x: usize| {
            if (y + x).is_multiple_of(97) {
                f32::NAN
            } else {
                y as f32 * 0.5 - x as f32
            }
        };
        let mut bytes = std::io::Cursor::new(Vec::new());
        write_geotiff(&mut bytes, &geo, |y0, y1| {
            Ok((y0..y1)
                .flat_map(|y| (0..w).map(move |x| value(y, x)))
                .collect())
        })
        .unwrap();

        let mut dec = Decoder::new(std::io::Cursor::new(bytes.into_inner())).unwrap();
        assert_eq!(dec.dimensions().unwrap(), (w as u32, h as u32));
        let scale = dec
            .get_tag_f64_vec(Tag::Unknown(MODEL_PIXEL_SCALE))
            .unwrap();
        assert_eq!(scale, vec![0.001, 0.0008, 0.0]);
        let tie = dec.get_tag_f64_vec(Tag::Unknown(MODEL_TIEPOINT)).unwrap();
        assert_eq!(tie, vec![0.0, 0.0, 0.0, -118.25, 35.5, 0.0]);
        let keys = dec
            .get_tag_u16_vec(Tag::Unknown(GEO_KEY_DIRECTORY))
            .unwrap();
        assert_eq!(keys, geo_keys());
        assert_eq!(&keys[4..8], &[1024, 0, 1, 2]);
        assert_eq!(&keys[8..12], &[1025, 0, 1, 1]);
        assert_eq!(&keys[12..16], &[2048, 0, 1, 4326]);
        let nodata = dec.get_tag_ascii_string(Tag::Unknown(GDAL_NODATA)).unwrap();
        assert_eq!(nodata.trim_end_matches('\0'), "nan");
        let DecodingResult::F32(data) = dec.read_image().unwrap() else {
            panic!("not float32");
        };
        assert_eq!(data.len(), w * h);
        for y in 0..h {
            for x in 0..w {
                let (got, want) = (data[y * w + x], value(y, x));
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
            }
        }
    }

    #[test]
    fn utm_grid_gets_projected_keys() {
        let mut g = MapGrid::lat_lon(3770000.0, 376000.0, -80.0, 80.0, 3, 4);
        g.degrees = false;
        g.epsg = Some(32611);
        let keys = geo_keys_for(&g).unwrap();
        assert_eq!(&keys[4..8], &[1024, 0, 1, 1]);
        assert_eq!(&keys[12..16], &[3072, 0, 1, 32611]);
        g.epsg = None;
        assert!(geo_keys_for(&g).is_err());
        g.epsg = Some(102100);
        assert!(geo_keys_for(&g).is_err());
    }

    #[test]
    fn refuses_empty_and_short_rows() {
        let geo = |height, width| MapGrid::lat_lon(0.0, 0.0, -1.0, 1.0, height, width);
        let mut out = std::io::Cursor::new(Vec::new());
        assert!(write_geotiff(&mut out, &geo(3, 0), |_, _| Ok(vec![])).is_err());
        let e = write_geotiff(&mut out, &geo(3, 4), |_, _| Ok(vec![0.0; 2])).unwrap_err();
        assert!(e.to_string().contains("values"), "{e}");
    }
}
