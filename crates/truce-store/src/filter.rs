//! Which incidents a list, map, count or export asks for: the values a user typed,
//! checked once (dates, zone, type, status, party, box) into an [`IncidentFilter`] that
//! every query and the in-memory pages read.

use truce_engine::incidents::IncidentStatus;

/// Which incidents to list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only incidents whose window ends after this instant (Unix seconds).
    pub from_s: Option<i64>,
    /// Only incidents whose window starts before this instant (Unix seconds).
    pub to_s: Option<i64>,
    /// Only incidents in this zone.
    pub zone: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only these statuses (any when empty).
    pub status: Vec<String>,
    /// Only incidents attributed to, or claimed against, this actor.
    pub party: Option<String>,
    /// Only incidents with a current report from this source.
    pub source: Option<String>,
    /// Only incidents inside `[min lon, min lat, max lon, max lat]`.
    pub bbox: Option<[f64; 4]>,
    /// The order of the list.
    pub order: IncidentOrder,
    /// Start after this place in the order (the last row of the previous page).
    pub after: Option<Cursor>,
    /// At most this many.
    pub limit: i64,
}

/// The order a list of incidents comes in. Every order is total (ties broken by the
/// incident number), so a cursor names one place in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IncidentOrder {
    /// By incident number: the order they were first reported in.
    #[default]
    Number,
    /// Oldest first, by the start of the incident's window.
    Oldest,
    /// Newest first, by the start of the incident's window.
    Newest,
}

impl IncidentOrder {
    /// The words an order is asked for by (`sort=`), with their meaning.
    pub const WORDS: [(&'static str, IncidentOrder); 3] = [
        ("number", IncidentOrder::Number),
        ("start", IncidentOrder::Oldest),
        ("-start", IncidentOrder::Newest),
    ];

    /// The order named by one of [`IncidentOrder::WORDS`].
    pub fn parse(word: &str) -> Option<Self> {
        Self::WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, o)| *o)
    }
}

/// A place in a list of incidents: after the incident with this number, which starts at
/// `start_s` (read only when the list is in start order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The incident number.
    pub number: i64,
    /// Its window's start, Unix seconds.
    pub start_s: i64,
}

impl Cursor {
    /// The cursor after an incident, as text for a `next_cursor`: the number alone in
    /// number order, `start_number` otherwise.
    pub fn text(order: IncidentOrder, number: i64, start_s: i64) -> String {
        match order {
            IncidentOrder::Number => number.to_string(),
            IncidentOrder::Oldest | IncidentOrder::Newest => format!("{start_s}_{number}"),
        }
    }

    /// Reads a cursor given by [`Cursor::text`] for the same order.
    pub fn parse(order: IncidentOrder, text: &str) -> Option<Self> {
        let number = |t: &str| t.parse::<i64>().ok().filter(|n| *n >= 0);
        match order {
            IncidentOrder::Number => Some(Cursor {
                number: number(text)?,
                start_s: 0,
            }),
            IncidentOrder::Oldest | IncidentOrder::Newest => {
                let (start, n) = text.rsplit_once('_')?;
                Some(Cursor {
                    number: number(n)?,
                    start_s: start.parse().ok()?,
                })
            }
        }
    }

    /// Whether an incident comes after this place in the order.
    pub fn comes_after(&self, order: IncidentOrder, number: i64, start_s: i64) -> bool {
        match order {
            IncidentOrder::Number => number > self.number,
            IncidentOrder::Oldest => (start_s, number) > (self.start_s, self.number),
            IncidentOrder::Newest => (start_s, number) < (self.start_s, self.number),
        }
    }
}

/// Incident filters as a person gives them (command line, query string), before they
/// are checked against the agreement.
#[derive(Debug, Clone, Default)]
pub struct FilterValues {
    /// First local day.
    pub from: Option<jiff::civil::Date>,
    /// Last local day (inclusive).
    pub to: Option<jiff::civil::Date>,
    /// Zone id.
    pub zone: Option<String>,
    /// Event type word.
    pub event_type: Option<String>,
    /// Status words, comma-separated (`unverified,disputed`).
    pub status: Option<String>,
    /// Actor id.
    pub party: Option<String>,
    /// Source id (checked by the caller, who knows the registered sources).
    pub source: Option<String>,
    /// `[min lon, min lat, max lon, max lat]`, degrees.
    pub bbox: Option<[f64; 4]>,
}

/// A filter value that names nothing known: the parameter (`zone`, `type`, …) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    /// The parameter at fault.
    pub param: &'static str,
    /// Why, with a suggestion where one helps.
    pub reason: String,
}

/// Checks a `[min lon, min lat, max lon, max lat]` box: degrees in range, minimum not
/// above maximum.
pub fn check_bbox(b: [f64; 4]) -> Result<[f64; 4], FilterProblem> {
    let [w, s, e, n] = b;
    let bad = |reason: &str| FilterProblem {
        param: "bbox",
        reason: reason.into(),
    };
    let inside = (-180.0..=180.0).contains(&w)
        && (-180.0..=180.0).contains(&e)
        && (-90.0..=90.0).contains(&s)
        && (-90.0..=90.0).contains(&n);
    if !inside {
        return Err(bad(
            "is outside -180..180 (longitude) or -90..90 (latitude)",
        ));
    }
    if w > e || s > n {
        return Err(bad("has a minimum above its maximum"));
    }
    Ok(b)
}

impl FilterValues {
    /// Checks every value against the agreement and turns local days into instants:
    /// one set of rules for the command line and the API.
    pub fn check(
        self,
        bundle: &truce_model::AgreementBundle,
        order: IncidentOrder,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<IncidentFilter, FilterProblem> {
        use truce_model::diag::suggest;
        let bad = |param: &'static str, reason: String| FilterProblem { param, reason };
        let tz = bundle.agreement.tz();
        let day = |param: &'static str, d: jiff::civil::Date, plus: i64| {
            d.checked_add(jiff::Span::new().days(plus))
                .ok()
                .and_then(|d| truce_model::period::start_of_day(d, tz))
                .map(|t| t.as_second())
                .ok_or_else(|| bad(param, format!("`{d}` is out of range")))
        };
        // A zone may be named by any of its names ("stepanakert" is khankendi).
        let zone = match &self.zone {
            Some(z) => Some(
                bundle
                    .zones
                    .resolve(z)
                    .map_err(|reason| bad("zone", reason))?
                    .to_owned(),
            ),
            None => None,
        };
        if let Some(t) = &self.event_type
            && truce_model::report::EventType::parse(t).is_none()
        {
            let hint = suggest(t, truce_model::report::EventType::ALL.iter().copied());
            return Err(bad("type", format!("unknown event type `{t}`; {hint}")));
        }
        let mut status: Vec<String> = Vec::new();
        for st in self.status.iter().flat_map(|s| s.split(',')).map(str::trim) {
            if IncidentStatus::parse(st).is_none() {
                return Err(bad(
                    "status",
                    format!(
                        "unknown status `{st}`; one of {}, or several separated by commas",
                        IncidentStatus::ALL.join(", ")
                    ),
                ));
            }
            if !status.iter().any(|s| s == st) {
                status.push(st.to_owned());
            }
        }
        if let Some(p) = &self.party
            && bundle.agreement.actor(p).is_none()
        {
            let hint = suggest(p, bundle.agreement.actors.iter().map(|a| a.id.as_str()));
            return Err(bad("party", format!("unknown actor `{p}`; {hint}")));
        }
        if let Some(b) = self.bbox {
            check_bbox(b)?;
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            // As a reversed box is: nothing can match, and the dates were likely swapped.
            return Err(bad(
                "to",
                format!("`{to}` is before `from` ({from}); give the first day as `from`"),
            ));
        }
        Ok(IncidentFilter {
            from_s: self.from.map(|d| day("from", d, 0)).transpose()?,
            to_s: self.to.map(|d| day("to", d, 1)).transpose()?,
            zone,
            event_type: self.event_type,
            status,
            party: self.party,
            source: self.source,
            bbox: self.bbox,
            order,
            after,
            limit,
        })
    }
}
