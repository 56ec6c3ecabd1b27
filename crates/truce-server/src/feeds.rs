//! Published bulletins at stable URLs, and the feeds: Atom of bulletins, Atom of alerts
//! pointing at one CAP 1.2 message per status change, and an iCalendar of the deadlines
//! and notice dates ahead.

use crate::answers;
use crate::api::Days;
use crate::edge::{Day, NoParams, Queries, Query, day};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use jiff::ToSpan;
use serde_json::{Value, json};
use truce_bulletin::feeds::{self, AtomEntry};
use truce_engine::compliance::Options;
use truce_model::i18n::{self, Messages};

fn typed(body: impl Into<axum::body::Body>, content_type: &'static str) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// `scheme://host` of the request, for absolute links in feeds.
fn base(s: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if s.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The URL path of a published bulletin's file.
fn bulletin_path(id: &str, ext: &str) -> String {
    // Ids are `AGREEMENT/FROM..TO`.
    format!("/bulletins/{id}.{ext}")
}

/// `GET /api/v1/bulletins`: published bulletins, newest period first, with their files.
#[utoipa::path(get, path = "/api/v1/bulletins", tag = "bulletins", responses((status = 200, description = "Published bulletins with their files", body = answers::Bulletins, content_type = "application/json")))]
pub(crate) async fn list(
    State(s): State<AppState>,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let list = s.store.bulletins().await?;
    let items: Vec<Value> = list
        .iter()
        .map(|b| {
            let mut files = json!({
                "json": bulletin_path(&b.id, "json"),
                "markdown": bulletin_path(&b.id, "md"),
                "html": bulletin_path(&b.id, "html"),
            });
            if b.pdf {
                files["pdf"] = json!(bulletin_path(&b.id, "pdf"));
                files["pdf_signature"] = json!(bulletin_path(&b.id, "pdf.sig"));
            }
            json!({"bulletin": b, "files": files})
        })
        .collect();
    Ok(Json(json!({"bulletins": items})))
}

/// `GET /bulletins/{agreement}/{FROM..TO.ext}`: a published bulletin's file, byte for byte
/// as signed (`json`, `md`, `html`, `pdf`, `pdf.sig`).
#[utoipa::path(get, path = "/bulletins/{agreement}/{file}", tag = "bulletins", params(("agreement" = String, Path, description = "Agreement id"), ("file" = String, Path, description = "`FROM..TO.json`, `.md`, `.html`, `.pdf` or `.pdf.sig`")), responses((status = 200, description = "The file, byte for byte as signed: the signed content (JSON), Markdown, HTML, PDF, or the PDF's detached signature (JSON)", content((Object = "application/json"), (String = "text/markdown"), (String = "text/html"), (String = "application/pdf"))), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn file(
    State(s): State<AppState>,
    Path((agreement, name)): Path<(String, String)>,
    _: Query<NoParams>,
) -> Result<Response, ApiError> {
    let not_found =
        || ApiError::NotFound(format!("no published bulletin file `{agreement}/{name}`"));
    let (period, ext) = ["pdf.sig", "json", "md", "html", "pdf"]
        .iter()
        .find_map(|ext| name.strip_suffix(&format!(".{ext}")).map(|p| (p, *ext)))
        .ok_or_else(not_found)?;
    let b = s
        .store
        .bulletin(&format!("{agreement}/{period}"))
        .await?
        .ok_or_else(not_found)?;
    let r = match ext {
        "json" => typed(b.json, "application/json"),
        "md" => typed(b.markdown, "text/markdown; charset=utf-8"),
        "html" => {
            let mut r = typed(b.html, "text/html; charset=utf-8");
            // The page is self-contained: no script runs, nothing is fetched.
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                ),
            );
            r
        }
        "pdf" => typed(b.pdf.ok_or_else(not_found)?, "application/pdf"),
        _ => typed(b.pdf_signature.ok_or_else(not_found)?, "application/json"),
    };
    Ok(r)
}

/// The language a feed is asked in (`?lang=`, English when absent).
/// The language a feed is written in.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Lang {
    /// Language of the titles (default en). The bulletins feed then lists the versions in this language only; without it, every version, each titled in its own
    #[param(inline)]
    lang: Option<LangWord>,
}

crate::edge::stated! {
    /// A language Truce speaks.
    LangWord = languages;
}

fn languages() -> utoipa::openapi::Object {
    crate::edge::one_of(&i18n::LANGUAGES)
}

impl Lang {
    fn messages(&self) -> Result<&'static Messages, ApiError> {
        match &self.lang {
            None => Ok(i18n::english()),
            Some(l) => i18n::messages(l).ok_or_else(|| {
                ApiError::BadParameter(
                    "lang".into(),
                    format!("`{l}`: feeds are written in {}", i18n::LANGUAGES.join(", ")),
                )
            }),
        }
    }
}

/// A bulletin's language from its id (`….ru`; English without a suffix).
fn bulletin_lang(id: &str) -> &'static str {
    i18n::LANGUAGES
        .iter()
        .find(|l| id.ends_with(&format!(".{l}")))
        .copied()
        .unwrap_or("en")
}

/// `GET /feeds/bulletins.atom`: published bulletins as an Atom feed.
#[utoipa::path(get, path = "/feeds/bulletins.atom", tag = "feeds", params(Lang), responses((status = 200, description = "Atom feed of published bulletins", body = String, content_type = "application/atom+xml"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json")))]
pub(crate) async fn bulletins_atom(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Lang>,
) -> Result<Response, ApiError> {
    let asked = q.messages()?;
    let base = base(&s, &headers);
    let list = s.store.bulletins().await?;
    // Asked in a language: its versions only. Otherwise every version, each titled in
    // its own language.
    let entries: Vec<AtomEntry> = list
        .iter()
        .filter(|b| q.lang.is_none() || bulletin_lang(&b.id) == asked.lang())
        .map(|b| {
            let m = i18n::messages(bulletin_lang(&b.id)).unwrap_or_else(i18n::english);
            let day = |d: &str| d.parse().map_or_else(|_| d.to_owned(), |d| m.day(d));
            let json_path = format!("{base}{}", bulletin_path(&b.id, "json"));
            AtomEntry {
                id: json_path.clone(),
                title: format!(
                    "{} ({})",
                    m.t(
                        "bulletin.title",
                        &[("from", day(&b.from).into()), ("to", day(&b.to).into())]
                    ),
                    b.agreement
                ),
                updated: b.published_at.clone(),
                link: format!("{base}{}", bulletin_path(&b.id, "html")),
                link_type: "text/html".into(),
                summary: m.t(
                    "feed.bulletin_summary",
                    &[("key", (&b.key).into()), ("url", json_path.into())],
                ),
            }
        })
        .collect();
    let self_url = match &q.lang {
        Some(l) => format!("{base}/feeds/bulletins.atom?lang={l}"),
        None => format!("{base}/feeds/bulletins.atom"),
    };
    let xml = feeds::atom(
        &self_url,
        &asked.t("feed.bulletins", &[]),
        &self_url,
        "1970-01-01T00:00:00Z",
        &entries,
    );
    Ok(typed(xml, "application/atom+xml; charset=utf-8"))
}

/// `GET /feeds/{agreement}/alerts.atom?from=&to=`: status changes (default: the last 30
/// days, at most 400), each entry linking to its CAP 1.2 message.
#[utoipa::path(get, path = "/feeds/{id}/alerts.atom", tag = "feeds", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), Days, Lang), responses((status = 200, description = "Atom feed of status changes, each linking to its CAP 1.2 message", body = String, content_type = "application/atom+xml"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn alerts_atom(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Queries(days, q): Queries<Days, Lang>,
) -> Result<Response, ApiError> {
    let m = q.messages()?;
    let b = s.bundle(&id).await?;
    let (from, to, alerts) = s.alerts_between(&b, &days, Options::default()).await?;
    let base = base(&s, &headers);
    let tz = b.agreement.tz();
    let entries: Vec<AtomEntry> = alerts
        .iter()
        .map(|a| {
            let cap = format!("{base}/feeds/{id}/alerts/{}/{}.cap", a.date, a.obligation);
            AtomEntry {
                id: cap.clone(),
                title: format!(
                    "{}: {}",
                    b.translated(m.lang(), &format!("obligation.{}", a.obligation))
                        .unwrap_or(&a.title),
                    m.state(&a.new.state)
                ),
                updated: feeds::cap_time(a.date, tz),
                link: cap,
                link_type: "application/cap+xml".into(),
                summary: b.say(m, &a.new.why),
            }
        })
        .collect();
    let lang = q
        .lang
        .as_ref()
        .map(|l| format!("&lang={l}"))
        .unwrap_or_default();
    let xml = feeds::atom(
        &format!("{base}/feeds/{id}/alerts.atom?from={from}&to={to}{lang}"),
        &m.t(
            "feed.alerts",
            &[(
                "title",
                b.translated(m.lang(), "title")
                    .unwrap_or(&b.agreement.title)
                    .into(),
            )],
        ),
        &format!("{base}/feeds/{id}/alerts.atom?from={from}&to={to}{lang}"),
        &feeds::cap_time(to, tz),
        &entries,
    );
    Ok(typed(xml, "application/atom+xml; charset=utf-8"))
}

/// `GET /feeds/{agreement}/alerts/{date}/{obligation}.cap`: the CAP 1.2 message of the
/// obligation's status change on that day.
#[utoipa::path(get, path = "/feeds/{id}/alerts/{date}/{file}", tag = "feeds", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ("date" = String, Path, description = "Local day of the change"), ("file" = String, Path, description = "`OBLIGATION.cap`")), responses((status = 200, description = "A CAP 1.2 alert", body = String, content_type = "application/cap+xml"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn cap(
    State(s): State<AppState>,
    Path((id, date, file)): Path<(String, String, String)>,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no status change `{file}` on {date}"));
    let obligation = file.strip_suffix(".cap").ok_or_else(not_found)?;
    let day = crate::edge::read_day("date", &date)?;
    let b = s.bundle(&id).await?;
    let i = s.inputs(&b).await?;
    let before = day.checked_sub(1.day()).unwrap_or(day);
    let alert = s
        .alerts_on(&b, &i, Options::default(), before, day)
        .await?
        .into_iter()
        .find(|a| a.obligation == obligation && a.date == day)
        .ok_or_else(not_found)?;
    let areas: Vec<String> = b
        .agreement
        .obligations
        .iter()
        .find(|o| o.id == obligation)
        .map(|o| o.zones.clone())
        .unwrap_or_default();
    let base = base(&s, &headers);
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .replace(':', ".");
    let xml = feeds::cap_alert(
        &b,
        &alert,
        &format!("truce@{host}"),
        &format!("{base}/?as_of={day}"),
        &areas,
    );
    Ok(typed(xml, "application/cap+xml; charset=utf-8"))
}

/// The day after which deadlines are listed.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct After {
    /// Deadlines after this day, YYYY-MM-DD (default: today in the agreement's zone)
    #[param(inline)]
    as_of: Option<Day>,
}

/// `GET /feeds/{agreement}/deadlines.ics?as_of=`: deadlines and notice dates after the
/// day (default: today), for two years, as iCalendar.
#[utoipa::path(get, path = "/feeds/{id}/deadlines.ics", tag = "feeds", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), After, Lang), responses((status = 200, description = "iCalendar of deadlines and notice dates in the next two years", body = String, content_type = "text/calendar"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn deadlines(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Queries(after, q): Queries<After, Lang>,
) -> Result<Response, ApiError> {
    let m = q.messages()?;
    let b = s.bundle(&id).await?;
    let tz = b.agreement.tz();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    let as_of = day(after.as_of).unwrap_or(today);
    let i = s.inputs(&b).await?;
    let card = s.evaluate_on(&b, &i, Options::default(), as_of).await?;
    let until = as_of.checked_add(730.days()).unwrap_or(as_of);
    let items = truce_bulletin::upcoming_lang(&card, as_of, until, m.lang(), &b);
    let text = feeds::icalendar(
        &id,
        &b.agreement.title,
        &jiff::Timestamp::now().to_string(),
        &items,
    );
    Ok(typed(text, "text/calendar; charset=utf-8"))
}
