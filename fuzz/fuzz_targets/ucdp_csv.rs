//! UCDP GED CSV rows, with or without a header.
#![no_main]
#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let b = common::bundle();
    let options = truce_formats::ucdp::Options {
        source: common::data_set("ucdp"),
        received: common::now(),
        now: common::now(),
        max_field_bytes: 1 << 12,
    };
    if let Ok(reader) = truce_formats::ucdp::Reader::new(data, &b.agreement, &b.zones, &options) {
        for row in reader {
            let _ = row;
        }
    }
});
