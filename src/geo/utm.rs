//! Latitude/longitude (WGS 84) to UTM easting/northing: the transverse Mercator forward
//! projection by Krüger's series to sixth order in the third flattening (Karney 2011,
//! "Transverse Mercator with an accuracy of a few nanometers", eqs. 7-12), accurate to well
//! under a millimetre within a zone and its usual overlap.
//!
//! Why hand-written: sbas only needs the forward UTM projection (to place `--ref-lalo` and
//! `--subset-lalo` on a UTM stack, as MintPy's `latlon2utm` does); this is 60 lines of closed
//! formulas, where a projection crate (`proj4rs`, or the system PROJ) would add a large
//! dependency for one function.

/// WGS 84 semi-major axis (m) and flattening.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;
/// UTM's scale on the central meridian and false easting / southern false northing (m).
const K0: f64 = 0.9996;
const FALSE_EASTING: f64 = 500_000.0;
const FALSE_NORTHING_SOUTH: f64 = 10_000_000.0;

/// A UTM zone: its number (1..=60) and hemisphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtmZone {
    /// Zone number, 1..=60.
    pub number: u32,
    /// Northern hemisphere (EPSG 326xx) or southern (327xx).
    pub north: bool,
}

impl UtmZone {
    /// The zone of a WGS 84 / UTM EPSG code (32601..32660, 32701..32760).
    pub fn from_epsg(epsg: u32) -> Option<UtmZone> {
        match epsg {
            32601..=32660 => Some(UtmZone {
                number: epsg - 32600,
                north: true,
            }),
            32701..=32760 => Some(UtmZone {
                number: epsg - 32700,
                north: false,
            }),
            _ => None,
        }
    }

    /// Easting and northing (m) of latitude `lat`, longitude `lon` (degrees).
    pub fn forward(&self, lat: f64, lon: f64) -> (f64, f64) {
        let n = F / (2.0 - F);
        let (n2, n3) = (n * n, n * n * n);
        let (n4, n5, n6) = (n2 * n2, n2 * n3, n3 * n3);
        let big_a = A / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0);
        let alpha = [
            n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0 - 127.0 * n5 / 288.0
                + 7891.0 * n6 / 37800.0,
            13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0 + 281.0 * n5 / 630.0
                - 1_983_433.0 * n6 / 1_935_360.0,
            61.0 * n3 / 240.0 - 103.0 * n4 / 140.0
                + 15061.0 * n5 / 26880.0
                + 167_603.0 * n6 / 181_440.0,
            49561.0 * n4 / 161_280.0 - 179.0 * n5 / 168.0 + 6_601_661.0 * n6 / 7_257_600.0,
            34729.0 * n5 / 80640.0 - 3_418_889.0 * n6 / 1_995_840.0,
            212_378_941.0 * n6 / 319_334_400.0,
        ];
        let lon0 = (self.number as f64 * 6.0 - 183.0).to_radians();
        let (phi, dlam) = (lat.to_radians(), lon.to_radians() - lon0);
        let e2n = 2.0 * n.sqrt() / (1.0 + n);
        let t = (phi.sin().atanh() - e2n * (e2n * phi.sin()).atanh()).sinh();
        let xi_p = t.atan2(dlam.cos());
        let eta_p = (dlam.sin() / (1.0 + t * t).sqrt()).atanh();
        let (mut xi, mut eta) = (xi_p, eta_p);
        for (j, a) in alpha.iter().enumerate() {
            let k = 2.0 * (j + 1) as f64;
            xi += a * (k * xi_p).sin() * (k * eta_p).cosh();
            eta += a * (k * xi_p).cos() * (k * eta_p).sinh();
        }
        let easting = FALSE_EASTING + K0 * big_a * eta;
        let northing = K0 * big_a * xi
            + if self.north {
                0.0
            } else {
                FALSE_NORTHING_SOUTH
            };
        (easting, northing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_proj() {
        // pyproj 3 (PROJ) Transformer.from_crs(4326, EPSG, always_xy=True), in the MintPy venv.
        for (epsg, lat, lon, e, n) in [
            (32611, 34.05, -118.35, 375399.1825210933, 3768521.9035725025),
            (32611, 36.5, -114.2, 750784.1784947893, 4043054.7237542234),
            (32733, -23.5, 15.1, 510210.02142324916, 7401125.071742116),
            (32601, 60.0, -179.0, 388455.95802316465, 6653097.435294963),
        ] {
            let (x, y) = UtmZone::from_epsg(epsg).unwrap().forward(lat, lon);
            assert!(
                (x - e).abs() < 1e-4 && (y - n).abs() < 1e-4,
                "{epsg}: {x} {y} vs {e} {n}"
            );
        }
        assert_eq!(UtmZone::from_epsg(4326), None);
    }
}
