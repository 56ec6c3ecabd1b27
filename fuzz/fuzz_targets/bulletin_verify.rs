//! What `truce bulletin verify` reads: a signed bulletin's text, or a PDF with a
//! detached signature (split at the first form feed).
#![no_main]

/// A public key no bulletin here is signed with: verification must refuse, never fail.
const KEY: [u8; 32] = [7; 32];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = truce_bulletin::verify_text(text, &KEY);
    }
    let split = data.iter().position(|&b| b == 0x0c).unwrap_or(data.len());
    let (pdf, signature) = data.split_at(split);
    if let Ok(signature) = std::str::from_utf8(signature) {
        let _ = truce_bulletin::verify_pdf(pdf, signature, &KEY);
    }
});
