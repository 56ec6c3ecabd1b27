//! Webhook deliveries (docs/webhooks.md): what each event's body holds, how it is signed
//! (the Standard Webhooks convention: HMAC-SHA256 over `id.timestamp.body` with the
//! subscription's secret), the check of a delivery address, the POST itself (over HTTP,
//! or HTTPS checked against the Mozilla root program's authorities and any given at
//! start), and the events any node can find in the store alone (new incidents, published
//! bulletins).
//! Status changes need the compliance engine's answers and are found by the server.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper::body::Bytes;
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::Sha256;
use truce_store::Store;
use truce_store::webhooks::{Attempt, DueDelivery, RetryPolicy, Webhook};

/// Event types a subscription may ask for.
pub const EVENT_TYPES: &[&str] = &["incident.created", "status.changed", "bulletin.published"];

/// The event type of a test delivery (`truce webhook test`, `POST …/test`).
pub const TEST_EVENT: &str = "webhook.test";

/// How long one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of an event: its type, when it was written, the agreement and what happened.
pub fn payload(event_type: &str, agreement: &str, data: &Value) -> String {
    json!({
        "type": event_type,
        "timestamp": Timestamp::now().to_string(),
        "agreement": agreement,
        "data": data,
    })
    .to_string()
}

/// The `webhook-signature` header's value: `v1,` and the base64 of HMAC-SHA256 over
/// `id.timestamp.body`, keyed with the secret's bytes (after `whsec_`, base64).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|k| Base64::decode_vec(k).ok())
        .ok_or_else(|| "the secret is not a whsec_… key".to_owned())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        Base64::encode_string(&mac.finalize().into_bytes())
    ))
}

/// True when `header` (space-separated `v1,…` signatures) holds the signature of the
/// body: what a receiver checks.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let Ok(expected) = signature(secret, id, timestamp, body) else {
        return false;
    };
    header.split(' ').any(|s| {
        // Compared whole, in time independent of where they differ.
        s.len() == expected.len()
            && s.bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// An address on this machine or a private network: deliveries there are refused
/// unless the server is told to allow them (a subscriber could otherwise make the
/// server post to services behind its firewall).
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // 100.64/10
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| private(IpAddr::V4(v4)))
        }
    }
}

/// Checks a delivery address as a subscription gives it: `https://HOST[:PORT]/PATH` or
/// `http://…`, at most 2,000 characters, and no literal private address unless
/// `allow_private`.
pub fn check_url(url: &str, allow_private: bool) -> Result<hyper::Uri, String> {
    if url.len() > 2000 {
        return Err("the address is longer than 2,000 characters".into());
    }
    let uri: hyper::Uri = url.parse().map_err(|e| format!("not an address: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("the address must start with https:// or http://".into()),
    }
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or("the address names no host")?;
    if !allow_private
        && let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        && private(ip)
    {
        return Err(format!(
            "{ip} is a private or local address; the server delivers there only when started with --webhook-allow-private"
        ));
    }
    Ok(uri)
}

/// Why a subscription is refused: the member at fault (`events`, with the index of the
/// wrong one, `zone` or `url`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `events`, `zone` or `url`.
    pub member: &'static str,
    /// For `events`: which one.
    pub index: Option<usize>,
    /// What is wrong, with the nearest right value where there is one.
    pub reason: String,
}

/// Checks what a new subscription names against its agreement, as the API and the
/// command line both take it: the event types (one or more, each known), the zone (one
/// of the agreement's) and the address ([`check_url`]). The event types sorted, each
/// once.
pub fn check_subscription(
    b: &truce_model::AgreementBundle,
    url: &str,
    events: &[String],
    zone: Option<&str>,
    allow_private: bool,
) -> Result<Vec<String>, Refusal> {
    let refuse = |member, index, reason| Refusal {
        member,
        index,
        reason,
    };
    if events.is_empty() {
        return Err(refuse(
            "events",
            None,
            format!("name one or more of: {}", EVENT_TYPES.join(", ")),
        ));
    }
    if let Some((i, e)) = events
        .iter()
        .enumerate()
        .find(|(_, e)| !EVENT_TYPES.contains(&e.as_str()))
    {
        return Err(refuse(
            "events",
            Some(i),
            format!(
                "`{e}` is no event type ({})",
                truce_model::diag::suggest(e, EVENT_TYPES.iter().copied())
            ),
        ));
    }
    if let Some(z) = zone
        && b.zones.get(z).is_none()
    {
        return Err(refuse(
            "zone",
            None,
            format!(
                "no zone `{z}` in {} ({})",
                b.agreement.id,
                truce_model::diag::suggest(z, b.zones.ids().iter().copied())
            ),
        ));
    }
    check_url(url, allow_private).map_err(|e| refuse("url", None, e))?;
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    Ok(events)
}

/// Certificate authorities HTTPS deliveries trust besides the Mozilla root program's
/// ([`trust_also`]).
static ALSO_TRUSTED: OnceLock<Vec<rustls::pki_types::CertificateDer<'static>>> = OnceLock::new();

/// Makes HTTPS deliveries of this process trust the certificate authorities of a PEM
/// file too (an organisation's own authority, for a receiver inside its network);
/// called once, at start. How many certificates it held.
pub fn trust_also(path: &std::path::Path) -> Result<usize, String> {
    use rustls::pki_types::pem::PemObject as _;
    let certs: Vec<rustls::pki_types::CertificateDer<'static>> =
        rustls::pki_types::CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    let n = certs.len();
    ALSO_TRUSTED
        .set(certs)
        .map_err(|_| "the certificate authorities to trust were given already".to_owned())?;
    Ok(n)
}

/// What an HTTPS delivery checks the receiver's certificate against.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in ALSO_TRUSTED.get().into_iter().flatten() {
        roots
            .add(cert.clone())
            .map_err(|e| format!("a trusted certificate authority is unusable: {e}"))?;
    }
    // *ring* keeps the build free of a C toolchain's cmake; rustls marks it deprecated
    // for lacking post-quantum key exchange, which a delivery of events meant for the
    // subscriber (never personal records) does without.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    Ok(
        rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Sends one request over a connection made and answers its status.
async fn exchange<S>(io: S, req: hyper::Request<Full<Bytes>>) -> Result<u16, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(conn);
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    Ok(resp.status().as_u16())
}

/// Posts a signed body; the receiver's status, or why there was none.
pub async fn post(
    url: &str,
    id: &str,
    secret: &str,
    body: &str,
    allow_private: bool,
) -> Result<u16, String> {
    let uri = check_url(url, allow_private)?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().unwrap_or_default().to_owned();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let timestamp = Timestamp::now().as_second();
    let sig = signature(secret, id, timestamp, body)?;
    let attempt = async {
        let addrs: Vec<SocketAddr> =
            tokio::net::lookup_host((host.trim_start_matches('[').trim_end_matches(']'), port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .collect();
        // Every address the name resolves to is checked, not only the first.
        if !allow_private && let Some(a) = addrs.iter().find(|a| private(a.ip())) {
            return Err(format!(
                "{host} resolves to {}, a private or local address",
                a.ip()
            ));
        }
        let addr = addrs
            .first()
            .ok_or_else(|| format!("{host} resolves to nothing"))?;
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let authority = uri.authority().map_or(host.clone(), |a| a.to_string());
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let req = hyper::Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::USER_AGENT, "truce-webhooks/1")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sig)
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        if !https {
            return exchange(stream, req).await;
        }
        // The name the certificate must carry: the host as given (a name or an address).
        let name = rustls::pki_types::ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        )
        .map_err(|e| format!("{host} cannot be checked against a certificate: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(tls_config()?))
            .connect(name, stream)
            .await
            .map_err(|e| format!("TLS with {host}: {e}"))?;
        exchange(tls, req).await
    };
    tokio::time::timeout(ATTEMPT_TIMEOUT, attempt)
        .await
        .map_err(|_| format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))?
}

/// Sends every due delivery this node can claim (or only delivery `only`), recording
/// each attempt; how many were attempted.
pub async fn deliver_due(
    store: &Store,
    node: &str,
    policy: &RetryPolicy,
    allow_private: bool,
    only: Option<&str>,
) -> truce_store::Result<usize> {
    // A lease longer than an attempt can take: a node that dies mid-attempt leaves the
    // delivery to another once it runs out.
    let lease_ms = i64::try_from(ATTEMPT_TIMEOUT.as_millis()).unwrap_or(10_000) * 3;
    let due = store.claim_deliveries(lease_ms, 50, only).await?;
    for d in &due {
        send(store, d, node, policy, allow_private).await?;
    }
    Ok(due.len())
}

async fn send(
    store: &Store,
    d: &DueDelivery,
    node: &str,
    policy: &RetryPolicy,
    allow_private: bool,
) -> truce_store::Result<()> {
    let t = Instant::now();
    let outcome = post(&d.url, &d.id, &d.secret, &d.payload, allow_private).await;
    let duration_ms = i64::try_from(t.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match outcome {
        Ok(s) if (200..300).contains(&s) => (Some(s), None),
        Ok(s) => (Some(s), Some(format!("the receiver answered {s}"))),
        Err(e) => (None, Some(e)),
    };
    if let Some(e) = &error {
        tracing::warn!(delivery = %d.id, webhook = %d.webhook, error = %e, "webhook attempt failed");
    }
    store
        .record_attempt(
            d,
            &Attempt {
                node,
                status,
                error,
                duration_ms,
            },
            policy,
        )
        .await
}

/// Incidents looked at per subscription and pass.
const BATCH: i64 = 500;

/// Writes an `incident.created` delivery for every incident created since each
/// subscription last looked (in its zone, when it names one), at most [`BATCH`] a pass.
pub async fn enqueue_incidents(store: &Store, hooks: &[Webhook]) -> truce_store::Result<()> {
    for h in hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "incident.created"))
    {
        let after = store.webhook_cursor(&h.id).await?;
        // Read first: incidents written meanwhile are numbered above it and wait for the
        // next pass.
        let upto = store.last_incident_number(&h.agreement).await?;
        if upto <= after {
            continue;
        }
        let new = store
            .incidents_after(&h.agreement, (after, upto), h.zone.as_deref(), BATCH)
            .await?;
        for (_, incident) in &new {
            let id = incident["id"].as_str().unwrap_or_default();
            let body = payload(
                "incident.created",
                &h.agreement,
                &json!({"incident": incident}),
            );
            store
                .enqueue_delivery(&h.id, &format!("incident:{id}"), "incident.created", &body)
                .await?;
        }
        // A full batch moves the cursor to its last incident; otherwise every incident up
        // to `upto` has been looked at (those in other zones too).
        let full = new.len() == usize::try_from(BATCH).unwrap_or(usize::MAX);
        let to = match new.last() {
            Some((n, _)) if full => *n,
            _ => upto,
        };
        store.advance_webhook_cursor(&h.id, to).await?;
    }
    Ok(())
}

/// Writes a `bulletin.published` delivery for every bulletin of a subscription's
/// agreement published after it subscribed.
pub async fn enqueue_bulletins(store: &Store, hooks: &[Webhook]) -> truce_store::Result<()> {
    let wanted: Vec<&Webhook> = hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "bulletin.published"))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let bulletins = store.bulletins().await?;
    for h in wanted {
        let since = h.created_at.parse::<Timestamp>().ok();
        for b in bulletins.iter().filter(|b| b.agreement == h.agreement) {
            let published = b.published_at.parse::<Timestamp>().ok();
            if published.zip(since).is_none_or(|(p, s)| p < s) {
                continue;
            }
            let body = payload(
                "bulletin.published",
                &h.agreement,
                &json!({"bulletin": b, "list": "/api/v1/bulletins"}),
            );
            store
                .enqueue_delivery(
                    &h.id,
                    &format!("bulletin:{}", b.id),
                    "bulletin.published",
                    &body,
                )
                .await?;
        }
    }
    Ok(())
}

/// Writes a test delivery to one subscription; its id.
pub async fn enqueue_test(store: &Store, hook: &Webhook) -> truce_store::Result<String> {
    let key = format!("test:{}", Timestamp::now().as_nanosecond());
    let body = payload(TEST_EVENT, &hook.agreement, &json!({"webhook": hook.id}));
    store
        .enqueue_delivery(&hook.id, &key, TEST_EVENT, &body)
        .await?;
    Ok(store
        .webhook_deliveries(&hook.id, 50)
        .await?
        .into_iter()
        .find(|d| d.event_key == key)
        .map(|d| d.id)
        .unwrap_or_default())
}
