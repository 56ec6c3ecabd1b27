//! Verification of any form of a bulletin: the signature over the embedded content,
//! then, for renderings, that the file is exactly the rendering of that content.

use crate::render;
use crate::signing::{Signed, VerifyError, json_text, read_json, verify_signed};

/// Verifies any form Truce writes (JSON, Markdown, HTML) against a public key: the
/// signature over the embedded content, then, for renderings, that the file is exactly
/// the rendering of that content.
pub fn verify_text(text: &str, public: &[u8; 32]) -> Result<Signed, VerifyError> {
    let trimmed = text.trim_start();
    let (signed, expected, form) = if trimmed.starts_with('{') {
        let s = read_json(text)?;
        let json = json_text(&s);
        (s, Some(json), "JSON")
    } else if trimmed.starts_with("<!DOCTYPE html>") {
        let s = render::embedded(text, render::HTML_MARK)?;
        let html = render::html(&s);
        (s, Some(html), "HTML")
    } else {
        let s = render::embedded(text, render::MD_MARK)?;
        let md = render::markdown(&s);
        (s, Some(md), "Markdown")
    };
    verify_signed(&signed, public)?;
    if let Some(expected) = expected
        && expected != text
    {
        let at = expected
            .bytes()
            .zip(text.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(expected.len().min(text.len()));
        return Err(VerifyError::Altered(form, at));
    }
    Ok(signed)
}
