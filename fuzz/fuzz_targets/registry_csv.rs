//! Detainee registry entries in CSV.
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = truce_formats::registry::read_csv(text, None, common::bundle());
    }
});
