//! An agreement's main file (`agreement.toml`), the rest of the folder built in.
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = common::load_with("agreement.toml", text);
    }
});
