//! The HTTP interface as one list: [`api`] names every route once, and both the router
//! and the OpenAPI 3.1 document are built from it (each handler's `#[utoipa::path]`
//! gives its path, method, parameters and answers), so nothing is served that is not
//! described and nothing described that is not served. The document is served at
//! `/api/v1/openapi.json` with a Swagger UI explorer at `/api/v1/docs/` (its files
//! compiled in: nothing is fetched elsewhere).

use crate::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Truce",
        description = "Ceasefire-implementation monitoring: agreements as data, incidents, obligation status, the detainee registry (need-to-know), signed bulletins, OGC API – Features. Errors are RFC 9457 problem details naming the parameter or JSON pointer at fault. Browser sessions send the CSRF token in `X-CSRF-Token` on writes; machines use `Authorization: Bearer <token>`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
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

/// Every route of the API with its handler, in the order the document lists them.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    use crate::{api, auth, feeds, ogc, registry, review, submit};
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crate::health))
        .routes(routes!(crate::list_agreements))
        .routes(routes!(crate::show_agreement))
        .routes(routes!(crate::zones))
        .routes(routes!(crate::places))
        .routes(routes!(api::status))
        .routes(routes!(api::explain))
        .routes(routes!(api::alerts))
        .routes(routes!(api::records, api::import_records))
        .routes(routes!(api::statements))
        .routes(routes!(api::incidents))
        .routes(routes!(api::search))
        .routes(routes!(api::export))
        .routes(routes!(api::incident))
        .routes(routes!(api::counts))
        .routes(routes!(api::codebook))
        .routes(routes!(api::sources))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::session))
        .routes(routes!(auth::users))
        .routes(routes!(review::set_status))
        .routes(routes!(submit::submit_report))
        .routes(routes!(registry::summary))
        .routes(routes!(registry::claims))
        .routes(routes!(registry::persons))
        .routes(routes!(registry::person))
        .routes(routes!(registry::export))
        .routes(routes!(registry::import))
        .routes(routes!(feeds::list))
        .routes(routes!(feeds::file))
        .routes(routes!(feeds::bulletins_atom))
        .routes(routes!(feeds::alerts_atom))
        .routes(routes!(feeds::cap))
        .routes(routes!(feeds::deadlines))
        .routes(routes!(ogc::landing))
        .routes(routes!(ogc::conformance))
        .routes(routes!(ogc::collections))
        .routes(routes!(ogc::collection))
        .routes(routes!(ogc::items))
        .routes(routes!(ogc::queryables))
        .routes(routes!(ogc::item))
}

/// The document, as served.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The explorer and the document, as routes.
pub(crate) fn explorer(doc: utoipa::openapi::OpenApi) -> utoipa_swagger_ui::SwaggerUi {
    let config = utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
        // No online validator badge: the page fetches nothing from elsewhere.
        .validator_url("none");
    utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
        .url("/api/v1/openapi.json", doc)
        .config(config)
}
