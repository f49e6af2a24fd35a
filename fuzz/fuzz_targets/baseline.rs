//! topsStack baseline `.txt` files: parsing never panics, and a parsed baseline is finite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(b) = sbas::source::isce::parse_tops_baseline(text) {
        assert!(b.is_finite(), "{b}");
    }
});
