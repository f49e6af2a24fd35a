//! Interferogram folder names (`YYYYMMDD_YYYYMMDD`) and dates: parsing never panics, and what
//! parses prints back as it was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sbas::meta::Date;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((d1, d2)) = sbas::source::isce::parse_pair_name(text) {
        assert_eq!(format!("{d1}_{d2}"), text);
    }
    if let Ok(d) = Date::parse(text) {
        let again = Date::parse(&d.to_string()).expect("a printed date parses");
        assert_eq!(again, d);
        let _ = (d.yymmdd(), d.decimal_year(), d.ymd());
    }
});
