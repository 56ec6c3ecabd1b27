//! A GeoJSON FeatureCollection of reports (`truce import --format geojson`).
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = truce_formats::jsonl::read_feature_collection(text, &common::context());
    }
});
