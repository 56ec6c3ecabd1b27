//! Bulletins from the store: build the content for a period, sign it, render it, make a
//! PDF with the headless Chromium the project already uses (when there is one), publish,
//! and run the daily build on a schedule: one node claims each due run through the
//! database, and runs missed while no node was up are caught up at start.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use std::path::{Path, PathBuf};
use std::time::Duration;
use truce_bulletin::render;
use truce_bulletin::{self as bulletin, Bulletin, Signed};
use truce_engine::compliance::Options;
use truce_model::AgreementBundle;
use truce_store::bulletins::{BulletinFiles, Published};
use truce_store::{IncidentFilter, Store, StoreError};

/// Builds a bulletin's content for the local days `from` to `to` from what is stored,
/// in English.
pub async fn build(
    store: &Store,
    bundle: &AgreementBundle,
    from: Date,
    to: Date,
    now: Timestamp,
) -> Result<Bulletin, StoreError> {
    build_in(store, bundle, from, to, now, "en").await
}

/// [`build`] in a language Truce speaks (`truce_model::i18n::LANGUAGES`).
pub async fn build_in(
    store: &Store,
    bundle: &AgreementBundle,
    from: Date,
    to: Date,
    now: Timestamp,
    lang: &str,
) -> Result<Bulletin, StoreError> {
    let tz = bundle.agreement.tz();
    let (_, evidence) = store.evidence(bundle).await?;
    let violations = store.violations(bundle).await?;
    let (previous_from, _) = bulletin::previous_period(from, to);
    let midnight = |d: Date| {
        tz.to_timestamp(d.to_datetime(Time::midnight()))
            .map(|t| t.as_second())
            .ok()
    };
    let incidents = store
        .incidents(
            &bundle.agreement.id,
            &IncidentFilter {
                from_s: midnight(previous_from),
                to_s: to.tomorrow().ok().and_then(midnight),
                limit: 500_000,
                ..IncidentFilter::default()
            },
        )
        .await?;
    let registry = store.registry_facts().await?;
    let sources = store.sources().await?;
    let options = Options::default();
    Ok(bulletin::build_in(
        bulletin::BulletinInputs {
            bundle,
            evidence: &evidence,
            incidents: &incidents,
            violations: &violations,
            registry: &registry,
            sources: &sources,
            options: &options,
        },
        from,
        to,
        &now.to_string(),
        lang,
    ))
}

/// The three text forms of a signed bulletin.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The signed original.
    pub json: String,
    /// Markdown.
    pub markdown: String,
    /// HTML.
    pub html: String,
}

/// Renders a signed bulletin.
pub fn render(s: &Signed) -> Rendered {
    Rendered {
        json: bulletin::json_text(s),
        markdown: render::markdown(s),
        html: render::html(s),
    }
}

/// The Chromium binary: `TRUCE_CHROMIUM`, else Debian's `/usr/bin/chromium` when present.
pub fn chromium() -> Option<PathBuf> {
    std::env::var_os("TRUCE_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")))
        .filter(|p| p.exists())
}

/// Prints the HTML to PDF with headless Chromium (no network, no profile kept).
pub async fn pdf(chromium: &Path, html: &str) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let page = dir.path().join("bulletin.html");
    let out = dir.path().join("bulletin.pdf");
    std::fs::write(&page, html).map_err(|e| e.to_string())?;
    let status = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    let status = tokio::time::timeout(Duration::from_secs(120), status)
        .await
        .map_err(|_| "Chromium did not finish within 2 minutes".to_owned())?
        .map_err(|e| format!("cannot run {}: {e}", chromium.display()))?;
    if !status.success() {
        return Err(format!("{} failed ({status})", chromium.display()));
    }
    std::fs::read(&out).map_err(|e| format!("Chromium wrote no PDF: {e}"))
}

/// Publishes a signed bulletin with its renderings and, when given, its PDF.
pub async fn publish(
    store: &Store,
    s: &Signed,
    r: &Rendered,
    pdf: Option<(&[u8], &str)>,
) -> Result<Published, StoreError> {
    let b = &s.bulletin;
    let (from, to) = (b.period.from.to_string(), b.period.to.to_string());
    store
        .publish_bulletin(&BulletinFiles {
            id: &b.id,
            agreement: &b.agreement,
            from: &from,
            to: &to,
            key: &s.signature.key,
            json: &r.json,
            markdown: &r.markdown,
            html: &r.html,
            pdf: pdf.map(|p| p.0),
            pdf_signature: pdf.map(|p| p.1),
        })
        .await
}

/// A daily build: at `at` local time in the agreement's zone, the bulletin of that day.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Local time of day.
    pub at: Time,
    /// The signing key.
    pub secret: [u8; 32],
    /// Agreement.
    pub agreement: String,
    /// Make PDFs when Chromium is there.
    pub pdf: bool,
}

/// How many missed runs are caught up at most (the most recent ones).
const CATCH_UP: usize = 7;

/// The due instants of a daily run at `at` after `after` up to `now`.
fn dues(
    tz: &jiff::tz::TimeZone,
    at: Time,
    after: Option<Timestamp>,
    now: Timestamp,
) -> Vec<(Date, Timestamp)> {
    let today = tz.to_datetime(now).date();
    let mut out = Vec::new();
    let mut day = today;
    for _ in 0..400 {
        let Ok(due) = tz.to_timestamp(day.to_datetime(at)) else {
            break;
        };
        if after.is_some_and(|a| due <= a) {
            break;
        }
        if due <= now {
            out.push((day, due));
            if after.is_none() || out.len() >= CATCH_UP {
                break;
            }
        }
        let Ok(prev) = day.yesterday() else { break };
        day = prev;
    }
    out.reverse();
    out
}

/// Runs the schedule until the process ends: catches up missed runs, then sleeps until
/// the next. Each run is claimed in the database first, so of several nodes exactly one
/// builds it.
pub async fn run_schedule(store: Store, schedule: Schedule, node: String) {
    let job = format!("daily-bulletin:{}", schedule.agreement);
    loop {
        let Ok(Some(bundle)) = store.agreement(&schedule.agreement).await else {
            tracing::warn!(agreement = %schedule.agreement, "scheduled bulletins: no such agreement");
            tokio::time::sleep(Duration::from_secs(300)).await;
            continue;
        };
        let tz = bundle.agreement.tz().clone();
        let last = store
            .last_run(&job)
            .await
            .ok()
            .flatten()
            .and_then(|s| s.parse::<Timestamp>().ok());
        let now = Timestamp::now();
        for (day, due) in dues(&tz, schedule.at, last, now) {
            let due_s = due.to_string();
            match store.claim_run(&job, &due_s, &node).await {
                Ok(true) => {
                    let outcome = match build_and_publish(&store, &bundle, day, &schedule).await {
                        Ok(id) => {
                            tracing::info!(bulletin = %id, "scheduled bulletin published");
                            format!("published {id}")
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "scheduled bulletin failed");
                            format!("failed: {e}")
                        }
                    };
                    let _ = store.finish_run(&job, &due_s, &outcome).await;
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "cannot claim the scheduled run"),
            }
        }
        // Sleep until the next due instant (at most an hour, so a changed clock or a
        // run another node missed is noticed).
        let today = tz.to_datetime(Timestamp::now()).date();
        let next = [today, today.tomorrow().unwrap_or(today)]
            .into_iter()
            .filter_map(|d| tz.to_timestamp(d.to_datetime(schedule.at)).ok())
            .find(|t| *t > Timestamp::now());
        let wait = next
            .map(|t| (t.as_second() - Timestamp::now().as_second()).clamp(1, 3600))
            .unwrap_or(3600);
        tokio::time::sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(3600))).await;
    }
}

async fn build_and_publish(
    store: &Store,
    bundle: &AgreementBundle,
    day: Date,
    schedule: &Schedule,
) -> Result<String, String> {
    let b = build(store, bundle, day, day, Timestamp::now())
        .await
        .map_err(|e| e.to_string())?;
    let signed = bulletin::sign(b, &schedule.secret);
    let r = render(&signed);
    let made = match (schedule.pdf, chromium()) {
        (true, Some(c)) => match pdf(&c, &r.html).await {
            Ok(p) => {
                let sig = truce_bulletin::sign_pdf(&signed.bulletin.id, &p, &schedule.secret);
                Some((p, sig))
            }
            Err(e) => {
                tracing::warn!(error = %e, "no PDF for the scheduled bulletin");
                None
            }
        },
        _ => None,
    };
    publish(
        store,
        &signed,
        &r,
        made.as_ref().map(|(p, s)| (p.as_slice(), s.as_str())),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(signed.bulletin.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_daily_runs_are_caught_up_most_recent_last_and_at_most_seven() {
        let tz = jiff::tz::TimeZone::get("Asia/Baku").expect("zone");
        let at = Time::constant(19, 30, 0, 0);
        let now: Timestamp = "2026-11-28T16:00:00Z".parse().expect("now"); // 20:00 in Baku
        // First start: only today's run.
        let first = dues(&tz, at, None, now);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].0.to_string(), "2026-11-28");
        // Last run three days ago: the three since, oldest first.
        let last = tz
            .to_timestamp(jiff::civil::date(2026, 11, 25).to_datetime(at))
            .expect("due");
        let days: Vec<String> = dues(&tz, at, Some(last), now)
            .iter()
            .map(|d| d.0.to_string())
            .collect();
        assert_eq!(days, ["2026-11-26", "2026-11-27", "2026-11-28"]);
        // Before today's time: up to yesterday only.
        let morning: Timestamp = "2026-11-28T05:00:00Z".parse().expect("now");
        let days: Vec<String> = dues(&tz, at, Some(last), morning)
            .iter()
            .map(|d| d.0.to_string())
            .collect();
        assert_eq!(days, ["2026-11-26", "2026-11-27"]);
        // Down for a month: the last seven.
        let long_ago = tz
            .to_timestamp(jiff::civil::date(2026, 10, 1).to_datetime(at))
            .expect("due");
        assert_eq!(dues(&tz, at, Some(long_ago), now).len(), 7);
    }
}
