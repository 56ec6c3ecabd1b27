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
    components(schemas(Problem, InvalidParam)),
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
        (name = "webhooks", description = "Subscriptions to an agreement's events, signed deliveries and their log"),
        (name = "ogc", description = "OGC API – Features Part 1: Core, GeoJSON"),
        (name = "service", description = "Health")
    )
)]
pub struct ApiDoc;

/// RFC 9457 problem details: every error answer of the API.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct Problem {
    /// `about:blank`: the status code says what kind of problem this is.
    #[schema(rename = "type")]
    kind: String,
    /// The status code's meaning, in words.
    title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    status: u16,
    /// What was wrong, naming the parameter or JSON pointer at fault.
    detail: String,
    /// Each parameter or body member at fault with the reason (400 only).
    #[schema(rename = "invalid-params")]
    invalid_params: Option<Vec<InvalidParam>>,
}

/// A parameter or body member at fault.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct InvalidParam {
    /// The query parameter's name or the body member's JSON pointer (empty: the body).
    name: String,
    /// Why it was refused.
    reason: String,
}

/// What every operation shares, added to the document in one place: the ways to
/// authenticate, the answers any request may get (a malformed parameter, a token that is
/// not valid, a resource named in the path that does not exist, a body too large), and
/// the problem-details schema of every error answer.
struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`truce token create`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "truce_session",
                "The browser session `POST /api/v1/login` sets",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "A browser session's CSRF token (from the login or `GET /api/v1/session`), on every write",
            ))),
        );
        for (path, item) in &mut doc.paths.paths {
            let has_path_params = path.contains('{');
            for (method, op) in operations(item) {
                let write = method != "get";
                let needs_login = op.responses.responses.contains_key("401");
                op.security = Some(security(needs_login, write));
                let responses = &mut op.responses.responses;
                add(
                    responses,
                    "400",
                    "A parameter or the body is malformed: RFC 9457 problem naming it",
                );
                add(
                    responses,
                    "401",
                    "The bearer token is not valid (or, where a login is needed, none was given)",
                );
                if has_path_params {
                    add(responses, "404", "Not found");
                }
                if write {
                    add(responses, "413", "The body is larger than the server takes");
                }
                if let Some(body) = op.request_body.as_mut() {
                    add(
                        responses,
                        "415",
                        "The body is not of a type this operation takes",
                    );
                    // Every body the API takes is needed.
                    if let utoipa::openapi::RefOr::T(body) = body {
                        body.required = Some(utoipa::openapi::Required::True);
                    }
                }
                for response in responses.values_mut() {
                    problem_schema(response);
                }
            }
        }
    }
}

/// The operations of a path item, with their methods.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> Vec<(&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", item.get.as_mut()),
        ("post", item.post.as_mut()),
        ("put", item.put.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// Who may call an operation: anyone (a token or a session is optional, and decides
/// what is seen), or only someone logged in; a session's writes also carry the CSRF
/// token.
fn security(needs_login: bool, write: bool) -> Vec<utoipa::openapi::security::SecurityRequirement> {
    use utoipa::openapi::security::SecurityRequirement;
    let mut list = Vec::new();
    if !needs_login {
        list.push(SecurityRequirement::default());
    }
    list.push(SecurityRequirement::new("bearer", Vec::<String>::new()));
    list.push(if write {
        SecurityRequirement::new("session", Vec::<String>::new()).add("csrf", Vec::<String>::new())
    } else {
        SecurityRequirement::new("session", Vec::<String>::new())
    });
    list
}

/// Adds a problem answer unless the operation states its own.
fn add(
    responses: &mut std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    >,
    status: &str,
    description: &str,
) {
    responses.entry(status.to_owned()).or_insert_with(|| {
        utoipa::openapi::response::ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                utoipa::openapi::content::Content::new(None::<utoipa::openapi::Schema>),
            )
            .into()
    });
}

/// Every `application/problem+json` answer is a [`Problem`].
fn problem_schema(response: &mut utoipa::openapi::RefOr<utoipa::openapi::response::Response>) {
    let utoipa::openapi::RefOr::T(response) = response else {
        return;
    };
    if let Some(utoipa::openapi::RefOr::T(content)) =
        response.content.get_mut("application/problem+json")
    {
        content.schema = Some(utoipa::openapi::Ref::from_schema_name("Problem").into());
    }
}

/// The API's routes and their document, with what every operation shares added
/// ([`Contract`]).
pub(crate) fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = routes().split_for_parts();
    utoipa::Modify::modify(&Contract, &mut doc);
    (router, doc)
}

/// Every route of the API with its handler, in the order the document lists them.
fn routes() -> OpenApiRouter<AppState> {
    use crate::{api, auth, feeds, ogc, registry, review, submit, webhooks};
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
        .routes(routes!(api::retract_record))
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
        .routes(routes!(webhooks::add, webhooks::list))
        .routes(routes!(webhooks::one, webhooks::remove))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::resume))
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
    api().1
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
