//! Detainee registry entries in JSON Lines (`truce registry import`).
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = truce_formats::registry::read_jsonl(text, common::bundle());
    }
});
