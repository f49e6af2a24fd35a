//! GDAL `.vrt` sidecars: parsing never panics, and a parsed layout is usable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(layout) = sbas::source::raster::parse_vrt(text) {
        assert!(layout.width > 0 && layout.length > 0);
        assert!(!layout.bands.is_empty());
        assert!(layout.expected_size() > 0);
    }
});
