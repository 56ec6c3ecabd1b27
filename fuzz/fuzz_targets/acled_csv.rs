//! ACLED CSV rows, read as `truce import --format acled` reads them.
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let b = common::bundle();
    let options = truce_formats::acled::Options {
        source: common::data_set("acled"),
        received: common::now(),
        credibility: 2,
        now: common::now(),
        max_field_bytes: 1 << 12,
    };
    if let Ok(reader) = truce_formats::acled::Reader::new(data, &b.agreement, &b.zones, &options) {
        for row in reader {
            let _ = row;
        }
    }
    let _ = truce_formats::acled::read_deletions(data).map(|rows| rows.count());
});
