//! ROI_PAC `.rsc` metadata: parsing never panics, and every key read has a value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(attrs) = sbas::source::raster::parse_rsc(text) {
        for (k, v) in attrs.iter() {
            assert!(!k.is_empty() && !v.is_empty(), "key '{k}' value '{v}'");
        }
    }
});
