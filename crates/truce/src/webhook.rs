//! `truce webhook add|list|remove|test|resume`: subscriptions to an agreement's events
//! (docs/webhooks.md). A running server delivers them; `test` delivers one now.

use crate::{BadInput, DataArgs, open, out, stored};
use anyhow::Result;
use clap::Subcommand;
use truce_store::webhooks::{NewWebhook, RetryPolicy};
use truce_usecases::webhooks as hooks;

#[derive(Debug, Subcommand)]
pub enum WebhookCmd {
    /// Subscribe an address to an agreement's events; the signing secret is printed once.
    Add {
        /// Where to post deliveries: http://HOST[:PORT]/PATH.
        url: String,
        /// Event types, comma-separated: incident.created, status.changed,
        /// bulletin.published.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// For incident.created: only incidents in this zone.
        #[arg(long)]
        zone: Option<String>,
        /// Agreement (default: `TRUCE_AGREEMENT`, else the first of `truce agreement list`).
        #[arg(long, env = "TRUCE_AGREEMENT")]
        agreement: Option<String>,
        /// The user the subscription belongs to, an analyst or administrator (default: the
        /// first administrator).
        #[arg(long)]
        owner: Option<String>,
        /// Accept a loopback or private address (the server must also be started with
        /// --webhook-allow-private to deliver there).
        #[arg(long)]
        allow_private: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List subscriptions (without their secrets).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Remove a subscription and its delivery log.
    Remove {
        /// The subscription's id (see `truce webhook list`).
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Send a signed `webhook.test` delivery now and print how the receiver answered.
    Test {
        /// The subscription's id.
        id: String,
        /// Deliver to a loopback or private address.
        #[arg(long)]
        allow_private: bool,
        /// Trust the certificate authorities of this PEM file too, for an HTTPS receiver
        /// whose certificate an organisation's own authority issued.
        #[arg(long, value_name = "FILE", env = "TRUCE_WEBHOOK_CA")]
        webhook_ca: Option<std::path::PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Resume a subscription paused after repeated failures.
    Resume {
        /// The subscription's id.
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

pub async fn webhook(cmd: WebhookCmd) -> Result<()> {
    match cmd {
        WebhookCmd::Add {
            url,
            events,
            zone,
            agreement,
            owner,
            allow_private,
            data,
        } => {
            let store = open(&data).await?;
            let b = stored(&store, agreement.as_deref()).await?;
            let events =
                hooks::check_subscription(&b, &url, &events, zone.as_deref(), allow_private)
                    .map_err(|r| match r.member {
                        "url" => BadInput(format!("{url}: {}", r.reason)),
                        member => BadInput(format!("--{member}: {}", r.reason)),
                    })?;
            let users = store.users().await?;
            let owner = match owner {
                Some(o) => o,
                None => users
                    .iter()
                    .find(|u| u.role == truce_model::access::UserRole::Admin)
                    .map(|u| u.id.clone())
                    .ok_or_else(|| {
                        BadInput("--owner: no administrator yet; name an analyst (truce user add NAME --role analyst)".into())
                    })?,
            };
            match users.iter().find(|u| u.id == owner) {
                None => return Err(BadInput(format!("--owner: no user `{owner}`")).into()),
                Some(u)
                    if !truce_model::access::allowed(
                        u.role,
                        truce_model::access::Action::Subscribe,
                    ) =>
                {
                    return Err(BadInput(format!(
                        "--owner: `{owner}` is a {}; analysts and administrators subscribe",
                        u.role.as_str()
                    ))
                    .into());
                }
                Some(_) => {}
            }
            let (h, secret) = store
                .acting_as(&owner)
                .add_webhook(&NewWebhook {
                    agreement: &b.agreement.id,
                    url: &url,
                    events: &events,
                    zone: zone.as_deref(),
                    owner: &owner,
                })
                .await?;
            out(&format!(
                "webhook {} for {} ({}) to {}; deliveries are signed with this secret (shown once):\n{secret}\n",
                h.id,
                h.agreement,
                h.events.join(", "),
                h.url
            ))
        }
        WebhookCmd::List { json, data } => {
            let store = open(&data).await?;
            let list = store.webhooks(None).await?;
            if json {
                return out(&format!("{}\n", serde_json::to_string_pretty(&list)?));
            }
            let mut s = String::from("ID  AGREEMENT  EVENTS  ZONE  URL  OWNER  STATE\n");
            for h in &list {
                s.push_str(&format!(
                    "{}  {}  {}  {}  {}  {}  {}\n",
                    h.id,
                    h.agreement,
                    h.events.join(","),
                    h.zone.as_deref().unwrap_or("—"),
                    h.url,
                    h.owner,
                    h.paused_at.as_ref().map_or_else(
                        || format!("active ({} failures in a row)", h.failures),
                        |p| format!("paused since {p}")
                    )
                ));
            }
            out(&s)
        }
        WebhookCmd::Remove { id, data } => {
            let store = open(&data).await?;
            if !store.remove_webhook(&id).await? {
                return Err(BadInput(format!("no webhook `{id}`")).into());
            }
            out(&format!("webhook {id} removed\n"))
        }
        WebhookCmd::Test {
            id,
            allow_private,
            webhook_ca,
            data,
        } => {
            if let Some(path) = &webhook_ca {
                hooks::trust_also(path).map_err(|e| BadInput(format!("--webhook-ca: {e}")))?;
            }
            let store = open(&data).await?;
            let h = store
                .webhook(&id)
                .await?
                .ok_or_else(|| BadInput(format!("no webhook `{id}`")))?;
            let delivery = hooks::enqueue_test(&store, &h).await?;
            let node = format!("cli-{}", std::process::id());
            hooks::deliver_due(
                &store,
                &node,
                &RetryPolicy::default(),
                allow_private,
                Some(&delivery),
            )
            .await?;
            let log = store.webhook_deliveries(&id, 50).await?;
            let attempt = log
                .iter()
                .find(|d| d.id == delivery)
                .and_then(|d| d.attempts.last().cloned());
            match attempt {
                Some(a) if a.error.is_none() => out(&format!(
                    "delivered {delivery} to {}: HTTP {} in {} ms\n",
                    h.url,
                    a.status.unwrap_or_default(),
                    a.duration_ms
                )),
                Some(a) => Err(BadInput(format!(
                    "delivery {delivery} to {} failed: {} (a running server retries it)",
                    h.url,
                    a.error.unwrap_or_default()
                ))
                .into()),
                None => Err(BadInput(format!(
                    "delivery {delivery} was not attempted: the subscription is paused or another node holds it"
                ))
                .into()),
            }
        }
        WebhookCmd::Resume { id, data } => {
            let store = open(&data).await?;
            if !store.resume_webhook(&id).await? {
                return Err(BadInput(format!("no webhook `{id}`")).into());
            }
            out(&format!("webhook {id} resumed\n"))
        }
    }
}
