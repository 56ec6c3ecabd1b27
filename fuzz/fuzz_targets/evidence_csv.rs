//! Evidence records in CSV, with or without a `type` column.
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = truce_formats::records::read_csv(text, None, common::bundle());
        let _ = truce_formats::records::read_csv(
            text,
            Some(truce_model::records::RecordKind::Exchange),
            common::bundle(),
        );
    }
});
