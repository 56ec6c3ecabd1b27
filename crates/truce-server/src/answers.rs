//! The shapes of the API's answers, as the OpenAPI document states them. The handlers
//! build these answers from the model's own serialisation; these types describe them for
//! clients (each member with its type, nullable where it may be null) and schemathesis
//! checks in CI that every answer it gets conforms (`response_schema_conformance`).
//! Members that vary with the rule or record kind (a rule's figures, a record's members)
//! are stated as objects and documented in `docs/`.

#![allow(dead_code)]

use serde_json::Value;
use utoipa::ToSchema;

/// `{"status": "ok"}`.
#[derive(ToSchema)]
pub(crate) struct Health {
    /// `ok` while the server answers.
    status: String,
}

/// The stored agreements.
#[derive(ToSchema)]
pub(crate) struct AgreementList {
    agreements: Vec<AgreementSummary>,
}

/// A stored agreement.
#[derive(ToSchema)]
pub(crate) struct AgreementSummary {
    id: String,
    title: String,
    /// Its title in each language its translators wrote one, by language.
    titles: Option<std::collections::BTreeMap<String, String>>,
    /// The day it took effect, YYYY-MM-DD.
    effective: String,
    /// IANA time zone its days are counted in.
    time_zone: String,
    /// Stored version, from 1.
    version: i64,
    /// SHA-256 of its files as loaded.
    content_hash: String,
    /// When it was loaded, RFC 3339.
    loaded_at: String,
}

/// The agreement as in force on a day.
#[derive(ToSchema)]
pub(crate) struct AgreementOn {
    agreement: String,
    title: String,
    /// The day asked about, YYYY-MM-DD.
    as_of: String,
    effective: String,
    time_zone: String,
    reporting_time_zone: Option<String>,
    /// Documents in force, by id.
    documents: Vec<String>,
    document_titles: std::collections::BTreeMap<String, String>,
    /// Actors' names by id.
    actor_names: std::collections::BTreeMap<String, String>,
    /// Provisions with their texts in each language (`completeness`: verbatim, paraphrase…).
    provisions: Vec<Value>,
    /// Obligations with their deadlines as amended by later documents.
    obligations: Vec<Value>,
    /// The agreement's own words in other languages, by language then key.
    translations: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// The scorecard on a day.
#[derive(ToSchema)]
pub(crate) struct Scorecard {
    agreement: String,
    as_of: String,
    /// Every obligation in force, with its status.
    lines: Vec<ScorecardLine>,
    /// The thresholds the rules used.
    options: Thresholds,
    /// Where the record on file ends: the latest dated record and the latest violation's
    /// local day (null when there is none).
    record_ends: RecordEnds,
}

/// The thresholds a scorecard was evaluated with (`period_days` and `breach_threshold`
/// as the query set them; the others fixed; docs/compliance.md).
#[derive(ToSchema)]
pub(crate) struct Thresholds {
    /// Days of the ceasefire's period, also its trend window.
    #[schema(minimum = 1)]
    period_days: u32,
    /// Confirmed or corroborated violations by one party in a period that make the
    /// ceasefire breached.
    #[schema(minimum = 1)]
    breach_threshold: u32,
    /// Days of open traffic a corridor's baseline is the median of.
    baseline_days: u32,
    /// A day below this share of the baseline is restricted.
    restricted_below: f64,
    /// A day below this share of the baseline is blocked.
    blocked_below: f64,
    /// Most evidence keys listed per line (the reason gives the full count).
    evidence_limit: u64,
    /// Days a corridor's state from its last counts is kept on days without counts.
    carry_days: u32,
}

/// Where the record on file ends.
#[derive(ToSchema)]
pub(crate) struct RecordEnds {
    records: Option<String>,
    violations: Option<String>,
}

/// One obligation's line of the scorecard.
#[derive(ToSchema)]
pub(crate) struct ScorecardLine {
    obligation: String,
    title: String,
    document: String,
    point: String,
    /// The rule that evaluates it.
    kind: String,
    /// Its deadline as amended, in English words.
    deadline: Option<String>,
    /// The same deadline as a message each language writes.
    deadline_why: Option<Why>,
    /// Its last day in force, YYYY-MM-DD.
    last_day: Option<String>,
    status: LineStatus,
    /// The rule's figures (they differ by rule; docs/compliance.md).
    details: Value,
}

/// An obligation's status.
#[derive(ToSchema)]
pub(crate) struct LineStatus {
    /// What the status rests on: evidence, failure, no record, ended…
    basis: String,
    /// The state: met, pending, breached, ended… (docs/compliance.md)
    state: String,
    /// The level for the scorecard's colour: ok, warn, bad, unknown.
    level: String,
    /// Why, in English words, naming the records.
    reason: String,
    why: Why,
    breached: bool,
    late: bool,
    score: Option<f64>,
    since: Option<String>,
    /// The keys of the records and incidents behind it.
    evidence: Vec<String>,
}

/// A sentence of the rules as a message of the translators' files (`web/i18n/LANG.json`)
/// and its parts, so that a client writes it in its reader's language.
#[derive(ToSchema)]
pub(crate) struct Why {
    /// The message's key (`why.…`).
    key: String,
    /// Its placeholders' parts by name: a text as it is; a number; `{"day"}`; `{"month"}`
    /// (YYYY-MM); a word `{"group", "word"}` (the message `group.word`); a length
    /// `{"count", "unit"}` (the message `period.UNIT`); an actor `{"actor"}` or a zone
    /// `{"zone"}` by id (named by the agreement's words, or `display_LANG` of the zones);
    /// a message `{"key", "args"}`; or `{"list", "sep"}`, parts joined by `sep`.
    args: Option<Value>,
}

/// One line with every record it cites.
#[derive(ToSchema)]
pub(crate) struct Explanation {
    as_of: String,
    line: ScorecardLine,
    /// Each record cited, with its kind, date, summary, source and where it came from; an
    /// incident as a link.
    evidence: Vec<Cited>,
}

/// A record or an incident a line cites.
#[derive(ToSchema)]
pub(crate) struct Cited {
    /// `KIND:ID` of a record, or the incident's id.
    id: String,
    /// The record's kind, or `incident`.
    kind: String,
    /// A record's date, YYYY-MM-DD (none for an undated record).
    date: Option<String>,
    /// A record's one-line summary in English, actors by name.
    summary: Option<String>,
    /// The same summary as a message each language writes.
    summary_why: Option<Why>,
    /// A record's public source.
    source: Option<String>,
    /// Where the record was read from (a file, `api`).
    origin: Option<String>,
    /// The record's version.
    version: Option<i64>,
    /// The record as stored (its members vary by kind; docs/evidence.md).
    record: Option<Value>,
    /// An incident's own route.
    href: Option<String>,
}

/// Status changes between two days.
#[derive(ToSchema)]
pub(crate) struct Alerts {
    #[schema(format = Date)]
    from: String,
    #[schema(format = Date)]
    to: String,
    /// Each change, by day.
    alerts: Vec<Alert>,
}

/// An obligation's status changed.
#[derive(ToSchema)]
pub(crate) struct Alert {
    obligation: String,
    title: String,
    /// The first day of the new status.
    #[schema(format = Date)]
    date: String,
    /// The status before (null when the obligation was not yet in force).
    old: Option<LineStatus>,
    /// The status from `date`.
    new: LineStatus,
}

/// Current evidence records.
#[derive(ToSchema)]
pub(crate) struct Records {
    records: Vec<StoredRecord>,
}

/// An evidence record as stored.
#[derive(ToSchema)]
pub(crate) struct StoredRecord {
    /// The record's members (docs/evidence.md), `type` first.
    record: Value,
    version: i64,
    /// file:line it was read from.
    origin: String,
    imported_at: String,
}

/// What an evidence import did.
#[derive(ToSchema)]
pub(crate) struct RecordImportAnswer {
    import: RecordImport,
}

/// What an evidence import did.
#[derive(ToSchema)]
pub(crate) struct RecordImport {
    counts: RecordCounts,
    /// Lines refused, with line and JSON pointer.
    rejects: Vec<LineProblem>,
    /// Lines stored that likely repeat a record under another id, naming it.
    warnings: Vec<LineProblem>,
}

/// Records written.
#[derive(ToSchema)]
pub(crate) struct RecordCounts {
    added: u64,
    updated: u64,
    unchanged: u64,
}

/// A line refused (or warned about).
#[derive(ToSchema)]
pub(crate) struct LineProblem {
    line: u64,
    /// JSON pointer of the member at fault (empty: the whole line).
    pointer: String,
    reason: String,
}

/// A record retracted.
#[derive(ToSchema)]
pub(crate) struct Retracted {
    /// Its key, `TYPE:ID`.
    retracted: String,
}

/// The statements register.
#[derive(ToSchema)]
pub(crate) struct Statements {
    statements: Vec<Statement>,
}

/// A statement or reaction.
#[derive(ToSchema)]
pub(crate) struct Statement {
    id: String,
    date: String,
    /// How exactly the date is known: day, month, year.
    date_precision: Option<String>,
    /// Actor id.
    actor: String,
    /// Obligation or subject it is about.
    about: Option<String>,
    stance: Option<String>,
    summary: String,
    quote: Option<String>,
    source: Option<String>,
}

/// A page of incidents.
#[derive(ToSchema)]
pub(crate) struct IncidentPage {
    /// Whole incidents (`fields=all`) or list lines (`map`, `list`).
    incidents: Vec<Value>,
    returned: u64,
    /// Give it as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
    /// Every incident that matches (with `total=true`).
    total: Option<u64>,
}

/// An incident with its reports, decisions and history.
#[derive(ToSchema)]
pub(crate) struct IncidentDetail {
    /// The incident, its reports and the matching decisions behind it.
    detail: Value,
    /// Status changes, newest last.
    history: Vec<Value>,
}

/// An incident reassessed.
#[derive(ToSchema)]
pub(crate) struct Reassessed {
    incident: Value,
}

/// Violations per day.
#[derive(ToSchema)]
pub(crate) struct Counts {
    /// Per local day, zone and party (an incident in two zones counts in each).
    cells: Vec<CountCell>,
    /// Per local day and party (each incident once; no `zone`).
    per_day: Vec<CountCell>,
    /// More incidents matched than are counted per request.
    truncated: bool,
}

/// Violations of one local day and party (and zone, for a cell), by status.
#[derive(ToSchema)]
pub(crate) struct CountCell {
    #[schema(format = Date)]
    date: String,
    /// The zone's id (cells only).
    #[schema(nullable = false)]
    zone: Option<String>,
    /// The assessed party's id, or `unattributed` (disputed or unknown).
    party: String,
    #[schema(minimum = 0)]
    confirmed: u32,
    #[schema(minimum = 0)]
    corroborated: u32,
    #[schema(minimum = 0)]
    disputed: u32,
    #[schema(minimum = 0)]
    unverified: u32,
}

/// What a search found.
#[derive(ToSchema)]
pub(crate) struct SearchAnswer {
    /// Incidents best first, each with its score, best report and snippet.
    incidents: Vec<FoundIncident>,
    /// Incidents that answer (among the reports read).
    incidents_found: u64,
    /// More reports answer than were read: the newest were ranked.
    newest_only: bool,
    /// Statements, evidence records and sources that answer, best first.
    others: Vec<Found>,
    /// The query as read.
    query: SearchQuery,
}

/// An incident found, by its best report.
#[derive(ToSchema)]
pub(crate) struct FoundIncident {
    /// The incident as stored (docs/incidents.md).
    incident: Value,
    /// How well its best report answers.
    score: f64,
    /// The id of the report that answers best.
    report: String,
    /// How many of its reports answer (among those read).
    #[schema(minimum = 0)]
    reports: u64,
    /// That report's account around the words found.
    snippet: Vec<Segment>,
}

/// A statement, evidence record or source found.
#[derive(ToSchema)]
pub(crate) struct Found {
    #[schema(inline)]
    kind: FoundKind,
    /// Its id (`KIND:ID` for a record).
    id: String,
    /// Its date, YYYY-MM-DD, if it has one.
    date: Option<String>,
    /// How well it answers.
    score: f64,
    /// Its words around those found.
    snippet: Vec<Segment>,
    /// Where it comes from (a URL), if known.
    source: Option<String>,
}

/// What a found thing is.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum FoundKind {
    Statement,
    Record,
    Source,
}

/// A piece of a snippet: text as written, and whether it is a word searched for (to be
/// marked).
#[derive(ToSchema)]
pub(crate) struct Segment {
    text: String,
    hit: bool,
}

/// A query as read: every group must be found.
#[derive(ToSchema)]
pub(crate) struct SearchQuery {
    groups: Vec<SearchGroup>,
}

/// One thing a query asks for.
#[derive(ToSchema)]
pub(crate) struct SearchGroup {
    /// As typed.
    typed: String,
    /// Phrases of folded words, any of which will do: the words typed, then the names of
    /// the places they name.
    alternatives: Vec<Vec<String>>,
    /// The ids of the places the words name.
    places: Vec<String>,
}

/// Places matching a name.
#[derive(ToSchema)]
pub(crate) struct PlaceMatches {
    query: String,
    /// How the name matched: exact, folded, transliterated… (null: no match)
    tier: Option<String>,
    ambiguous: bool,
    matches: Vec<Value>,
}

/// The event codebook.
#[derive(ToSchema)]
pub(crate) struct Codebook {
    event_types: Vec<EventTypeEntry>,
}

/// An event type.
#[derive(ToSchema)]
pub(crate) struct EventTypeEntry {
    #[schema(rename = "type")]
    kind: String,
    violation: bool,
}

/// Registered sources.
#[derive(ToSchema)]
pub(crate) struct Sources {
    sources: Vec<Source>,
}

/// A source.
#[derive(ToSchema)]
pub(crate) struct Source {
    id: String,
    name: String,
    kind: String,
    reliability: String,
    /// The actor it speaks for, if any.
    party: Option<String>,
}

/// Who is asking.
#[derive(ToSchema)]
pub(crate) struct Session {
    user: Option<User>,
    role: String,
    /// What the role may do.
    may: Vec<String>,
    /// Sources this user may submit reports for.
    submit_sources: Vec<String>,
    /// A browser session's CSRF token.
    csrf: Option<String>,
}

/// A login's answer.
#[derive(ToSchema)]
pub(crate) struct LoggedIn {
    user: User,
    /// Send it as `X-CSRF-Token` on every write of this session.
    csrf: String,
}

/// Every account.
#[derive(ToSchema)]
pub(crate) struct Users {
    users: Vec<User>,
}

/// An account.
#[derive(ToSchema)]
pub(crate) struct User {
    id: String,
    name: String,
    role: String,
    /// The party a liaison is bound to.
    party: Option<String>,
    disabled: bool,
    created_at: String,
}

/// A stored report's answer.
#[derive(ToSchema)]
pub(crate) struct Submitted {
    /// The report's id.
    report: String,
    /// The incident it joined or started.
    incident: String,
    /// True when it started a new incident.
    new_incident: bool,
    /// Why, in one line.
    reason: String,
    /// False when the same version was already stored (nothing was written; 200).
    stored: bool,
    /// Notes about the report that did not stop it.
    warnings: Vec<Value>,
}

/// Published bulletins.
#[derive(ToSchema)]
pub(crate) struct Bulletins {
    bulletins: Vec<Value>,
}

/// The registry's aggregates on a day.
#[derive(ToSchema)]
pub(crate) struct RegistrySummary {
    as_of: String,
    counts: Vec<Value>,
}

/// Claims reconciled with the registry.
#[derive(ToSchema)]
pub(crate) struct Reconciliation {
    reconciliation: Vec<Value>,
    stated_totals: Vec<Value>,
}

/// Persons the asker may see.
#[derive(ToSchema)]
pub(crate) struct Persons {
    persons: Vec<Value>,
}

/// One person with the status history.
#[derive(ToSchema)]
pub(crate) struct Person {
    person: Value,
}

/// What a registry import did.
#[derive(ToSchema)]
pub(crate) struct RegistryImportAnswer {
    import: RegistryImport,
}

/// What a registry import did.
#[derive(ToSchema)]
pub(crate) struct RegistryImport {
    persons_added: u64,
    persons_updated: u64,
    persons_unchanged: u64,
    statuses_added: u64,
    statuses_unchanged: u64,
    /// Refused lines: line and member only, never a personal value.
    rejects: Vec<LineProblem>,
}

/// A GeoJSON FeatureCollection.
#[derive(ToSchema)]
pub(crate) struct FeatureCollection {
    /// `FeatureCollection`.
    #[schema(rename = "type")]
    kind: String,
    features: Vec<Feature>,
    /// OGC: features that match in all.
    #[schema(rename = "numberMatched")]
    number_matched: Option<u64>,
    /// OGC: features on this page.
    #[schema(rename = "numberReturned")]
    number_returned: Option<u64>,
    links: Option<Vec<Link>>,
}

/// A GeoJSON Feature.
#[derive(ToSchema)]
pub(crate) struct Feature {
    /// `Feature`.
    #[schema(rename = "type")]
    kind: String,
    id: Option<String>,
    /// A GeoJSON geometry (RFC 7946), or null.
    geometry: Option<Value>,
    properties: Option<Value>,
    links: Option<Vec<Link>>,
}

/// A link.
#[derive(ToSchema)]
pub(crate) struct Link {
    href: String,
    rel: String,
    #[schema(rename = "type")]
    media_type: Option<String>,
    title: Option<String>,
}

/// An OGC API landing page.
#[derive(ToSchema)]
pub(crate) struct Landing {
    title: String,
    description: String,
    links: Vec<Link>,
}

/// OGC API conformance classes.
#[derive(ToSchema)]
pub(crate) struct Conformance {
    #[schema(rename = "conformsTo")]
    conforms_to: Vec<String>,
}

/// OGC API collections.
#[derive(ToSchema)]
pub(crate) struct Collections {
    collections: Vec<Collection>,
    links: Vec<Link>,
}

/// An OGC API collection.
#[derive(ToSchema)]
pub(crate) struct Collection {
    id: String,
    title: String,
    description: String,
    #[schema(rename = "itemType")]
    item_type: String,
    crs: Vec<String>,
    /// The reference system the features are kept in (CRS84).
    #[schema(rename = "storageCrs")]
    storage_crs: String,
    /// Spatial (CRS84 box) and temporal extent.
    extent: Value,
    links: Vec<Link>,
}

/// A JSON Schema of a collection's queryables.
#[derive(ToSchema)]
pub(crate) struct Queryables {
    #[schema(rename = "type")]
    kind: String,
    title: String,
    properties: Value,
}

/// One report in the native JSON format (docs/formats.md). The server checks more than
/// the schema states: the source is registered and may be submitted for by the user, a
/// place name resolves in the gazetteer, actors are the agreement's, `end` is not before
/// `start` nor in the future; each refusal names its JSON pointer.
#[derive(ToSchema)]
pub(crate) struct ReportBody {
    /// Id of a registered source.
    #[schema(min_length = 1)]
    source: String,
    /// The source's own id of the record.
    key: Option<String>,
    /// The source's version of the record; a newer one supersedes.
    version: Option<i64>,
    /// When it was received, RFC 3339 (default: now).
    #[schema(format = DateTime)]
    received: Option<String>,
    occurred: Occurred,
    location: Location,
    /// A codebook type.
    #[schema(rename = "type", schema_with = event_type)]
    kind: String,
    /// Actor id of the agreement.
    perpetrator: Option<String>,
    /// Actor id of the agreement.
    target: Option<String>,
    /// Killed and wounded, each `{low, best, high}`.
    casualties: Option<Value>,
    /// 1 (confirmed) to 6 (cannot be judged).
    #[schema(minimum = 1, maximum = 6)]
    credibility: u8,
    /// The account, at most 64 KiB.
    #[schema(max_length = 65536)]
    text: Option<String>,
    /// SHA-256 digests of evidence files, 64 hex digits each.
    evidence: Option<Vec<String>>,
    /// How many distinct outlets a data set's row cites.
    #[schema(minimum = 0, maximum = 255)]
    outlets: Option<u8>,
}

/// The report's `type`: a codebook type (a member given its schema by `schema_with`
/// carries its description in it).
fn event_type() -> utoipa::openapi::Object {
    let mut schema = crate::edge::event_types();
    schema.description = Some("A codebook type".into());
    schema
}

/// When it happened.
#[derive(ToSchema)]
pub(crate) struct Occurred {
    /// RFC 3339.
    #[schema(format = DateTime)]
    start: String,
    /// RFC 3339, not before `start`.
    #[schema(format = DateTime)]
    end: String,
    /// As UCDP `date_prec`, 1 (exact day) to 5.
    #[schema(minimum = 1, maximum = 5)]
    precision: u8,
}

/// Where it happened: a point, a place name the gazetteer resolves, or both.
#[derive(ToSchema)]
pub(crate) struct Location {
    #[schema(minimum = -180, maximum = 180)]
    lon: Option<f64>,
    #[schema(minimum = -90, maximum = 90)]
    lat: Option<f64>,
    place: Option<String>,
    /// As UCDP `where_prec`, 1 (exact) to 7.
    #[schema(minimum = 1, maximum = 7)]
    precision: u8,
}

/// A webhook subscription (never with its secret).
#[derive(ToSchema)]
pub(crate) struct WebhookInfo {
    /// `wh-…`.
    id: String,
    agreement: String,
    url: String,
    /// Event types it receives.
    events: Vec<String>,
    /// For `incident.created`: the zone it is limited to.
    #[schema(nullable)]
    zone: Option<String>,
    /// The subscribing user.
    owner: String,
    created_at: String,
    /// Failed attempts in a row.
    failures: i64,
    /// When deliveries were paused after repeated failures.
    #[schema(nullable)]
    paused_at: Option<String>,
}

/// A new subscription with its signing secret, shown once.
#[derive(ToSchema)]
pub(crate) struct WebhookCreated {
    webhook: WebhookInfo,
    /// `whsec_…`: the key of every delivery's `webhook-signature` (Standard Webhooks).
    secret: String,
}

/// Subscriptions.
#[derive(ToSchema)]
pub(crate) struct Webhooks {
    webhooks: Vec<WebhookInfo>,
}

/// One subscription.
#[derive(ToSchema)]
pub(crate) struct WebhookOne {
    webhook: WebhookInfo,
}

/// A queued test delivery.
#[derive(ToSchema)]
pub(crate) struct WebhookTest {
    /// Its id (`msg_…`), as the delivery log and the `webhook-id` header name it.
    delivery: String,
}

/// A subscription's delivery log.
#[derive(ToSchema)]
pub(crate) struct Deliveries {
    deliveries: Vec<Delivery>,
}

/// One delivery and its attempts.
#[derive(ToSchema)]
pub(crate) struct Delivery {
    /// `msg_…`.
    id: String,
    event_type: String,
    /// What happened, once per subscription.
    event_key: String,
    created_at: String,
    /// `pending`, `delivered` or `failed` (given up).
    state: String,
    #[schema(nullable)]
    delivered_at: Option<String>,
    /// When the next attempt is due.
    #[schema(nullable)]
    next_at: Option<String>,
    /// The body as sent: `type`, `timestamp`, `agreement`, `data`.
    payload: Value,
    attempts: Vec<DeliveryAttempt>,
}

/// One attempt.
#[derive(ToSchema)]
pub(crate) struct DeliveryAttempt {
    attempt: i64,
    at: String,
    /// The node that made it.
    node: String,
    /// The receiver's HTTP status.
    #[schema(nullable)]
    status: Option<i64>,
    /// Why it failed.
    #[schema(nullable)]
    error: Option<String>,
    duration_ms: i64,
}
