//! The dashboard's files, compiled into the binary: the server needs nothing beside it
//! and fetches nothing from elsewhere (Leaflet is vendored from npm into `web/vendor/`).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// (path under `/`, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../../web/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/app.css"),
    ),
    // The offline web app: its service worker, manifest and icon.
    (
        "sw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/sw.js"),
    ),
    (
        "manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../../../web/manifest.webmanifest"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../../web/icon.svg"),
    ),
    // The dashboard's words, one file per language (web/README.md).
    (
        "i18n/en.json",
        "application/json",
        include_bytes!("../../../web/i18n/en.json"),
    ),
    (
        "i18n/ru.json",
        "application/json",
        include_bytes!("../../../web/i18n/ru.json"),
    ),
    (
        "i18n/hy.json",
        "application/json",
        include_bytes!("../../../web/i18n/hy.json"),
    ),
    (
        "i18n/az.json",
        "application/json",
        include_bytes!("../../../web/i18n/az.json"),
    ),
    (
        "vendor/leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet/leaflet.js"),
    ),
    (
        "vendor/leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet/leaflet.css"),
    ),
    (
        "vendor/leaflet/images/layers.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet/images/layers.png"),
    ),
    (
        "vendor/leaflet/images/layers-2x.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet/images/layers-2x.png"),
    ),
    (
        "vendor/leaflet/images/marker-icon.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet/images/marker-icon.png"),
    ),
    (
        "vendor/leaflet/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "vendor/leaflet/images/marker-shadow.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet/images/marker-shadow.png"),
    ),
    (
        "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet.markercluster/leaflet.markercluster.js"),
    ),
    (
        "vendor/leaflet.markercluster/MarkerCluster.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet.markercluster/MarkerCluster.css"),
    ),
    (
        "vendor/leaflet.markercluster/MarkerCluster.Default.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
    ),
];

fn file(path: &str) -> Response {
    match FILES.iter().find(|f| f.0 == path) {
        Some((_, ct, bytes)) => {
            let mut r = (*bytes).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            if path == "index.html" {
                // Everything the page loads comes from this server.
                h.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(
                        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                    ),
                );
            }
            r
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub(crate) async fn index() -> Response {
    file("index.html")
}

pub(crate) async fn asset(Path(path): Path<String>) -> Response {
    file(&path)
}

#[cfg(test)]
mod tests {
    use super::FILES;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// The languages the dashboard speaks, with the plural forms (CLDR categories) each
    /// uses; `web/i18n/LANG.json` holds its messages.
    const LANGUAGES: &[(&str, &[&str])] = &[
        ("en", &["one", "other"]),
        ("ru", &["one", "few", "many", "other"]),
        ("hy", &["one", "other"]),
        ("az", &["one", "other"]),
    ];

    /// A language's messages, as the dashboard reads them.
    fn messages(lang: &str) -> Option<serde_json::Map<String, Value>> {
        let (_, _, bytes) = FILES.iter().find(|f| f.0 == format!("i18n/{lang}.json"))?;
        serde_json::from_slice(bytes).ok()
    }

    /// The `{names}` a message fills in.
    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect()
    }

    /// Each form of a message: one text, or one per plural category.
    fn forms(v: &Value) -> Vec<(Option<&str>, &str)> {
        match v {
            Value::String(s) => vec![(None, s.as_str())],
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (Some(k.as_str()), v.as_str().unwrap_or("")))
                .collect(),
            _ => vec![],
        }
    }

    #[test]
    fn every_language_has_every_key_with_its_placeholders_and_plural_forms() {
        let english = messages("en").expect("web/i18n/en.json reads");
        assert!(english.len() > 300, "{} messages", english.len());
        let mut problems = Vec::new();
        for (lang, categories) in LANGUAGES {
            let Some(m) = messages(lang) else {
                problems.push(format!("web/i18n/{lang}.json is missing or not JSON"));
                continue;
            };
            let mut same = 0;
            for (key, en) in &english {
                let Some(v) = m.get(key) else {
                    problems.push(format!("{lang}: no message `{key}`"));
                    continue;
                };
                // Placeholders of the English message (of its `other` form).
                let want: BTreeSet<&str> = forms(en)
                    .iter()
                    .filter(|(c, _)| c.is_none_or(|c| c == "other"))
                    .flat_map(|(_, t)| placeholders(t))
                    .collect();
                match (en, v) {
                    (Value::Object(_), Value::Object(f)) => {
                        let have: Vec<&str> = f.keys().map(String::as_str).collect();
                        let mut need = categories.to_vec();
                        need.sort_unstable();
                        let mut got = have.clone();
                        got.sort_unstable();
                        if got != need {
                            problems.push(format!(
                                "{lang}: `{key}` has plural forms {have:?}, the language uses {categories:?}"
                            ));
                        }
                    }
                    (Value::String(_), Value::String(_)) => {}
                    _ => problems.push(format!(
                        "{lang}: `{key}` is a {} where English has a {}",
                        if v.is_object() {
                            "set of plural forms"
                        } else {
                            "text"
                        },
                        if en.is_object() {
                            "set of plural forms"
                        } else {
                            "text"
                        }
                    )),
                }
                for (category, text) in forms(v) {
                    if text.is_empty() {
                        problems.push(format!("{lang}: `{key}` is empty"));
                    }
                    let got = placeholders(text);
                    if got != want {
                        problems.push(format!(
                            "{lang}: `{key}`{} has placeholders {got:?}, English {want:?}",
                            category.map(|c| format!(" ({c})")).unwrap_or_default()
                        ));
                    }
                }
                if *lang != "en" && v == en {
                    same += 1;
                }
            }
            for key in m.keys().filter(|k| !english.contains_key(*k)) {
                problems.push(format!(
                    "{lang}: `{key}` is not an English key (a typo or a leftover)"
                ));
            }
            // A file copied from English is not a translation: only names and codes
            // (JSON, PDF, the brand) may stay as they are.
            if *lang != "en" && same * 20 > english.len() {
                problems.push(format!(
                    "{lang}: {same} of {} messages are the English text unchanged",
                    english.len()
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_word_the_api_sends_the_dashboard_has_an_english_label() {
        use truce_engine::compliance::{Basis, Level};
        use truce_engine::incidents::IncidentStatus;
        use truce_model::access::UserRole;
        use truce_model::records::{EndedBy, Measure, PersonCategory, RecordKind};
        use truce_model::registry::PersonStatus;
        use truce_model::report::{EventType, SourceKind};
        use truce_model::words::{Stance, TextStatus};
        let english = messages("en").expect("en");
        let groups: Vec<(&str, Vec<&str>)> = vec![
            ("level", Level::ALL.to_vec()),
            ("basis", Basis::ALL.to_vec()),
            ("status", IncidentStatus::ALL.to_vec()),
            ("type", EventType::ALL.to_vec()),
            ("stance", Stance::ALL.to_vec()),
            ("category", PersonCategory::ALL.to_vec()),
            ("person_status", PersonStatus::ALL.to_vec()),
            ("measure", Measure::ALL.to_vec()),
            ("source_kind", SourceKind::ALL.to_vec()),
            ("text_status", TextStatus::ALL.to_vec()),
            ("end_cause", [EndedBy::ALL, &["lapse"]].concat()),
            ("role", UserRole::ALL.iter().map(|r| r.as_str()).collect()),
            ("record_kind", RecordKind::ALL.to_vec()),
        ];
        let missing: Vec<String> = groups
            .iter()
            .flat_map(|(g, words)| words.iter().map(move |w| format!("{g}.{w}")))
            .filter(|k| !english.contains_key(k))
            .collect();
        assert!(
            missing.is_empty(),
            "no label in web/i18n/en.json: {missing:?}"
        );
    }
}
