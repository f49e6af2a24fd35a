//! GeoTIFFs as the geocoded processors write them (HyP3, LiCSAR, ...): one band, striped,
//! uncompressed, PixelIsArea, with ModelPixelScale + ModelTiepoint, a GeoKeyDirectory naming an
//! EPSG code, and optionally `GDAL_NODATA`. The image may sit inside a border of fill values,
//! as unclipped products do.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;
use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

/// Where a grid lies: pixel size `(x, y)` (both positive, north-up), the map corner `(x, y)`
/// of the first pixel of the image (without border), and the GeoKeyDirectory.
pub(super) struct TifGeo {
    pub(super) pixel: (f64, f64),
    pub(super) corner: (f64, f64),
    pub(super) geokeys: Vec<u16>,
}

/// The GeoKeyDirectory of a projected (PixelIsArea, metre) grid of EPSG code `epsg`.
pub(super) fn utm_geokeys(epsg: u16) -> Vec<u16> {
    vec![
        1, 1, 0, 4, // header
        1024, 0, 1, 1, // projected model
        1025, 0, 1, 1, // PixelIsArea
        3072, 0, 1, epsg, // ProjectedCSTypeGeoKey
        3076, 0, 1, 9001, // linear unit: metre
    ]
}

/// The GeoKeyDirectory of a WGS 84 latitude/longitude (EPSG:4326, PixelIsArea, degree) grid.
pub(super) fn lat_lon_geokeys() -> Vec<u16> {
    vec![
        1, 1, 0, 4, // header
        1024, 0, 1, 2, // geographic model
        1025, 0, 1, 1, // PixelIsArea
        2048, 0, 1, 4326, // GeographicTypeGeoKey
        2054, 0, 1, 9102, // angular unit: degree
    ]
}

/// A full image of the grid (row-major `rows x cols`) embedded in the product's extent.
pub(super) struct Raster<'a, T> {
    pub(super) data: &'a [T],
    pub(super) rows: usize,
    pub(super) cols: usize,
    /// Extra pixels `(top, bottom, left, right)` of `fill` around the image.
    pub(super) border: [usize; 4],
    pub(super) fill: T,
}

impl<'a, T: Copy> Raster<'a, T> {
    /// The image alone, without border.
    pub(super) fn plain(data: &'a [T], rows: usize, cols: usize, fill: T) -> Raster<'a, T> {
        Raster {
            data,
            rows,
            cols,
            border: [0; 4],
            fill,
        }
    }

    fn extent(&self) -> (usize, usize) {
        let [t, b, l, r] = self.border;
        (self.rows + t + b, self.cols + l + r)
    }

    /// The product's pixels, border included.
    fn pixels(&self) -> Vec<T> {
        let [t, _, l, _] = self.border;
        let (h, w) = self.extent();
        let mut out = vec![self.fill; h * w];
        for y in 0..self.rows {
            let dst = (y + t) * w + l;
            out[dst..dst + self.cols]
                .copy_from_slice(&self.data[y * self.cols..(y + 1) * self.cols]);
        }
        out
    }
}

/// Writes one GeoTIFF of colour type `C` on grid `geo` with `nodata`.
pub(super) fn write_tif<C>(
    geo: &TifGeo,
    path: &Path,
    r: &Raster<C::Inner>,
    nodata: Option<&str>,
) -> anyhow::Result<()>
where
    C: colortype::ColorType,
    C::Inner: Copy,
    [C::Inner]: tiff::encoder::TiffValue,
{
    let ctx = || format!("cannot write {}", path.display());
    let f = File::create(path).with_context(ctx)?;
    let mut enc = TiffEncoder::new(BufWriter::new(f)).with_context(ctx)?;
    let (h, w) = r.extent();
    let mut img = enc.new_image::<C>(w as u32, h as u32).with_context(ctx)?;
    let [t, _, l, _] = r.border;
    let (px, py) = geo.pixel;
    let x0 = geo.corner.0 - l as f64 * px;
    let y0 = geo.corner.1 + t as f64 * py;
    let e = img.encoder();
    e.write_tag(Tag::ModelPixelScaleTag, &[px, py, 0.0][..])
        .with_context(ctx)?;
    e.write_tag(Tag::ModelTiepointTag, &[0.0, 0.0, 0.0, x0, y0, 0.0][..])
        .with_context(ctx)?;
    e.write_tag(Tag::GeoKeyDirectoryTag, &geo.geokeys[..])
        .with_context(ctx)?;
    if let Some(nd) = nodata {
        e.write_tag(Tag::GdalNodata, nd).with_context(ctx)?;
    }
    img.rows_per_strip(16).with_context(ctx)?;
    img.write_data(&r.pixels()).with_context(ctx)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borders_embed_the_grid() {
        let data = [1.0f32, 2.0, 3.0, 4.0];
        let r = Raster {
            data: &data,
            rows: 2,
            cols: 2,
            border: [1, 0, 0, 1],
            fill: 0.0,
        };
        assert_eq!(r.extent(), (3, 3));
        assert_eq!(
            r.pixels(),
            vec![0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 3.0, 4.0, 0.0]
        );
        assert_eq!(Raster::plain(&data, 2, 2, 0.0).pixels(), data.to_vec());
    }
}
