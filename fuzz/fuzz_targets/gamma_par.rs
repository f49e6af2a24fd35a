//! GAMMA `.par` / `.off` parameter files: parsing never panics, and every key kept has a value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let attrs = sbas::source::raster::parse_gamma_par(text);
    for (k, v) in attrs.iter() {
        assert!(!k.is_empty() && !v.is_empty(), "key '{k}' value '{v}'");
    }
});
