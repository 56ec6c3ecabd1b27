//! Reports in the native JSON Lines format: the lines of `truce import --format jsonl`
//! and the body of `POST /api/v1/agreements/{id}/reports` (each line one body).
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = common::context();
    for (i, line) in text.lines().enumerate() {
        if let Ok(report) = truce_formats::jsonl::read_line(i as u64 + 1, line, &ctx) {
            // What is read writes back and reads again alike.
            let again = truce_formats::jsonl::write_line(&report);
            let back = truce_formats::jsonl::read_line(1, &again, &ctx)
                .expect("a written report reads back");
            assert_eq!(back.id, report.id);
        }
    }
});
