//! An analyst's status change of an incident, over the use-case
//! (`truce_usecases::review`).

use crate::answers;
use crate::auth::{Action, json_body};
use crate::edge::{NoParams, Query};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::{Value, json};
use truce_store::verify::ReviewError;
use truce_usecases::review::StatusError;

/// An analyst's decision on an incident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    /// The analyst's status, or null to return to the assessed one.
    #[schema(schema_with = status_or_null)]
    status: Option<truce_engine::incidents::IncidentStatus>,
    /// Why: kept in the incident's history.
    #[schema(min_length = 1, pattern = "\\S")]
    reason: String,
}

fn status_or_null() -> utoipa::openapi::Object {
    let mut words: Vec<Value> = truce_engine::incidents::IncidentStatus::ALL
        .iter()
        .map(|w| json!(w))
        .collect();
    words.push(Value::Null);
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::schema::Type::String,
            utoipa::openapi::schema::Type::Null,
        ]))
        .enum_values(Some(words))
        .description(Some(
            "The analyst's status, or null to return to the assessed one",
        ))
        .build()
}

/// `POST /api/v1/agreements/{id}/incidents/{incident}/status` with `{"status", "reason"}`:
/// an analyst sets (or, with `null`, clears) an incident's status; the change and its
/// reason go into the incident's history.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/incidents/{incident}/status", tag = "incidents", params(("id" = String, Path, description = "Agreement id (`GET /api/v1/agreements` lists them)"), ("incident" = String, Path, description = "Incident id")), request_body(content = StatusBody, content_type = "application/json"), responses((status = 200, description = "The incident reassessed", body = answers::Reassessed, content_type = "application/json"), (status = 400, description = "A parameter or the body is malformed: RFC 9457 problem naming it", content_type = "application/problem+json"), (status = 401, description = "Not logged in", content_type = "application/problem+json"), (status = 403, description = "The role may not do this, or the CSRF token is missing", content_type = "application/problem+json"), (status = 404, description = "Not found", content_type = "application/problem+json")))]
pub(crate) async fn set_status(
    State(s): State<AppState>,
    Path((id, incident)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    _: Query<NoParams>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let p = s.principal(&headers).await?;
    p.require(Action::Verify, &method, &headers)?;
    let b: StatusBody = json_body(&headers, &body)?;
    let bundle = s.bundle(&id).await?;
    let actor = p.user.as_ref().map_or("?", |u| u.id.as_str());
    let updated = truce_usecases::review::change_status(
        &s.store, &bundle, &incident, b.status, &b.reason, actor,
    )
    .await
    .map_err(|e| match e {
        StatusError::NoReason => ApiError::BadBody("/reason".into(), e.to_string()),
        StatusError::Review(ReviewError::NoIncident(i)) => {
            ApiError::NotFound(format!("no incident `{i}` with reports"))
        }
        StatusError::Review(ReviewError::Store(e)) => e.into(),
        StatusError::Review(other) => ApiError::BadBody(String::new(), other.to_string()),
    })?;
    Ok(Json(json!({"incident": updated})))
}
