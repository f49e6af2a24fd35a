//! topsStack burst product `IW*.xml`: parsing never panics (orbit interpolation, UTC times and
//! geodesy included), and the metadata read has a usable wavelength.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(attrs) = sbas::source::isce::parse_tops_xml(text) {
        let wl = attrs
            .get_f64_opt("WAVELENGTH")
            .expect("a parsed wavelength");
        assert!(wl.is_finite() && wl > 0.0, "{wl}");
    }
});
