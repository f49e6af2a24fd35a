//! Pair dates from paths (the layouts' globs): parsing never panics, and the dates found print
//! as a folder name that gives them back.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sbas::source::layout::{date12_from_path, name_matches};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((d1, d2)) = date12_from_path(Path::new(text)) {
        let again = date12_from_path(Path::new(&format!("{d1}_{d2}/x.unw")));
        assert_eq!(again, Some((d1, d2)));
    }
    // Glob components: any pattern against any name, without panicking.
    if let Some((pattern, name)) = text.split_once('\n') {
        let _ = name_matches(pattern, name);
    }
});
