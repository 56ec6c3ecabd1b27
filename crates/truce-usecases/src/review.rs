//! An analyst changes an incident's status (or clears theirs, returning to the assessed
//! one), with the reason in a sentence; the change and its reason go into the incident's
//! history.

use truce_engine::incidents::{Incident, IncidentStatus};
use truce_model::AgreementBundle;
use truce_store::Store;
use truce_store::verify::ReviewError;

/// Why a status change was refused before reaching the store.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The reason is empty.
    #[error("give the reason in a sentence")]
    NoReason,
    /// The store refused it (unknown incident, or a database failure).
    #[error(transparent)]
    Review(#[from] ReviewError),
}

/// Sets (or with `None` clears) the analyst's status of `incident`, written as `actor`.
pub async fn change_status(
    store: &Store,
    bundle: &AgreementBundle,
    incident: &str,
    status: Option<IncidentStatus>,
    reason: &str,
    actor: &str,
) -> Result<Incident, StatusError> {
    if reason.trim().is_empty() {
        return Err(StatusError::NoReason);
    }
    Ok(store
        .set_status(bundle, incident, status, reason, actor)
        .await?)
}
