//! An agreement's zones (GeoJSON) and, split at the first form feed, its places (CSV).
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.split_once('\u{c}') {
        Some((zones, places)) => {
            let _ = common::load_with("zones.geojson", zones);
            let _ = common::load_with("places.csv", places);
        }
        None => {
            let _ = common::load_with("zones.geojson", text);
        }
    }
});
