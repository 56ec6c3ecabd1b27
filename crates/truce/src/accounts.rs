//! `truce user add|list|disable|enable` and `truce token create|list|revoke`.

use crate::{BadInput, DataArgs, NotFound, open, out};
use anyhow::Result;
use clap::Subcommand;
use std::io::Read;
use truce_store::Store;
use truce_store::accounts::{UserRole, generate_password};

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create a user; a generated password is printed once unless --password-stdin.
    Add {
        /// Login name.
        id: String,
        /// Role: admin, analyst, monitor, liaison, protection-officer.
        #[arg(long)]
        role: String,
        /// The party a liaison is bound to (an actor id of the agreement).
        #[arg(long)]
        party: Option<String>,
        /// Full name (default: the login name).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List users.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Stop a user from logging in (their sessions end; tokens stop working).
    Disable {
        /// Login name.
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Let a disabled user log in again.
    Enable {
        /// Login name.
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create an API token for a user; it is printed once.
    Create {
        /// The user the token acts as.
        user: String,
        /// What it is for.
        #[arg(long, default_value = "api")]
        label: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tokens (without their secrets).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token's id (see `truce token list`).
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Creates the first administrator when the database has no user, and returns its
/// password to print once.
pub async fn first_admin(store: &Store) -> Result<Option<String>> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let password = generate_password();
    let made = store
        .add_user(
            "admin",
            "Administrator",
            UserRole::Admin,
            None,
            &password,
            &now(),
        )
        .await;
    match made {
        Ok(_) => Ok(Some(password)),
        // Another node starting at the same moment made it first.
        Err(_) if store.user("admin").await?.is_some() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn user(cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Add {
            id,
            role,
            party,
            name,
            password_stdin,
            data,
        } => {
            let role = UserRole::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = UserRole::ALL.iter().map(|r| r.as_str()).collect();
                BadInput(format!("unknown role `{role}`; one of {}", all.join(", ")))
            })?;
            let store = open(&data).await?;
            if let Some(p) = &party {
                let known = store
                    .agreements()
                    .await?
                    .into_iter()
                    .map(|a| a.id)
                    .collect::<Vec<_>>();
                let mut found = false;
                for a in &known {
                    if let Some(b) = store.agreement(a).await? {
                        found |= b.agreement.actor(p).is_some();
                    }
                }
                if !found {
                    return Err(
                        BadInput(format!("`{p}` is no actor of any loaded agreement")).into(),
                    );
                }
            }
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.trim_end_matches(['\n', '\r']).to_owned(), false)
            } else {
                (generate_password(), true)
            };
            let u = store
                .add_user(
                    &id,
                    name.as_deref().unwrap_or(&id),
                    role,
                    party.as_deref(),
                    &password,
                    &now(),
                )
                .await
                .map_err(|e| BadInput(e.to_string()))?;
            out(&format!("created {} ({})\n", u.id, u.role.as_str()))?;
            if generated {
                out(&format!("password (shown once): {password}\n"))?;
            }
            Ok(())
        }
        UserCmd::List { json, data } => {
            let store = open(&data).await?;
            let users = store.users().await?;
            if json {
                out(&format!("{}\n", serde_json::to_string_pretty(&users)?))?;
            } else {
                let mut s = String::from("ID  ROLE  PARTY  STATE  NAME\n");
                for u in &users {
                    s.push_str(&format!(
                        "{}  {}  {}  {}  {}\n",
                        u.id,
                        u.role.as_str(),
                        u.party.as_deref().unwrap_or("—"),
                        if u.disabled { "disabled" } else { "active" },
                        u.name
                    ));
                }
                out(&s)?;
            }
            if users.is_empty() {
                Err(NotFound.into())
            } else {
                Ok(())
            }
        }
        UserCmd::Disable { id, data } => set_disabled(&id, &data, true).await,
        UserCmd::Enable { id, data } => set_disabled(&id, &data, false).await,
    }
}

async fn set_disabled(id: &str, data: &DataArgs, disabled: bool) -> Result<()> {
    let store = open(data).await?;
    if !store.set_disabled(id, disabled).await? {
        return Err(BadInput(format!("no user `{id}`")).into());
    }
    out(&format!(
        "{id} {}\n",
        if disabled { "disabled" } else { "enabled" }
    ))
}

pub async fn token(cmd: TokenCmd) -> Result<()> {
    match cmd {
        TokenCmd::Create { user, label, data } => {
            let store = open(&data).await?;
            let (id, secret) = store
                .create_token(&user, &label, &now())
                .await
                .map_err(|e| BadInput(e.to_string()))?;
            out(&format!(
                "token {id} for {user} ({label}); send it as `Authorization: Bearer …` (shown once):\n{secret}\n"
            ))
        }
        TokenCmd::List { data } => {
            let store = open(&data).await?;
            let list = store.tokens().await?;
            let mut s = String::from("ID  USER  LABEL  CREATED  STATE\n");
            for t in &list {
                s.push_str(&format!(
                    "{}  {}  {}  {}  {}\n",
                    t.id,
                    t.user,
                    t.label,
                    t.created_at,
                    if t.revoked { "revoked" } else { "active" }
                ));
            }
            out(&s)
        }
        TokenCmd::Revoke { id, data } => {
            let store = open(&data).await?;
            if !store.revoke_token(&id).await? {
                return Err(BadInput(format!("no token `{id}`")).into());
            }
            out(&format!("token {id} revoked\n"))
        }
    }
}
