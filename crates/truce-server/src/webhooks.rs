//! Webhooks over HTTP: subscriptions (analysts and administrators), their delivery
//! logs, and the dispatcher every node runs (docs/webhooks.md). The dispatcher finds
//! events (new incidents, published bulletins, changes of today's statuses), writes one
//! delivery per subscription and event, and sends the due ones it can claim, so that
//! several nodes over one database deliver each event once and a slow receiver never
//! holds up a request.

use crate::answers;
use crate::auth::{Action, Principal, json_body};
use crate::edge::{NoParams, Query};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use truce_store::webhooks::{NewWebhook, RetryPolicy, Webhook};
use truce_usecases::webhooks as hooks;

/// How the dispatcher runs.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Between passes.
    pub interval: Duration,
    /// Waits between attempts and when to give up.
    pub policy: RetryPolicy,
    /// Deliver to loopback and private addresses (a receiver on this machine or inside
    /// the network): off by default.
    pub allow_private: bool,
    /// This node's name in the delivery log.
    pub node: String,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            policy: RetryPolicy::default(),
            allow_private: false,
            node: format!("node-{}", std::process::id()),
        }
    }
}

/// A subscription as the API writes it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookBody {
    /// Agreement whose events to receive.
    #[schema(min_length = 1, max_length = 200)]
    agreement: String,
    /// Where to post deliveries: `https://HOST[:PORT]/PATH` (or `http://…`).
    #[schema(min_length = 8, max_length = 2000, pattern = "^https?://")]
    url: String,
    /// Event types: `incident.created`, `status.changed`, `bulletin.published`.
    #[schema(min_items = 1, max_items = 3)]
    events: Vec<String>,
    /// For `incident.created`: only incidents in this zone of the agreement.
    #[schema(nullable = false)]
    zone: Option<String>,
}

/// A delivery log's length.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogQuery {
    /// Most deliveries, newest first (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The principal, who must be allowed to subscribe.
async fn subscriber(
    s: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(Principal, String), ApiError> {
    let p = s.principal(headers).await?;
    p.require(Action::Subscribe, method, headers)?;
    let user = p
        .user
        .as_ref()
        .map(|u| u.id.clone())
        .ok_or_else(|| ApiError::Unauthorized("log in to subscribe".into()))?;
    Ok((p, user))
}

/// A subscriber and one subscription they may see: their own, or any for an
/// administrator (another's is answered as missing).
async fn mine(
    s: &AppState,
    method: &Method,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Principal, Webhook), ApiError> {
    let (p, user) = subscriber(s, method, headers).await?;
    let missing = || ApiError::NotFound(format!("no webhook `{id}`"));
    let h = s.store.webhook(id).await?.ok_or_else(missing)?;
    let admin = p.role() == truce_model::access::UserRole::Admin;
    if h.owner != user && !admin {
        return Err(missing());
    }
    Ok((p, h))
}

/// `POST /api/v1/webhooks`: subscribes an address to an agreement's events. The answer
/// holds the signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "webhook_add", tag = "webhooks", params(NoParams), request_body(content = WebhookBody, content_type = "application/json"), responses((status = 201, description = "Subscribed: the subscription and its signing secret, shown once (also in `Location`)", body = answers::WebhookCreated, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (p, user) = subscriber(&s, &method, &headers).await?;
    let b: WebhookBody = json_body(&headers, &body)?;
    let bundle = s.bundle(&b.agreement).await.map_err(|_| {
        ApiError::BadBody(
            "/agreement".into(),
            format!("no agreement `{}`", b.agreement),
        )
    })?;
    let events = hooks::check_subscription(
        &bundle,
        &b.url,
        &b.events,
        b.zone.as_deref(),
        s.webhooks.allow_private,
    )
    .map_err(|r| {
        let pointer = match r.index {
            Some(i) => format!("/{}/{i}", r.member),
            None => format!("/{}", r.member),
        };
        ApiError::BadBody(pointer, r.reason)
    })?;
    let (hook, secret) = p
        .store(&s)
        .add_webhook(&NewWebhook {
            agreement: &b.agreement,
            url: &b.url,
            events: &events,
            zone: b.zone.as_deref(),
            owner: &user,
        })
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/webhooks/{}", hook.id)).ok();
    let mut r = (
        StatusCode::CREATED,
        Json(json!({"webhook": hook, "secret": secret})),
    )
        .into_response();
    if let Some(l) = location {
        r.headers_mut().insert(header::LOCATION, l);
    }
    Ok(r)
}

/// `GET /api/v1/webhooks`: the caller's subscriptions (an administrator's: everyone's),
/// without secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "webhooks_list", tag = "webhooks", params(NoParams), responses((status = 200, description = "Subscriptions, oldest first", body = answers::Webhooks, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(s): State<AppState>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let (p, user) = subscriber(&s, &method, &headers).await?;
    let admin = p.role() == truce_model::access::UserRole::Admin;
    let list = s.store.webhooks((!admin).then_some(user.as_str())).await?;
    Ok(Json(json!({"webhooks": list})))
}

/// `GET /api/v1/webhooks/{webhook}`: one subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}", operation_id = "webhook_show", tag = "webhooks", params(("webhook" = String, Path, description = "Subscription id, `wh-…`"), NoParams), responses((status = 200, description = "The subscription", body = answers::WebhookOne, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No such subscription of yours", content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let (_, h) = mine(&s, &method, &headers, &id).await?;
    Ok(Json(json!({"webhook": h})))
}

/// `DELETE /api/v1/webhooks/{webhook}`: unsubscribes; its delivery log goes with it.
#[utoipa::path(delete, path = "/api/v1/webhooks/{webhook}", operation_id = "webhook_remove", tag = "webhooks", params(("webhook" = String, Path, description = "Subscription id, `wh-…`"), NoParams), responses((status = 204, description = "Removed"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No such subscription of yours", content_type = "application/problem+json")))]
pub(crate) async fn remove(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<StatusCode, ApiError> {
    let (p, _) = mine(&s, &method, &headers, &id).await?;
    p.store(&s).remove_webhook(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/webhooks/{webhook}/deliveries`: the delivery log, newest first, with
/// every attempt (when, which node, the receiver's status or the error).
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook}/deliveries", operation_id = "webhook_deliveries", tag = "webhooks", params(("webhook" = String, Path, description = "Subscription id, `wh-…`"), LogQuery), responses((status = 200, description = "Deliveries with their attempts", body = answers::Deliveries, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No such subscription of yours", content_type = "application/problem+json")))]
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    Query(q): Query<LogQuery>,
) -> Result<Json<Value>, ApiError> {
    mine(&s, &method, &headers, &id).await?;
    let log = s
        .store
        .webhook_deliveries(&id, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(json!({"deliveries": log})))
}

/// `POST /api/v1/webhooks/{webhook}/test`: queues a `webhook.test` delivery, sent on
/// the dispatcher's next pass; its id, to find in the log.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/test", operation_id = "webhook_test", tag = "webhooks", params(("webhook" = String, Path, description = "Subscription id, `wh-…`"), NoParams), responses((status = 202, description = "Queued: the delivery's id", body = answers::WebhookTest, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No such subscription of yours", content_type = "application/problem+json")))]
pub(crate) async fn test(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (_, h) = mine(&s, &method, &headers, &id).await?;
    let delivery = hooks::enqueue_test(&s.store, &h).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"delivery": delivery}))))
}

/// `POST /api/v1/webhooks/{webhook}/resume`: resumes a subscription paused after
/// repeated failures; its waiting deliveries are due at once.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook}/resume", operation_id = "webhook_resume", tag = "webhooks", params(("webhook" = String, Path, description = "Subscription id, `wh-…`"), NoParams), responses((status = 200, description = "Resumed", body = answers::WebhookOne, content_type = "application/json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "No such subscription of yours", content_type = "application/problem+json")))]
pub(crate) async fn resume(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
) -> Result<Json<Value>, ApiError> {
    let (p, _) = mine(&s, &method, &headers, &id).await?;
    p.store(&s).resume_webhook(&id).await?;
    Ok(Json(json!({"webhook": s.store.webhook(&id).await?})))
}

/// Runs the dispatcher until the process ends.
pub(crate) async fn dispatch(s: AppState) {
    let cfg = s.webhooks.clone();
    loop {
        if let Err(e) = pass(&s, &cfg).await {
            tracing::warn!(error = ?e, "webhook pass failed");
        }
        tokio::time::sleep(cfg.interval).await;
    }
}

/// One pass: events found, then due deliveries sent.
async fn pass(s: &AppState, cfg: &WebhookConfig) -> Result<(), ApiError> {
    let all = s.store.webhooks(None).await?;
    if all.is_empty() {
        return Ok(());
    }
    // Deliveries already written are sent even when finding new events failed.
    let found = async {
        hooks::enqueue_incidents(&s.store, &all).await?;
        hooks::enqueue_bulletins(&s.store, &all).await?;
        status_changes(s, &all).await
    }
    .await;
    if let Err(e) = &found {
        tracing::warn!(error = ?e, "webhook events could not all be found");
    }
    while hooks::deliver_due(&s.store, &cfg.node, &cfg.policy, cfg.allow_private, None).await? > 0 {
    }
    Ok(())
}

/// A status line as a subscriber tells changes apart: the state with its flags.
fn label(l: &truce_engine::compliance::Line) -> String {
    let mut label = l.status.state.clone();
    if l.status.late {
        label.push_str(" [late]");
    }
    if l.status.breached {
        label.push_str(" [breached]");
    }
    label
}

/// Compares each subscribed agreement's statuses today with those last seen, and writes
/// a `status.changed` delivery per change and subscription. The first look at an
/// agreement only records what it sees.
async fn status_changes(s: &AppState, all: &[Webhook]) -> Result<(), ApiError> {
    let mut by_agreement: BTreeMap<&str, Vec<&Webhook>> = BTreeMap::new();
    for h in all
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "status.changed"))
    {
        by_agreement
            .entry(h.agreement.as_str())
            .or_default()
            .push(h);
    }
    for (agreement, subscribed) in by_agreement {
        let b = s.bundle(agreement).await?;
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(b.agreement.tz().clone())
            .date();
        let i = s.inputs(&b).await?;
        let card = s
            .evaluate_on(&b, &i, truce_engine::compliance::Options::default(), today)
            .await?;
        let seen = s.store.webhook_status(agreement).await?;
        let first = seen.is_empty();
        for l in &card.lines {
            let now = label(l);
            let before = seen.get(&l.obligation);
            if before == Some(&now) {
                continue;
            }
            if !first {
                let body = hooks::payload(
                    "status.changed",
                    agreement,
                    &json!({
                        "obligation": l.obligation,
                        "title": l.title,
                        "date": today,
                        "before": before,
                        "after": now,
                        "status": l.status,
                    }),
                );
                let key = format!(
                    "status:{}:{}:{}->{now}",
                    l.obligation,
                    today,
                    before.map_or("", String::as_str)
                );
                for h in &subscribed {
                    s.store
                        .enqueue_delivery(&h.id, &key, "status.changed", &body)
                        .await?;
                }
            }
            s.store
                .set_webhook_status(agreement, &l.obligation, &now)
                .await?;
        }
    }
    Ok(())
}
