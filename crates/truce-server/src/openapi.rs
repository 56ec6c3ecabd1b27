//! The OpenAPI 3.1 description of the HTTP interface, generated from the handlers'
//! `#[utoipa::path]` annotations, served at `/api/v1/openapi.json` with a Swagger UI
//! explorer at `/api/v1/docs/` (its files compiled in: nothing is fetched elsewhere).

use utoipa::OpenApi;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Truce",
        description = "Ceasefire-implementation monitoring: agreements as data, incidents, obligation status, the detainee registry (need-to-know), signed bulletins, OGC API – Features. Errors are RFC 9457 problem details naming the parameter or JSON pointer at fault. Browser sessions send the CSRF token in `X-CSRF-Token` on writes; machines use `Authorization: Bearer <token>`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        crate::health,
        crate::list_agreements,
        crate::show_agreement,
        crate::zones,
        crate::places,
        crate::api::status,
        crate::api::explain,
        crate::api::alerts,
        crate::api::records,
        crate::api::statements,
        crate::api::incidents,
        crate::api::search,
        crate::api::export,
        crate::api::incident,
        crate::api::counts,
        crate::api::codebook,
        crate::api::sources,
        crate::auth::login,
        crate::auth::logout,
        crate::auth::session,
        crate::auth::users,
        crate::review::set_status,
        crate::submit::submit_report,
        crate::registry::summary,
        crate::registry::claims,
        crate::registry::persons,
        crate::registry::person,
        crate::registry::export,
        crate::registry::import,
        crate::api::import_records,
        crate::feeds::list,
        crate::feeds::file,
        crate::feeds::bulletins_atom,
        crate::feeds::alerts_atom,
        crate::feeds::cap,
        crate::feeds::deadlines,
        crate::ogc::landing,
        crate::ogc::conformance,
        crate::ogc::collections,
        crate::ogc::collection,
        crate::ogc::items,
        crate::ogc::queryables,
        crate::ogc::item,
    ),
    tags(
        (name = "agreements", description = "Agreements as in force on a date, zones, places, statements"),
        (name = "compliance", description = "The scorecard, explanations and status changes"),
        (name = "incidents", description = "Incidents, counts, exports, report submission and verification"),
        (name = "evidence", description = "Evidence records, sources, the codebook"),
        (name = "registry", description = "Detained, missing and dead persons: aggregates for all, personal data on a need-to-know basis"),
        (name = "bulletins", description = "Signed monitoring bulletins"),
        (name = "feeds", description = "Atom, CAP 1.2 and iCalendar"),
        (name = "accounts", description = "Login, session, users"),
        (name = "ogc", description = "OGC API – Features Part 1: Core, GeoJSON"),
        (name = "service", description = "Health")
    )
)]
pub struct ApiDoc;

/// The document, as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The explorer and the document, as routes.
pub(crate) fn routes() -> utoipa_swagger_ui::SwaggerUi {
    let config = utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
        // No online validator badge: the page fetches nothing from elsewhere.
        .validator_url("none");
    utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
        .url("/api/v1/openapi.json", document())
        .config(config)
}
