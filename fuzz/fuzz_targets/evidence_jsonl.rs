//! Evidence records in JSON Lines (`truce evidence import`, `POST …/records`).
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for (i, line) in text.lines().enumerate() {
            let _ = truce_formats::records::read_line(i as u64 + 1, line, common::bundle());
        }
    }
});
