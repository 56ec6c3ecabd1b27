//! The agreement as data: actors, documents, provisions, obligations and amendments, read
//! from the TOML format of `docs/agreement-format.md` into validated types.
//!
//! Reading happens in two steps. [`read`] turns the text into a spanned draft and finds the
//! names of the companion files (zones, places, statements); [`Draft::validate`] checks
//! every cross-reference against the zones and returns the [`Agreement`]. Past that edge
//! nothing re-validates. [`Agreement::as_of`] is the agreement in force on a date: a pure
//! function of the data.

use crate::diag::{Problem, SourceFile, suggest};
use crate::i18n::{Msg, Part};
use crate::period::{Period, local_date, start_of_day};
use crate::tomlread::{Ctx, Sp, Tbl};
use crate::words::{
    DatePrecision, DeadlineRule, DocumentKind, Limit, ObligationKind, Role, Stance, TextStatus,
};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use toml_span::Span;

/// The only version of the format this build reads.
pub const FORMAT_VERSION: i64 = 1;

/// A validated agreement.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// Stable id, also the folder name (`nk-2020`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// IANA name of the time zone the agreement's own times are stated in (its
    /// documents' effective instants, deadlines given with a time of day).
    pub time_zone: String,
    /// IANA name of the time zone of the reporting day: the day an event is counted on,
    /// the day a dated deadline ends, the scorecard's and the feeds' days. The
    /// `reporting_time_zone` of the file, or `time_zone` when it names none.
    pub reporting_time_zone: String,
    /// The reporting day's zone.
    #[serde(skip)]
    tz: TimeZone,
    /// The zone the agreement's times are stated in.
    #[serde(skip)]
    stated_tz: TimeZone,
    /// The instant the first statement took effect.
    pub effective: Timestamp,
    /// Who takes part or comments.
    pub actors: Vec<Actor>,
    /// Statements, amendments and follow-ups, in file order.
    pub documents: Vec<Document>,
    /// Numbered points of the documents with their texts.
    pub provisions: Vec<Provision>,
    /// What each actor must do, as first agreed.
    pub obligations: Vec<Obligation>,
    /// Amendments' changes to obligations, in the order they take effect.
    pub changes: Vec<Change>,
    /// Register of statements and reactions.
    pub statements: Vec<Statement>,
    /// How close reports must be to count as one incident.
    pub matching: Matching,
}

/// The windows within which reports are matched into one incident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Matching {
    /// Distance between two exact places still counted as one event, in metres.
    pub distance_m: f64,
    /// How far apart two time windows may be, in seconds.
    pub slack_s: i64,
}

impl Default for Matching {
    fn default() -> Self {
        Self {
            distance_m: 10_000.0,
            slack_s: 6 * 3600,
        }
    }
}

/// An actor with its roles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    /// Stable id (`az`, `ru-pk`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Roles in the agreement.
    pub roles: Vec<Role>,
    /// The actor this one belongs to (a force of a state).
    pub part_of: Option<String>,
    /// Names data sets use for this actor ("Military Forces of Azerbaijan (2003-)").
    pub aliases: Vec<String>,
    /// Free note.
    pub note: Option<String>,
}

/// Data-set actor names resolved to agreement actors, each distinct name once: a data set
/// names a few hundred actors over a million rows, and resolving a name compares it with
/// every name and alias of the agreement.
#[derive(Debug)]
pub struct ActorNames<'a> {
    agreement: &'a Agreement,
    seen: HashMap<Box<str>, Option<&'a str>>,
}

impl<'a> ActorNames<'a> {
    /// Names remembered at most; past that, names are resolved each time.
    const MEMO: usize = 1 << 16;

    /// The actor a data set's name stands for: `(id, None)` when the agreement knows it,
    /// `(None, Some(name))` when it is a named actor the agreement cannot map (keep it and
    /// ask for an alias), `(None, None)` for an empty or generic name
    /// ([`is_generic_actor`]).
    pub fn resolve(&mut self, name: &str) -> (Option<String>, Option<String>) {
        let name = name.trim();
        if name.is_empty() {
            return (None, None);
        }
        match self.id(name) {
            Some(id) => (Some(id.to_owned()), None),
            None if is_generic_actor(name) => (None, None),
            None => (None, Some(name.to_owned())),
        }
    }

    /// The agreement the names are resolved against.
    pub fn agreement(&self) -> &'a Agreement {
        self.agreement
    }

    /// The id of the actor `name` stands for (see [`Agreement::actor_by_name`]).
    pub fn id(&mut self, name: &str) -> Option<&'a str> {
        if let Some(&id) = self.seen.get(name) {
            return id;
        }
        let agreement: &'a Agreement = self.agreement;
        let id = agreement.actor_by_name(name).map(|a| a.id.as_str());
        if self.seen.len() < Self::MEMO {
            self.seen.insert(name.into(), id);
        }
        id
    }
}

/// True for the names data sets give to people rather than organised actors (ACLED's
/// civilians, protesters, rioters; unidentified groups): never an actor of an agreement,
/// so an import does not ask for an alias for them.
pub fn is_generic_actor(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    ["civilians", "protesters", "rioters", "unidentified"]
        .iter()
        .any(|g| n.starts_with(g))
}

/// An actor name without case, a trailing "(2003-)"-style period, or spacing differences.
pub fn actor_key(name: &str) -> String {
    let trimmed = match name
        .trim_end()
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
    {
        Some((head, period)) if period.chars().all(|c| c.is_ascii_digit() || c == '-') => head,
        _ => name,
    };
    trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A person who signed a document for an actor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signatory {
    /// The actor signed for.
    pub actor: String,
    /// The person's name.
    pub person: String,
    /// The office held.
    pub office: Option<String>,
}

/// A statement, amendment or follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// Stable id.
    pub id: String,
    /// Statement, amendment or follow-up.
    pub kind: DocumentKind,
    /// Title.
    pub title: String,
    /// The day it was signed or agreed.
    pub signed: Date,
    /// The instant it took effect (the given local time, else the start of `signed`).
    pub effective: Timestamp,
    /// Where the text comes from.
    pub sources: Vec<String>,
    /// Who signed.
    pub signatories: Vec<Signatory>,
    /// Actors that agreed it, for documents without signatories.
    pub parties: Vec<String>,
    /// Language of the authentic text.
    pub authentic_language: Option<String>,
    /// How much of the text was obtained.
    pub completeness: Option<String>,
    /// Free note.
    pub note: Option<String>,
}

/// One text of a provision in one translation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionText {
    /// Whose translation or quotation.
    pub translation: String,
    /// How faithful it is.
    pub status: TextStatus,
    /// Where it was published.
    pub source: String,
    /// The text.
    pub text: String,
    /// Free note.
    pub note: Option<String>,
}

/// A numbered point of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provision {
    /// Stable id.
    pub id: String,
    /// The document it belongs to.
    pub document: String,
    /// Its number in the document ("6").
    pub number: String,
    /// How much of the text was obtained.
    pub completeness: Option<String>,
    /// Texts, one per translation or quotation.
    pub texts: Vec<ProvisionText>,
}

/// A measurable figure of an obligation (a cap, a width).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// Name, unique within the obligation (`personnel`).
    pub name: String,
    /// How it binds.
    pub limit: Limit,
    /// The figure.
    pub value: f64,
    /// Unit in words.
    pub unit: String,
}

/// When an obligation falls due.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Deadline {
    /// A calendar day in the agreement's time zone, read by `rule`.
    Date {
        /// The named day.
        date: Date,
        /// `by` (the day counts) or `before` (it does not).
        rule: DeadlineRule,
        /// The instant after which the obligation is late.
        due: Timestamp,
    },
    /// A fixed instant.
    Instant {
        /// The instant after which the obligation is late.
        due: Timestamp,
    },
    /// A period counted from the document taking effect.
    Within {
        /// The period.
        period: Period,
        /// The instant after which the obligation is late.
        due: Timestamp,
    },
    /// A period counted from the completion of another obligation: no fixed day until
    /// that obligation is done.
    After {
        /// The obligation whose completion starts the count.
        obligation: String,
        /// The period.
        period: Period,
    },
}

impl Deadline {
    /// The instant after which the obligation is late, when it is fixed.
    pub fn due(&self) -> Option<Timestamp> {
        match self {
            Self::Date { due, .. } | Self::Instant { due } | Self::Within { due, .. } => Some(*due),
            Self::After { .. } => None,
        }
    }

    /// The last local day on which completion is on time, when it is fixed.
    pub fn last_day(&self, tz: &TimeZone) -> Option<Date> {
        // `due` is exclusive: the last day on time is the day of the instant just before.
        self.due()
            .and_then(|d| d.checked_sub(1.nanosecond()).ok())
            .map(|d| local_date(d, tz))
    }

    /// One line for people, in English.
    pub fn describe(&self, tz: &TimeZone) -> String {
        crate::i18n::english().say(&self.describe_msg(tz))
    }

    /// [`Deadline::describe`] as a message each language writes.
    pub fn describe_msg(&self, tz: &TimeZone) -> Msg {
        match self {
            Self::Date { date, rule, .. } => Msg::new("why.deadline.date")
                .with("rule", Part::word("deadline_rule", rule))
                .with("day", *date),
            Self::Instant { due } => Msg::new("why.deadline.instant").with(
                "when",
                due.to_zoned_datetime(tz.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string(),
            ),
            Self::Within { period, .. } => match self.last_day(tz) {
                Some(d) => Msg::new("why.deadline.within_by").with("day", d),
                None => Msg::new("why.deadline.within"),
            }
            .with("period", period.part()),
            Self::After { obligation, period } => Msg::new("why.deadline.after")
                .with("period", period.part())
                .with("obligation", obligation),
        }
    }
}

/// Term of a presence with automatic renewal unless notice is given in time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermRule {
    /// First day of the term.
    pub starts: Date,
    /// Length of the first term.
    pub initial: Period,
    /// Length of each automatic renewal; `None` when the term does not renew.
    pub renewal: Option<Period>,
    /// How long before expiry notice must be given.
    pub notice: Period,
    /// Who may give notice.
    pub notice_by: Vec<String>,
}

/// One term period with its expiry and the last day to give notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TermPeriod {
    /// 1 for the initial term, 2 for the first renewal, and so on.
    pub number: u32,
    /// First day.
    pub starts: Date,
    /// The day the period ends (the next begins on it).
    pub expires: Date,
    /// The last day on which notice prevents renewal.
    pub last_notice_day: Date,
}

impl TermRule {
    /// Periods from the start up to and including the one running on `through`, assuming
    /// no notice was given. Stops at the initial period when the term does not renew.
    pub fn periods_through(&self, through: Date) -> Vec<TermPeriod> {
        let mut out = Vec::new();
        let mut starts = self.starts;
        let mut length = self.initial;
        for number in 1..=200 {
            let Some(expires) = length.after(starts) else {
                break;
            };
            let last_notice_day = self.notice.before(expires).unwrap_or(starts);
            out.push(TermPeriod {
                number,
                starts,
                expires,
                last_notice_day,
            });
            match self.renewal {
                Some(r) if expires <= through => {
                    starts = expires;
                    length = r;
                }
                _ => break,
            }
        }
        out
    }

    /// The initial period.
    pub fn first_period(&self) -> TermPeriod {
        self.periods_through(self.starts)[0]
    }
}

/// What an actor must do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obligation {
    /// Stable id, never reused.
    pub id: String,
    /// The provision that creates it.
    pub provision: String,
    /// The document of that provision.
    pub document: String,
    /// Kind, which selects the evaluation rule.
    pub kind: ObligationKind,
    /// One line.
    pub title: String,
    /// Who must act.
    pub obligors: Vec<String>,
    /// Who benefits.
    pub beneficiaries: Vec<String>,
    /// Who watches or oversees.
    pub monitors: Vec<String>,
    /// Actors besides the obligors whose part the rule counts, each under its own name
    /// and never as an obligor's (an exchange rule counting the releases of a de facto
    /// authority).
    pub also_counts: Vec<String>,
    /// Zones it concerns.
    pub zones: Vec<String>,
    /// When it falls due; `None` for standing or undated obligations.
    pub deadline: Option<Deadline>,
    /// Caps and figures.
    pub quantities: Vec<Quantity>,
    /// Term rule, for term obligations.
    pub term: Option<TermRule>,
    /// When it starts to bind (its document's effective instant).
    pub binding_from: Timestamp,
    /// Free note.
    pub note: Option<String>,
}

/// A field of an obligation that an amendment may change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "field", content = "value", rename_all = "kebab-case")]
pub enum ChangeValue {
    /// A new deadline.
    Deadline(Deadline),
    /// A new figure for an existing quantity.
    Quantity(Quantity),
    /// New zones.
    Zones(Vec<String>),
    /// New obligors.
    Obligors(Vec<String>),
    /// New title.
    Title(String),
}

impl ChangeValue {
    /// The field name as written in files.
    pub fn field(&self) -> String {
        match self {
            Self::Deadline(_) => "deadline".into(),
            Self::Quantity(q) => format!("quantities.{}", q.name),
            Self::Zones(_) => "zones".into(),
            Self::Obligors(_) => "obligors".into(),
            Self::Title(_) => "title".into(),
        }
    }
}

/// Fields an amendment may name.
pub const AMENDABLE_FIELDS: &[&str] = &[
    "deadline",
    "quantities.<name>",
    "zones",
    "obligors",
    "title",
];

/// One change made by an amendment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The amendment.
    pub document: String,
    /// The obligation changed.
    pub obligation: String,
    /// The first local day the change applies.
    pub from: Date,
    /// The new value.
    pub value: ChangeValue,
}

/// An entry of the register of statements and reactions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// Stable id.
    pub id: String,
    /// Who spoke.
    pub actor: String,
    /// The document it is about, if any.
    pub about: Option<String>,
    /// When.
    pub date: Date,
    /// How exactly the date is known.
    pub date_precision: DatePrecision,
    /// The position taken.
    pub stance: Stance,
    /// Summary in the register's words.
    pub summary: String,
    /// A short attributed quotation.
    pub quote: Option<String>,
    /// Where it was reported.
    pub source: String,
}

/// One obligation as in force on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObligationView {
    /// The obligation with every change in force on the date applied.
    pub obligation: Obligation,
    /// The deadline as first agreed, when a change replaced it.
    pub original_deadline: Option<Deadline>,
    /// Changes applied, oldest first.
    pub applied: Vec<Change>,
    /// False while the obligation's document has not yet taken effect on the date.
    pub binding: bool,
}

/// The agreement as in force on one local date.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementView {
    /// The agreement id.
    pub agreement: String,
    /// The date of the view, in the agreement's time zone.
    pub as_of: Date,
    /// Documents signed by that date.
    pub documents: Vec<String>,
    /// Obligations of those documents with changes applied.
    pub obligations: Vec<ObligationView>,
}

impl AgreementView {
    /// The view as the JSON document served by the API and printed by `--json`: each
    /// obligation with its last day on time and, for terms, the term periods to the date.
    pub fn to_json(&self, a: &Agreement) -> serde_json::Value {
        let obligations: Vec<serde_json::Value> = self
            .obligations
            .iter()
            .map(|o| {
                let mut j = serde_json::to_value(o).unwrap_or(serde_json::Value::Null);
                if let Some(map) = j.as_object_mut() {
                    map.insert(
                        "last_day".into(),
                        serde_json::json!(
                            o.obligation
                                .deadline
                                .as_ref()
                                .and_then(|d| d.last_day(a.tz()))
                        ),
                    );
                    if let Some(t) = &o.obligation.term {
                        map.insert(
                            "term_periods".into(),
                            serde_json::json!(t.periods_through(self.as_of)),
                        );
                    }
                }
                j
            })
            .collect();
        serde_json::json!({
            "agreement": a.id,
            "title": a.title,
            "time_zone": a.time_zone,
            "reporting_time_zone": a.reporting_time_zone,
            "effective": a.effective,
            "as_of": self.as_of,
            "documents": self.documents,
            "actor_names": a
                .actors
                .iter()
                .map(|x| (x.id.clone(), serde_json::json!(x.name)))
                .collect::<serde_json::Map<_, _>>(),
            "document_titles": self
                .documents
                .iter()
                .filter_map(|id| a.documents.iter().find(|d| &d.id == id))
                .map(|d| (d.id.clone(), serde_json::json!(d.title)))
                .collect::<serde_json::Map<_, _>>(),
            // The points of the documents in force, each with its texts and how faithful
            // each is (`verbatim`, `paraphrase` …).
            "provisions": a
                .provisions
                .iter()
                .filter(|p| self.documents.contains(&p.document))
                .collect::<Vec<_>>(),
            "obligations": obligations,
        })
    }

    /// The obligation with this id, if it exists on the date.
    pub fn obligation(&self, id: &str) -> Option<&ObligationView> {
        self.obligations.iter().find(|o| o.obligation.id == id)
    }
}

impl Agreement {
    /// The time zone of the reporting day ([`Agreement::reporting_time_zone`]).
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The time zone the agreement's own times are stated in ([`Agreement::time_zone`]).
    pub fn stated_tz(&self) -> &TimeZone {
        &self.stated_tz
    }

    /// The local date of the first statement's effective instant.
    pub fn effective_date(&self) -> Date {
        local_date(self.effective, &self.tz)
    }

    /// Looks up an actor.
    pub fn actor(&self, id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }

    /// The actor a data set's actor name stands for: its name or one of its aliases,
    /// compared with [`actor_key`].
    pub fn actor_by_name(&self, name: &str) -> Option<&Actor> {
        let key = actor_key(name);
        if key.is_empty() {
            return None;
        }
        self.actors
            .iter()
            .find(|a| actor_key(&a.name) == key || a.aliases.iter().any(|x| actor_key(x) == key))
    }

    /// A memo of [`Agreement::actor_by_name`] for reading a data set's rows.
    pub fn actor_names(&self) -> ActorNames<'_> {
        ActorNames {
            agreement: self,
            seen: HashMap::new(),
        }
    }

    /// Looks up a document.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// Looks up a provision.
    pub fn provision(&self, id: &str) -> Option<&Provision> {
        self.provisions.iter().find(|p| p.id == id)
    }

    /// The agreement as in force on `date` (local to the agreement): documents signed by
    /// then, and every amendment change whose `from` day has come.
    pub fn as_of(&self, date: Date) -> AgreementView {
        let documents: Vec<&Document> =
            self.documents.iter().filter(|d| d.signed <= date).collect();
        let known: BTreeSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
        // An obligation binds on a day when it takes effect before that day ends.
        let day_end = date
            .checked_add(1.day())
            .ok()
            .and_then(|d| start_of_day(d, &self.tz));
        let obligations = self
            .obligations
            .iter()
            .filter(|o| known.contains(o.document.as_str()))
            .map(|o| {
                let mut ob = o.clone();
                let mut applied = Vec::new();
                let mut original_deadline = None;
                for c in self.changes.iter().filter(|c| {
                    c.obligation == o.id && c.from <= date && known.contains(c.document.as_str())
                }) {
                    match &c.value {
                        ChangeValue::Deadline(d) => {
                            if original_deadline.is_none() {
                                original_deadline = o.deadline.clone();
                            }
                            ob.deadline = Some(d.clone());
                        }
                        ChangeValue::Quantity(q) => {
                            if let Some(slot) = ob.quantities.iter_mut().find(|x| x.name == q.name)
                            {
                                *slot = q.clone();
                            }
                        }
                        ChangeValue::Zones(z) => ob.zones.clone_from(z),
                        ChangeValue::Obligors(a) => ob.obligors.clone_from(a),
                        ChangeValue::Title(t) => ob.title.clone_from(t),
                    }
                    applied.push(c.clone());
                }
                let binding = day_end.is_none_or(|end| ob.binding_from < end);
                ObligationView {
                    obligation: ob,
                    original_deadline,
                    applied,
                    binding,
                }
            })
            .collect();
        AgreementView {
            agreement: self.id.clone(),
            as_of: date,
            documents: documents.iter().map(|d| d.id.clone()).collect(),
            obligations,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// The companion files an agreement names, relative to its own file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companions {
    /// GeoJSON of zones.
    pub zones: Option<String>,
    /// CSV gazetteer.
    pub places: Option<String>,
    /// TOML register of statements.
    pub statements: Option<String>,
    /// The agreement's own words in other languages (its title, actors' names,
    /// documents' and obligations' titles): (language, JSON file).
    pub translations: Vec<(String, String)>,
}

#[derive(Debug)]
struct RawActor {
    id: Sp<String>,
    name: String,
    roles: Vec<Role>,
    part_of: Option<Sp<String>>,
    aliases: Vec<String>,
    note: Option<String>,
}

#[derive(Debug)]
struct RawSignatory {
    actor: Sp<String>,
    person: String,
    office: Option<String>,
}

#[derive(Debug)]
struct RawDocument {
    id: Sp<String>,
    kind: Option<DocumentKind>,
    title: String,
    signed: Option<Sp<Date>>,
    effective: Option<Sp<DateTime>>,
    sources: Vec<String>,
    signatories: Vec<RawSignatory>,
    parties: Vec<Sp<String>>,
    authentic_language: Option<String>,
    completeness: Option<String>,
    note: Option<String>,
}

#[derive(Debug)]
struct RawProvision {
    id: Sp<String>,
    document: Sp<String>,
    number: String,
    completeness: Option<String>,
    texts: Vec<ProvisionText>,
}

#[derive(Debug)]
enum RawDeadline {
    Date(Date, DeadlineRule),
    Instant(DateTime),
    Within(Period),
    After(Sp<String>, Period),
}

#[derive(Debug)]
struct RawTerm {
    span: Span,
    starts: Option<Sp<String>>,
    initial: Option<Period>,
    renewal: Option<Period>,
    notice: Option<Period>,
    notice_by: Vec<Sp<String>>,
}

#[derive(Debug)]
struct RawObligation {
    id: Sp<String>,
    provision: Sp<String>,
    kind: Option<ObligationKind>,
    title: String,
    obligors: Vec<Sp<String>>,
    beneficiaries: Vec<Sp<String>>,
    monitors: Vec<Sp<String>>,
    also_counts: Vec<Sp<String>>,
    zones: Vec<Sp<String>>,
    deadline: Option<Sp<RawDeadline>>,
    quantities: Vec<Sp<Quantity>>,
    term: Option<RawTerm>,
    note: Option<String>,
}

#[derive(Debug)]
enum RawChangeValue {
    Deadline(Sp<RawDeadline>),
    Quantity(Sp<Quantity>),
    Ids(Vec<Sp<String>>),
    Title(String),
    Invalid,
}

#[derive(Debug)]
struct RawChange {
    document: Sp<String>,
    obligation: Sp<String>,
    field: Sp<String>,
    from: Option<Sp<Date>>,
    value: RawChangeValue,
}

/// An agreement file read but not yet checked against its zones.
#[derive(Debug)]
pub struct Draft {
    file: SourceFile,
    /// Agreement id.
    pub id: Option<String>,
    title: String,
    time_zone: Option<Sp<String>>,
    reporting_time_zone: Option<Sp<String>>,
    /// Companion file names.
    pub companions: Companions,
    matching: Matching,
    actors: Vec<RawActor>,
    documents: Vec<RawDocument>,
    provisions: Vec<RawProvision>,
    obligations: Vec<RawObligation>,
    changes: Vec<RawChange>,
    problems: Vec<Problem>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn read_id(ctx: &mut Ctx<'_>, t: &mut Tbl<'_>) -> Option<Sp<String>> {
    let id = t.req_str(ctx, "id")?;
    if !is_id(&id.v) {
        ctx.report(
            id.span,
            format!("`{}` is not a valid id", id.v),
            Some(
                "ids use lowercase ASCII letters, digits and inner hyphens, at most 64 characters"
                    .into(),
            ),
        );
    }
    Some(id)
}

fn read_word<T>(
    ctx: &mut Ctx<'_>,
    t: &mut Tbl<'_>,
    key: &'static str,
    parse: fn(&str) -> Option<T>,
    all: &'static [&'static str],
    required: bool,
) -> Option<T> {
    let s = if required {
        t.req_str(ctx, key)
    } else {
        t.opt_str(ctx, key)
    }?;
    let v = parse(&s.v);
    if v.is_none() {
        ctx.report(
            s.span,
            format!("`{}` is not a known {key}", s.v),
            Some(suggest(&s.v, all.iter().copied())),
        );
    }
    v
}

fn parse_date(ctx: &mut Ctx<'_>, s: &Sp<String>) -> Option<Sp<Date>> {
    match s.v.parse::<Date>() {
        Ok(d) => Some(Sp { v: d, span: s.span }),
        Err(_) => {
            ctx.report(
                s.span,
                format!("`{}` is not a date", s.v),
                Some("write dates as \"YYYY-MM-DD\"".into()),
            );
            None
        }
    }
}

fn read_date(
    ctx: &mut Ctx<'_>,
    t: &mut Tbl<'_>,
    key: &'static str,
    required: bool,
) -> Option<Sp<Date>> {
    let s = if required {
        t.req_str(ctx, key)
    } else {
        t.opt_str(ctx, key)
    }?;
    parse_date(ctx, &s)
}

fn read_period(ctx: &mut Ctx<'_>, s: &Sp<String>) -> Option<Period> {
    match Period::parse(&s.v) {
        Ok(p) => Some(p),
        Err(e) => {
            ctx.report(
                s.span,
                e,
                Some("write periods as \"5 years\", \"6 months\", \"10 days\"".into()),
            );
            None
        }
    }
}

fn read_deadline(ctx: &mut Ctx<'_>, mut t: Tbl<'_>) -> Option<Sp<RawDeadline>> {
    let span = t.span;
    let date = t.opt_str(ctx, "date");
    let rule = t.opt_str(ctx, "rule");
    let instant = t.opt_str(ctx, "instant");
    let within = t.opt_str(ctx, "within");
    let after = t.opt_str(ctx, "after");
    t.finish(ctx);
    let forms = usize::from(date.is_some())
        + usize::from(instant.is_some())
        + usize::from(within.is_some());
    if forms != 1 {
        ctx.report(
            span,
            "a deadline needs exactly one of `date`, `instant` or `within`",
            Some(
                "e.g. { date = \"2020-11-20\", rule = \"by\" } or { within = \"3 years\" }".into(),
            ),
        );
        return None;
    }
    let v = if let Some(d) = date {
        let d = parse_date(ctx, &d)?;
        let rule = match rule {
            None => {
                ctx.report(
                    span,
                    "a dated deadline needs a `rule`",
                    Some("`by` counts the named day as on time, `before` does not".into()),
                );
                return None;
            }
            Some(r) => match DeadlineRule::parse(&r.v) {
                Some(r) => r,
                None => {
                    ctx.report(
                        r.span,
                        format!("`{}` is not a known rule", r.v),
                        Some(suggest(&r.v, DeadlineRule::ALL.iter().copied())),
                    );
                    return None;
                }
            },
        };
        RawDeadline::Date(d.v, rule)
    } else if let Some(i) = instant {
        match i.v.parse::<DateTime>() {
            Ok(dt) => RawDeadline::Instant(dt),
            Err(_) => {
                ctx.report(
                    i.span,
                    format!("`{}` is not a local date and time", i.v),
                    Some("write \"YYYY-MM-DDTHH:MM\" in the agreement's time zone".into()),
                );
                return None;
            }
        }
    } else {
        let w = within?;
        let p = read_period(ctx, &w)?;
        match after {
            Some(a) => RawDeadline::After(a, p),
            None => RawDeadline::Within(p),
        }
    };
    Some(Sp { v, span })
}

fn read_quantity(ctx: &mut Ctx<'_>, mut t: Tbl<'_>) -> Option<Sp<Quantity>> {
    let span = t.span;
    let name = t.req_str(ctx, "name");
    let limit = read_word(ctx, &mut t, "limit", Limit::parse, Limit::ALL, true);
    let value = t.req_num(ctx, "value");
    let unit = t.req_str(ctx, "unit");
    t.finish(ctx);
    if let Some(v) = &value
        && (!v.v.is_finite() || v.v < 0.0)
    {
        ctx.report(
            v.span,
            "a quantity must be a finite number of zero or more",
            None,
        );
        return None;
    }
    Some(Sp {
        v: Quantity {
            name: name?.v,
            limit: limit?,
            value: value?.v,
            unit: unit?.v,
        },
        span,
    })
}

fn read_quantities(ctx: &mut Ctx<'_>, t: &mut Tbl<'_>) -> Vec<Sp<Quantity>> {
    let qs: Vec<Sp<Quantity>> = t
        .tables(ctx, "quantities", "quantity")
        .into_iter()
        .filter_map(|q| read_quantity(ctx, q))
        .collect();
    let mut seen = BTreeSet::new();
    for q in &qs {
        if !seen.insert(q.v.name.clone()) {
            ctx.report(
                q.span,
                format!("quantity `{}` is given twice", q.v.name),
                None,
            );
        }
    }
    qs
}

/// Reads an agreement file. Returns the draft even when it has problems, so that the
/// caller can go on to load the companion files and report their problems too.
pub fn read(file: &SourceFile) -> Draft {
    let mut ctx = Ctx::new(file);
    let mut draft = Draft {
        file: file.clone(),
        id: None,
        title: String::new(),
        time_zone: None,
        reporting_time_zone: None,
        matching: Matching::default(),
        companions: Companions {
            zones: None,
            places: None,
            statements: None,
            translations: Vec::new(),
        },
        actors: Vec::new(),
        documents: Vec::new(),
        provisions: Vec::new(),
        obligations: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
    };
    let Some(root) = ctx.parse(&file.text) else {
        draft.problems = ctx.problems;
        return draft;
    };
    let Some(mut t) = Tbl::from_value(&mut ctx, root, "the agreement file") else {
        draft.problems = ctx.problems;
        return draft;
    };
    match t.req_num(&mut ctx, "format") {
        Some(f) if f.v == 1.0 => {}
        Some(f) => ctx.report(
            f.span,
            format!("format {} is not supported", f.v),
            Some(format!("this build reads format {FORMAT_VERSION}")),
        ),
        None => {}
    }
    draft.id = read_id(&mut ctx, &mut t).map(|s| s.v);
    draft.title = t
        .req_str(&mut ctx, "title")
        .map(|s| s.v)
        .unwrap_or_default();
    draft.time_zone = t.req_str(&mut ctx, "time_zone");
    draft.reporting_time_zone = t.opt_str(&mut ctx, "reporting_time_zone");
    draft.companions = Companions {
        zones: t.opt_str(&mut ctx, "zones").map(|s| s.v),
        places: t.opt_str(&mut ctx, "places").map(|s| s.v),
        statements: t.opt_str(&mut ctx, "statements").map(|s| s.v),
        translations: Vec::new(),
    };
    // `translations = { ru = "i18n/ru.json", … }`: one file per language Truce speaks
    // (English is the agreement file itself).
    if let Some(mut tr) = t.sub(&mut ctx, "translations", "the translations table") {
        for lang in &crate::i18n::LANGUAGES[1..] {
            if let Some(f) = tr.opt_str(&mut ctx, lang) {
                draft
                    .companions
                    .translations
                    .push(((*lang).to_owned(), f.v));
            }
        }
        tr.finish(&mut ctx);
    }
    if let Some(m) = t.sub(&mut ctx, "matching", "the matching table") {
        read_matching(&mut ctx, m, &mut draft.matching);
    }

    draft.actors = t
        .tables(&mut ctx, "actors", "an actor")
        .into_iter()
        .filter_map(|x| read_actor(&mut ctx, x))
        .collect();
    // The built-in third parties the agreement does not define itself.
    let own: BTreeSet<String> = draft.actors.iter().map(|a| a.id.v.clone()).collect();
    draft.actors.extend(
        third_parties()
            .into_iter()
            .filter(|a| !own.contains(&a.id.v)),
    );

    draft.documents = t
        .tables(&mut ctx, "documents", "a document")
        .into_iter()
        .filter_map(|x| read_document(&mut ctx, x))
        .collect();

    draft.provisions = t
        .tables(&mut ctx, "provisions", "a provision")
        .into_iter()
        .filter_map(|x| read_provision(&mut ctx, x))
        .collect();

    draft.obligations = t
        .tables(&mut ctx, "obligations", "an obligation")
        .into_iter()
        .filter_map(|x| read_obligation(&mut ctx, x))
        .collect();

    draft.changes = t
        .tables(&mut ctx, "changes", "a change")
        .into_iter()
        .filter_map(|x| read_change(&mut ctx, x))
        .collect();
    t.finish(&mut ctx);
    draft.problems = ctx.problems;
    draft
}

/// The matching table: how far apart and how long apart two reports may be.
fn read_matching(ctx: &mut Ctx<'_>, mut m: Tbl<'_>, matching: &mut Matching) {
    if let Some(d) = m.opt_num(ctx, "distance_km") {
        if (0.1..=500.0).contains(&d.v) {
            matching.distance_m = d.v * 1000.0;
        } else {
            ctx.report(
                d.span,
                format!("distance_km {} is outside 0.1 to 500", d.v),
                None,
            );
        }
    }
    if let Some(h) = m.opt_num(ctx, "slack_hours") {
        if (0.0..=720.0).contains(&h.v) {
            #[allow(clippy::cast_possible_truncation)]
            let s = (h.v * 3600.0).round() as i64;
            matching.slack_s = s;
        } else {
            ctx.report(
                h.span,
                format!("slack_hours {} is outside 0 to 720", h.v),
                None,
            );
        }
    }
    m.finish(ctx);
}

/// An actor: id, name, roles, the actor it is part of, aliases.
/// The built-in register of third parties (`data/third-parties.toml`): states,
/// organisations and humanitarian bodies every agreement knows as actors, with no
/// obligations. An agreement's own actor of the same id replaces an entry.
const THIRD_PARTIES: &str = include_str!("../data/third-parties.toml");

fn third_parties() -> Vec<RawActor> {
    let file = SourceFile::new("third-parties.toml (built in)", THIRD_PARTIES);
    let mut ctx = Ctx::new(&file);
    let Some(root) = ctx.parse(THIRD_PARTIES) else {
        return Vec::new();
    };
    let Some(mut t) = Tbl::from_value(&mut ctx, root, "the register") else {
        return Vec::new();
    };
    let actors = t
        .tables(&mut ctx, "actors", "an actor")
        .into_iter()
        .filter_map(|x| read_actor(&mut ctx, x))
        .collect();
    t.finish(&mut ctx);
    debug_assert!(ctx.problems.is_empty(), "{:?}", ctx.problems);
    actors
}

/// The ids of the built-in register of third parties.
pub fn third_party_ids() -> Vec<String> {
    third_parties().into_iter().map(|a| a.id.v).collect()
}

fn read_actor(ctx: &mut Ctx<'_>, mut a: Tbl<'_>) -> Option<RawActor> {
    let id = read_id(ctx, &mut a);
    let name = a.req_str(ctx, "name");
    let mut roles = Vec::new();
    for r in a.str_list(ctx, "roles") {
        match Role::parse(&r.v) {
            Some(role) => roles.push(role),
            None => ctx.report(
                r.span,
                format!("`{}` is not a known role", r.v),
                Some(suggest(&r.v, Role::ALL.iter().copied())),
            ),
        }
    }
    if roles.is_empty() {
        ctx.report(
            a.span,
            "an actor needs at least one role",
            Some(format!("roles: {}", Role::ALL.join(", "))),
        );
    }
    let part_of = a.opt_str(ctx, "part_of");
    let aliases = a
        .str_list(ctx, "aliases")
        .into_iter()
        .map(|s| s.v)
        .collect();
    let note = a.opt_str(ctx, "note").map(|s| s.v);
    a.finish(ctx);
    if let (Some(id), Some(name)) = (id, name) {
        return Some(RawActor {
            id,
            name: name.v,
            roles,
            part_of,
            aliases,
            note,
        });
    }
    None
}

/// A document: kind, title, dates, sources, signatories, parties.
fn read_document(ctx: &mut Ctx<'_>, mut d: Tbl<'_>) -> Option<RawDocument> {
    let id = read_id(ctx, &mut d);
    let kind = read_word(
        ctx,
        &mut d,
        "kind",
        DocumentKind::parse,
        DocumentKind::ALL,
        true,
    );
    let title = d.req_str(ctx, "title").map(|s| s.v).unwrap_or_default();
    let signed = read_date(ctx, &mut d, "signed", true);
    let effective = d
        .opt_str(ctx, "effective")
        .and_then(|s| match s.v.parse::<DateTime>() {
            Ok(dt) => Some(Sp {
                v: dt,
                span: s.span,
            }),
            Err(_) => {
                ctx.report(
                    s.span,
                    format!("`{}` is not a local date and time", s.v),
                    Some("write \"YYYY-MM-DDTHH:MM\" in the agreement's time zone".into()),
                );
                None
            }
        });
    let sources = d
        .str_list(ctx, "sources")
        .into_iter()
        .map(|s| s.v)
        .collect();
    let mut signatories = Vec::new();
    for mut s in d.tables(ctx, "signatories", "a signatory") {
        let actor = s.req_str(ctx, "actor");
        let person = s.req_str(ctx, "person");
        let office = s.opt_str(ctx, "office").map(|s| s.v);
        s.finish(ctx);
        if let (Some(actor), Some(person)) = (actor, person) {
            signatories.push(RawSignatory {
                actor,
                person: person.v,
                office,
            });
        }
    }
    let parties = d.str_list(ctx, "parties");
    let authentic_language = d.opt_str(ctx, "authentic_language").map(|s| s.v);
    let completeness = d.opt_str(ctx, "completeness").map(|s| s.v);
    let note = d.opt_str(ctx, "note").map(|s| s.v);
    d.finish(ctx);
    if let Some(id) = id {
        return Some(RawDocument {
            id,
            kind,
            title,
            signed,
            effective,
            sources,
            signatories,
            parties,
            authentic_language,
            completeness,
            note,
        });
    }
    None
}

/// A provision of a document, with its text in each translation.
fn read_provision(ctx: &mut Ctx<'_>, mut p: Tbl<'_>) -> Option<RawProvision> {
    let id = read_id(ctx, &mut p);
    let document = p.req_str(ctx, "document");
    let number = p.req_str(ctx, "number");
    let completeness = p.opt_str(ctx, "completeness").map(|s| s.v);
    let mut texts = Vec::new();
    for mut x in p.tables(ctx, "texts", "a provision text") {
        let translation = x.req_str(ctx, "translation");
        let status = read_word(
            ctx,
            &mut x,
            "status",
            TextStatus::parse,
            TextStatus::ALL,
            true,
        );
        let source = x.req_str(ctx, "source");
        let text = x.req_str(ctx, "text");
        let note = x.opt_str(ctx, "note").map(|s| s.v);
        x.finish(ctx);
        if let (Some(translation), Some(status), Some(source), Some(text)) =
            (translation, status, source, text)
        {
            texts.push(ProvisionText {
                translation: translation.v,
                status,
                source: source.v,
                text: text.v,
                note,
            });
        }
    }
    p.finish(ctx);
    if let (Some(id), Some(document), Some(number)) = (id, document, number) {
        return Some(RawProvision {
            id,
            document,
            number: number.v,
            completeness,
            texts,
        });
    }
    None
}

/// An obligation: kind, obligors, zones, deadline, quantities, term rule.
fn read_obligation(ctx: &mut Ctx<'_>, mut o: Tbl<'_>) -> Option<RawObligation> {
    let id = read_id(ctx, &mut o);
    let provision = o.req_str(ctx, "provision");
    let kind = read_word(
        ctx,
        &mut o,
        "kind",
        ObligationKind::parse,
        ObligationKind::ALL,
        true,
    );
    let title = o.req_str(ctx, "title").map(|s| s.v).unwrap_or_default();
    let obligors = o.str_list(ctx, "obligors");
    let beneficiaries = o.str_list(ctx, "beneficiaries");
    let monitors = o.str_list(ctx, "monitors");
    let also_counts = o.str_list(ctx, "also_counts");
    let zones = o.str_list(ctx, "zones");
    let deadline = o
        .sub(ctx, "deadline", "a deadline")
        .and_then(|d| read_deadline(ctx, d));
    let quantities = read_quantities(ctx, &mut o);
    let term = o.sub(ctx, "term", "a term rule").map(|mut tr| {
        let span = tr.span;
        let starts = tr.req_str(ctx, "starts");
        let initial = tr
            .req_str(ctx, "initial")
            .and_then(|s| read_period(ctx, &s));
        let renewal = tr
            .opt_str(ctx, "renewal")
            .and_then(|s| read_period(ctx, &s));
        let notice = tr.req_str(ctx, "notice").and_then(|s| read_period(ctx, &s));
        let notice_by = tr.str_list(ctx, "notice_by");
        tr.finish(ctx);
        RawTerm {
            span,
            starts,
            initial,
            renewal,
            notice,
            notice_by,
        }
    });
    let note = o.opt_str(ctx, "note").map(|s| s.v);
    o.finish(ctx);
    if let (Some(id), Some(provision)) = (id, provision) {
        if obligors.is_empty() {
            ctx.report(
                id.span,
                format!("obligation `{}` has no obligors", id.v),
                Some("add obligors = [\"<actor id>\", ...]".into()),
            );
        }
        return Some(RawObligation {
            id,
            provision,
            kind,
            title,
            obligors,
            beneficiaries,
            monitors,
            also_counts,
            zones,
            deadline,
            quantities,
            term,
            note,
        });
    }
    None
}

/// A change an amending document makes to an obligation from a date.
fn read_change(ctx: &mut Ctx<'_>, mut c: Tbl<'_>) -> Option<RawChange> {
    let document = c.req_str(ctx, "document");
    let obligation = c.req_str(ctx, "obligation");
    let field = c.req_str(ctx, "field");
    let from = read_date(ctx, &mut c, "from", true);
    let value = match (field.as_ref().map(|f| f.v.as_str()), c.has("value")) {
        (_, false) => {
            ctx.report(c.span, "a change is missing `value`", None);
            RawChangeValue::Invalid
        }
        (Some("deadline"), true) => c
            .sub(ctx, "value", "a deadline")
            .and_then(|d| read_deadline(ctx, d))
            .map_or(RawChangeValue::Invalid, RawChangeValue::Deadline),
        (Some(f), true) if f.starts_with("quantities.") => c
            .sub(ctx, "value", "a quantity")
            .and_then(|q| read_quantity(ctx, q))
            .map_or(RawChangeValue::Invalid, RawChangeValue::Quantity),
        (Some("zones" | "obligors"), true) => RawChangeValue::Ids(c.str_list(ctx, "value")),
        (Some("title"), true) => c
            .opt_str(ctx, "value")
            .map_or(RawChangeValue::Invalid, |s| RawChangeValue::Title(s.v)),
        _ => {
            let _ = c.raw("value");
            RawChangeValue::Invalid
        }
    };
    c.finish(ctx);
    if let (Some(document), Some(obligation), Some(field)) = (document, obligation, field) {
        return Some(RawChange {
            document,
            obligation,
            field,
            from,
            value,
        });
    }
    None
}

/// Reports every id seen twice, pointing at the first definition.
fn check_unique<'a>(ctx: &mut Ctx<'_>, what: &str, ids: impl Iterator<Item = &'a Sp<String>>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for id in ids {
        if let Some(first) = seen.get(id.v.as_str()) {
            let at = ctx.problem(*first, "").location();
            ctx.report(
                id.span,
                format!("duplicate {what} id `{}`", id.v),
                Some(format!("first defined at {at}")),
            );
        } else {
            seen.insert(&id.v, id.span);
        }
    }
}

fn check_refs(ctx: &mut Ctx<'_>, what: &str, refs: &[Sp<String>], known: &BTreeSet<&str>) {
    for r in refs {
        if !known.contains(r.v.as_str()) {
            ctx.report(
                r.span,
                format!("unknown {what} `{}`", r.v),
                Some(suggest(&r.v, known.iter().copied())),
            );
        }
    }
}

/// What validation has learnt so far: the problems, the time zone, the ids of each
/// kind, and each document's kind, signing day and effective instant.
struct Check<'d> {
    ctx: Ctx<'d>,
    /// The zone the file's times are stated in.
    tz: Option<TimeZone>,
    /// The zone of the reporting day (the stated zone when the file names none).
    day_tz: Option<TimeZone>,
    zone_ids: Option<&'d BTreeSet<&'d str>>,
    actor_ids: BTreeSet<&'d str>,
    /// Each actor's roles and the actor it is part of, to check who can be bound.
    actors: BTreeMap<&'d str, &'d RawActor>,
    /// Each document's parties, where it names them.
    doc_parties: BTreeMap<&'d str, &'d [Sp<String>]>,
    doc_ids: BTreeSet<&'d str>,
    prov_ids: BTreeSet<&'d str>,
    ob_ids: BTreeSet<&'d str>,
    doc_effective: BTreeMap<String, Timestamp>,
    doc_kind: BTreeMap<&'d str, (DocumentKind, Option<Date>)>,
    prov_doc: BTreeMap<String, String>,
}

impl<'d> Check<'d> {
    fn new(
        draft: &'d Draft,
        zone_ids: Option<&'d BTreeSet<&'d str>>,
        earlier: Vec<Problem>,
    ) -> Self {
        let mut ctx = Ctx::new(&draft.file);
        ctx.problems = earlier;
        Self {
            ctx,
            tz: None,
            day_tz: None,
            zone_ids,
            actor_ids: draft.actors.iter().map(|a| a.id.v.as_str()).collect(),
            actors: draft.actors.iter().map(|a| (a.id.v.as_str(), a)).collect(),
            doc_parties: draft
                .documents
                .iter()
                .filter(|d| !d.parties.is_empty())
                .map(|d| (d.id.v.as_str(), d.parties.as_slice()))
                .collect(),
            doc_ids: draft.documents.iter().map(|d| d.id.v.as_str()).collect(),
            prov_ids: draft.provisions.iter().map(|p| p.id.v.as_str()).collect(),
            ob_ids: draft.obligations.iter().map(|o| o.id.v.as_str()).collect(),
            doc_effective: BTreeMap::new(),
            doc_kind: BTreeMap::new(),
            prov_doc: BTreeMap::new(),
        }
    }

    /// The agreement's time zones, by their IANA names: the stated one and the reporting
    /// day's.
    fn time_zones(&mut self, stated: Option<&Sp<String>>, reporting: Option<&Sp<String>>) {
        self.tz = self.time_zone(stated);
        self.day_tz = match reporting {
            Some(_) => self.time_zone(reporting),
            None => self.tz.clone(),
        };
    }

    /// A time zone by its IANA name.
    fn time_zone(&mut self, name: Option<&Sp<String>>) -> Option<TimeZone> {
        match name {
            Some(name) => match TimeZone::get(&name.v) {
                Ok(tz) => Some(tz),
                Err(_) => {
                    self.ctx.report(
                        name.span,
                        format!("unknown time zone `{}`", name.v),
                        Some("use an IANA name such as \"Europe/Moscow\" or \"Asia/Baku\"".into()),
                    );
                    None
                }
            },
            None => None,
        }
    }

    /// Every id defined once per kind.
    fn unique_ids(&mut self, draft: &Draft) {
        check_unique(&mut self.ctx, "actor", draft.actors.iter().map(|a| &a.id));
        check_unique(
            &mut self.ctx,
            "document",
            draft.documents.iter().map(|d| &d.id),
        );
        check_unique(
            &mut self.ctx,
            "provision",
            draft.provisions.iter().map(|p| &p.id),
        );
        check_unique(
            &mut self.ctx,
            "obligation",
            draft.obligations.iter().map(|o| &o.id),
        );
    }

    /// A document's signatories and parties, and its effective instant (its `effective`
    /// local time, or the start of its signing day, in the agreement's time zone).
    fn document(&mut self, d: &'d RawDocument) {
        for s in &d.signatories {
            check_refs(
                &mut self.ctx,
                "actor",
                std::slice::from_ref(&s.actor),
                &self.actor_ids,
            );
        }
        check_refs(&mut self.ctx, "actor", &d.parties, &self.actor_ids);
        if let Some(k) = d.kind {
            self.doc_kind
                .insert(&d.id.v, (k, d.signed.as_ref().map(|s| s.v)));
        }
        let (Some(tz), Some(signed)) = (&self.tz, &d.signed) else {
            return;
        };
        let local = d.effective.as_ref().map_or_else(
            || signed.v.to_datetime(jiff::civil::Time::midnight()),
            |e| e.v,
        );
        if let Some(e) = &d.effective
            && e.v.date() < signed.v
        {
            self.ctx.report(
                e.span,
                format!(
                    "document takes effect on {} before it was signed on {}",
                    e.v.date(),
                    signed.v
                ),
                None,
            );
        }
        match local.to_zoned_datetime(tz.clone()) {
            Ok(z) => {
                self.doc_effective.insert(d.id.v.clone(), z.timestamp());
            }
            Err(_) => self.ctx.report(
                signed.span,
                "this local time does not exist in the agreement's time zone",
                None,
            ),
        }
    }

    /// The instant the agreement took effect: its first statement's.
    fn agreement_effective(&mut self, documents: &[RawDocument]) -> Option<Timestamp> {
        let effective = documents
            .iter()
            .find(|d| d.kind == Some(DocumentKind::Statement))
            .and_then(|d| self.doc_effective.get(d.id.v.as_str()).copied());
        if documents
            .iter()
            .all(|d| d.kind != Some(DocumentKind::Statement))
            && !documents.is_empty()
        {
            let first = &documents[0].id;
            self.ctx.report(
                first.span,
                "the agreement has no document of kind `statement`",
                Some("the first statement sets the agreement's effective instant".into()),
            );
        }
        effective
    }

    /// A deadline in instants: a date's start in the agreement's time zone, a period
    /// after the document took effect, or a period after another obligation.
    fn deadline(&mut self, d: &Sp<RawDeadline>, effective: Option<Timestamp>) -> Option<Deadline> {
        let (stated, tz) = (self.tz.as_ref()?, self.day_tz.as_ref()?);
        let deadline = match &d.v {
            RawDeadline::Date(date, rule) => {
                let day = match rule {
                    DeadlineRule::By => date.checked_add(1.day()).ok()?,
                    DeadlineRule::Before => *date,
                };
                Deadline::Date {
                    date: *date,
                    rule: *rule,
                    due: start_of_day(day, tz)?,
                }
            }
            RawDeadline::Instant(dt) => Deadline::Instant {
                due: dt.to_zoned_datetime(stated.clone()).ok()?.timestamp(),
            },
            RawDeadline::Within(p) => {
                let from = local_date(effective?, tz);
                Deadline::Within {
                    period: *p,
                    due: start_of_day(p.after(from)?, tz)?,
                }
            }
            RawDeadline::After(o, p) => {
                check_refs(
                    &mut self.ctx,
                    "obligation",
                    std::slice::from_ref(o),
                    &self.ob_ids,
                );
                Deadline::After {
                    obligation: o.v.clone(),
                    period: *p,
                }
            }
        };
        if let (Some(due), Some(eff)) = (deadline.due(), effective)
            && due <= eff
        {
            self.ctx.report(
                d.span,
                format!(
                    "deadline {} falls before the document takes effect ({})",
                    deadline.describe(tz),
                    eff.to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d %H:%M %Z")
                ),
                Some(
                    "check the year and month; an obligation cannot be due before it binds".into(),
                ),
            );
        }
        Some(deadline)
    }

    /// Obligors an obligation can bind: a side to its document where the document names
    /// its sides (or a part of one, such as a side's force), and otherwise an actor whose
    /// role lets it undertake something (a party, a de facto authority, a mediator or
    /// guarantor that signed, a peacekeeping force). A state or body the terms only name
    /// (a third state, an organisation, a humanitarian or non-governmental body) is
    /// refused, as an obligation on it would be read as its failure.
    fn bindable(&mut self, obligors: &[Sp<String>], document: Option<&str>) {
        const BINDING: [Role; 5] = [
            Role::Party,
            Role::DeFactoAuthority,
            Role::Mediator,
            Role::Guarantor,
            Role::PeacekeepingForce,
        ];
        let sides = document.and_then(|d| self.doc_parties.get(d).copied());
        for id in obligors {
            let Some(actor) = self.actors.get(id.v.as_str()).copied() else {
                continue; // reported as unknown already
            };
            let part_of = actor.part_of.as_ref().map(|p| p.v.as_str());
            let problem = match sides {
                Some(sides) => {
                    let is_side = |a: &str| sides.iter().any(|s| s.v == a);
                    (!is_side(&id.v) && !part_of.is_some_and(is_side)).then(|| {
                        let names: Vec<&str> = sides.iter().map(|s| s.v.as_str()).collect();
                        (
                            format!(
                                "obligor `{}` is no side to document `{}` (its parties: {})",
                                id.v,
                                document.unwrap_or_default(),
                                names.join(", ")
                            ),
                            "an obligation binds only the sides that undertook it: name the side that undertook it, and say in `note` whom the terms name",
                        )
                    })
                }
                None => (!actor.roles.iter().any(|r| BINDING.contains(r))).then(|| {
                    let roles: Vec<&str> = actor.roles.iter().map(|r| r.as_str()).collect();
                    (
                        format!(
                            "obligor `{}` cannot be bound: its roles ({}) make it no side to the agreement",
                            id.v,
                            roles.join(", ")
                        ),
                        "name a party, de facto authority, signing mediator or guarantor, or peacekeeping force; a third party can be a mediator of records, not an obligor",
                    )
                }),
            };
            if let Some((message, help)) = problem {
                self.ctx.report(id.span, message, Some(help.into()));
            }
        }
    }

    /// An obligation: its references, deadline and term rule, in force from its
    /// document's effective instant.
    fn obligation(&mut self, o: &RawObligation) -> Option<Obligation> {
        check_refs(
            &mut self.ctx,
            "provision",
            std::slice::from_ref(&o.provision),
            &self.prov_ids,
        );
        check_refs(&mut self.ctx, "actor", &o.obligors, &self.actor_ids);
        let document = self.prov_doc.get(o.provision.v.as_str()).cloned();
        self.bindable(&o.obligors, document.as_deref());
        check_refs(&mut self.ctx, "actor", &o.beneficiaries, &self.actor_ids);
        check_refs(&mut self.ctx, "actor", &o.monitors, &self.actor_ids);
        check_refs(&mut self.ctx, "actor", &o.also_counts, &self.actor_ids);
        if let Some(zone_ids) = self.zone_ids {
            check_refs(&mut self.ctx, "zone", &o.zones, zone_ids);
        }
        let effective = document
            .as_deref()
            .and_then(|d| self.doc_effective.get(d).copied());
        let deadline = o
            .deadline
            .as_ref()
            .and_then(|d| self.deadline(d, effective));
        if let Some(RawDeadline::After(a, _)) = o.deadline.as_ref().map(|d| &d.v)
            && a.v == o.id.v
        {
            self.ctx.report(
                a.span,
                "a deadline cannot count from its own obligation",
                None,
            );
        }
        let term = o.term.as_ref().and_then(|t| {
            check_refs(&mut self.ctx, "actor", &t.notice_by, &self.actor_ids);
            let starts = match t.starts.as_ref() {
                Some(s) if s.v == "effective" => {
                    effective.and_then(|e| self.day_tz.as_ref().map(|tz| local_date(e, tz)))
                }
                Some(s) => parse_date(&mut self.ctx, s).map(|d| d.v),
                None => None,
            }?;
            let (initial, notice) = (t.initial?, t.notice?);
            if let (Some(exp), Some(n)) = (initial.after(starts), notice.after(starts))
                && n >= exp
            {
                self.ctx.report(
                    t.span,
                    format!("notice period {notice} is not shorter than the term {initial}"),
                    None,
                );
            }
            Some(TermRule {
                starts,
                initial,
                renewal: t.renewal,
                notice,
                notice_by: t.notice_by.iter().map(|s| s.v.clone()).collect(),
            })
        });
        if o.kind == Some(ObligationKind::Term) && o.term.is_none() {
            self.ctx.report(o.id.span, format!("obligation `{}` is of kind `term` but has no `term` rule", o.id.v), Some("add term = { starts = \"effective\", initial = \"5 years\", renewal = \"5 years\", notice = \"6 months\" }".into()));
        }
        let (Some(kind), Some(document), Some(binding_from)) = (o.kind, document, effective) else {
            return None;
        };
        Some(Obligation {
            id: o.id.v.clone(),
            provision: o.provision.v.clone(),
            document,
            kind,
            title: o.title.clone(),
            obligors: o.obligors.iter().map(|s| s.v.clone()).collect(),
            beneficiaries: o.beneficiaries.iter().map(|s| s.v.clone()).collect(),
            monitors: o.monitors.iter().map(|s| s.v.clone()).collect(),
            also_counts: o.also_counts.iter().map(|s| s.v.clone()).collect(),
            zones: o.zones.iter().map(|s| s.v.clone()).collect(),
            deadline,
            quantities: o.quantities.iter().map(|q| q.v.clone()).collect(),
            term,
            binding_from,
            note: o.note.clone(),
        })
    }

    /// An amendment's change: from an amendment, to a known obligation and one of its
    /// fields, not before the amendment was agreed, with a value of the field's kind.
    fn change(&mut self, c: &RawChange, obligations: &[RawObligation]) -> Option<Change> {
        match self.doc_kind.get(c.document.v.as_str()) {
            None => check_refs(
                &mut self.ctx,
                "document",
                std::slice::from_ref(&c.document),
                &self.doc_ids,
            ),
            Some((k, _)) if *k != DocumentKind::Amendment => self.ctx.report(
                c.document.span,
                format!("document `{}` is a {k}, not an amendment", c.document.v),
                Some("changes come from documents of kind `amendment`".into()),
            ),
            Some(_) => {}
        }
        let Some(target) = obligations.iter().find(|o| o.id.v == c.obligation.v) else {
            self.ctx.report(
                c.obligation.span,
                format!("amendment targets unknown obligation `{}`", c.obligation.v),
                Some(suggest(&c.obligation.v, self.ob_ids.iter().copied())),
            );
            return None;
        };
        let field = c.field.v.as_str();
        let known_field = matches!(field, "deadline" | "zones" | "obligors" | "title")
            || field.starts_with("quantities.");
        if !known_field {
            self.ctx.report(
                c.field.span,
                format!("`{field}` is not a field an amendment can change"),
                Some(suggest(field, AMENDABLE_FIELDS.iter().copied())),
            );
            return None;
        }
        if let Some(q) = field.strip_prefix("quantities.")
            && !target.quantities.iter().any(|x| x.v.name == q)
        {
            let names: Vec<&str> = target
                .quantities
                .iter()
                .map(|x| x.v.name.as_str())
                .collect();
            self.ctx.report(
                c.field.span,
                format!("obligation `{}` has no quantity `{q}`", target.id.v),
                Some(suggest(q, names.iter().copied())),
            );
            return None;
        }
        if let (Some(from), Some((_, Some(signed)))) =
            (&c.from, self.doc_kind.get(c.document.v.as_str()))
            && from.v < *signed
        {
            self.ctx.report(
                from.span,
                format!(
                    "change applies from {} but its amendment was agreed on {signed}",
                    from.v
                ),
                Some("an amendment cannot act before it exists".into()),
            );
        }
        let effective = self
            .prov_doc
            .get(target.provision.v.as_str())
            .and_then(|d| self.doc_effective.get(d.as_str()).copied());
        let value = match &c.value {
            RawChangeValue::Deadline(d) => self.deadline(d, effective).map(ChangeValue::Deadline),
            RawChangeValue::Quantity(q) => {
                let wanted = field.trim_start_matches("quantities.");
                if q.v.name != wanted {
                    self.ctx.report(
                        q.span,
                        format!(
                            "the value names quantity `{}` but the field is `{field}`",
                            q.v.name
                        ),
                        None,
                    );
                }
                Some(ChangeValue::Quantity(q.v.clone()))
            }
            RawChangeValue::Ids(ids) if field == "zones" => {
                if let Some(zone_ids) = self.zone_ids {
                    check_refs(&mut self.ctx, "zone", ids, zone_ids);
                }
                Some(ChangeValue::Zones(
                    ids.iter().map(|s| s.v.clone()).collect(),
                ))
            }
            RawChangeValue::Ids(ids) => {
                check_refs(&mut self.ctx, "actor", ids, &self.actor_ids);
                self.bindable(ids, Some(c.document.v.as_str()));
                Some(ChangeValue::Obligors(
                    ids.iter().map(|s| s.v.clone()).collect(),
                ))
            }
            RawChangeValue::Title(t) => Some(ChangeValue::Title(t.clone())),
            RawChangeValue::Invalid => None,
        };
        if let (Some(value), Some(from)) = (value, &c.from) {
            return Some(Change {
                document: c.document.v.clone(),
                obligation: c.obligation.v.clone(),
                from: from.v,
                value,
            });
        }
        None
    }
}

impl Draft {
    /// Checks every reference (actors, documents, provisions, zones, obligations) and
    /// every date, and returns the agreement, or every problem found.
    ///
    /// `zone_ids` is `None` when the zones file could not be read; zone references are then
    /// left unchecked rather than all reported as unknown.
    pub fn validate(
        mut self,
        zone_ids: Option<&BTreeSet<&str>>,
    ) -> Result<Agreement, Vec<Problem>> {
        let earlier = std::mem::take(&mut self.problems);
        let mut check = Check::new(&self, zone_ids, earlier);
        check.time_zones(self.time_zone.as_ref(), self.reporting_time_zone.as_ref());
        check.unique_ids(&self);
        for a in &self.actors {
            if let Some(p) = &a.part_of {
                check_refs(
                    &mut check.ctx,
                    "actor",
                    std::slice::from_ref(p),
                    &check.actor_ids,
                );
            }
        }
        for d in &self.documents {
            check.document(d);
        }
        let agreement_effective = check.agreement_effective(&self.documents);
        for p in &self.provisions {
            check_refs(
                &mut check.ctx,
                "document",
                std::slice::from_ref(&p.document),
                &check.doc_ids,
            );
            check.prov_doc.insert(p.id.v.clone(), p.document.v.clone());
        }
        let obligations: Vec<Obligation> = self
            .obligations
            .iter()
            .filter_map(|o| check.obligation(o))
            .collect();
        let mut changes: Vec<Change> = self
            .changes
            .iter()
            .filter_map(|c| check.change(c, &self.obligations))
            .collect();
        changes.sort_by_key(|c| c.from);
        let Check {
            ctx,
            tz: stated_tz,
            day_tz,
            doc_effective,
            ..
        } = check;
        let problems = ctx.problems;
        let (Some(tz), Some(stated_tz), Some(effective), Some(id), Some(time_zone)) = (
            day_tz,
            stated_tz,
            agreement_effective,
            self.id,
            self.time_zone,
        ) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Agreement {
            id,
            title: self.title,
            reporting_time_zone: self
                .reporting_time_zone
                .map_or_else(|| time_zone.v.clone(), |r| r.v),
            time_zone: time_zone.v,
            tz,
            stated_tz,
            effective,
            actors: self
                .actors
                .into_iter()
                .map(|a| Actor {
                    id: a.id.v,
                    name: a.name,
                    roles: a.roles,
                    part_of: a.part_of.map(|p| p.v),
                    aliases: a.aliases,
                    note: a.note,
                })
                .collect(),
            documents: self
                .documents
                .into_iter()
                .filter_map(|d| {
                    let effective = *doc_effective.get(d.id.v.as_str())?;
                    Some(Document {
                        effective,
                        kind: d.kind?,
                        signed: d.signed?.v,
                        id: d.id.v,
                        title: d.title,
                        sources: d.sources,
                        signatories: d
                            .signatories
                            .into_iter()
                            .map(|s| Signatory {
                                actor: s.actor.v,
                                person: s.person,
                                office: s.office,
                            })
                            .collect(),
                        parties: d.parties.into_iter().map(|p| p.v).collect(),
                        authentic_language: d.authentic_language,
                        completeness: d.completeness,
                        note: d.note,
                    })
                })
                .collect(),
            provisions: self
                .provisions
                .into_iter()
                .map(|p| Provision {
                    id: p.id.v,
                    document: p.document.v,
                    number: p.number,
                    completeness: p.completeness,
                    texts: p.texts,
                })
                .collect(),
            obligations,
            changes,
            statements: Vec::new(),
            matching: self.matching,
        })
    }
}

/// Reads the register of statements, checking actors and documents against `agreement`.
pub fn read_statements(
    file: &SourceFile,
    agreement: &Agreement,
) -> Result<Vec<Statement>, Vec<Problem>> {
    let mut ctx = Ctx::new(file);
    let Some(root) = ctx.parse(&file.text) else {
        return Err(ctx.problems);
    };
    let Some(mut t) = Tbl::from_value(&mut ctx, root, "the statements file") else {
        return Err(ctx.problems);
    };
    let actor_ids: BTreeSet<&str> = agreement.actors.iter().map(|a| a.id.as_str()).collect();
    let doc_ids: BTreeSet<&str> = agreement.documents.iter().map(|d| d.id.as_str()).collect();
    let mut ids = Vec::new();
    let mut out = Vec::new();
    for mut s in t.tables(&mut ctx, "statements", "a statement") {
        let id = read_id(&mut ctx, &mut s);
        let actor = s.req_str(&mut ctx, "actor");
        let about = s.opt_str(&mut ctx, "about");
        let date = read_date(&mut ctx, &mut s, "date", true);
        let precision = read_word(
            &mut ctx,
            &mut s,
            "date_precision",
            DatePrecision::parse,
            DatePrecision::ALL,
            false,
        )
        .unwrap_or(DatePrecision::Day);
        let stance = read_word(&mut ctx, &mut s, "stance", Stance::parse, Stance::ALL, true);
        let summary = s.req_str(&mut ctx, "summary");
        let quote = s.opt_str(&mut ctx, "quote").map(|q| q.v);
        let source = s.req_str(&mut ctx, "source");
        s.finish(&mut ctx);
        if let Some(a) = &actor {
            check_refs(&mut ctx, "actor", std::slice::from_ref(a), &actor_ids);
        }
        if let Some(a) = &about {
            check_refs(&mut ctx, "document", std::slice::from_ref(a), &doc_ids);
        }
        if let Some(id) = &id {
            ids.push(id.clone());
        }
        if let (Some(id), Some(actor), Some(date), Some(stance), Some(summary), Some(source)) =
            (id, actor, date, stance, summary, source)
        {
            out.push(Statement {
                id: id.v,
                actor: actor.v,
                about: about.map(|a| a.v),
                date: date.v,
                date_precision: precision,
                stance,
                summary: summary.v,
                quote,
                source: source.v,
            });
        }
    }
    t.finish(&mut ctx);
    check_unique(&mut ctx, "statement", ids.iter());
    if ctx.problems.is_empty() {
        Ok(out)
    } else {
        Err(ctx.problems)
    }
}

impl Agreement {
    /// Whether `key` names one of the agreement's own words a translation may give:
    /// `title`, `actor.ID`, `document.ID` or `obligation.ID` of an id it has.
    pub fn has_word(&self, key: &str) -> bool {
        match key.split_once('.') {
            None => key == "title",
            Some(("actor", id)) => self.actors.iter().any(|a| a.id == id),
            Some(("document", id)) => self.documents.iter().any(|d| d.id == id),
            Some(("obligation", id)) => self.obligations.iter().any(|o| o.id == id),
            Some(("statement", id)) => self.statements.iter().any(|s| s.id == id),
            // A quantity's name and unit: `quantity.OBLIGATION.NAME`, `unit.OBLIGATION.NAME`.
            Some(("quantity" | "unit", rest)) => rest.split_once('.').is_some_and(|(ob, name)| {
                self.obligations
                    .iter()
                    .any(|o| o.id == ob && o.quantities.iter().any(|q| q.name == name))
            }),
            _ => false,
        }
    }

    pub(crate) fn set_statements(&mut self, statements: Vec<Statement>) {
        self.statements = statements;
    }
}
