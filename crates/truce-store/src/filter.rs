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
    /// Only this status.
    pub status: Option<String>,
    /// Only incidents attributed to, or claimed against, this actor.
    pub party: Option<String>,
    /// Only incidents inside `[min lon, min lat, max lon, max lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Start after this incident number (cursor).
    pub after: Option<i64>,
    /// At most this many.
    pub limit: i64,
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
    /// Status word.
    pub status: Option<String>,
    /// Actor id.
    pub party: Option<String>,
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
        after: Option<i64>,
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
        if let Some(st) = &self.status
            && IncidentStatus::parse(st).is_none()
        {
            return Err(bad(
                "status",
                format!(
                    "unknown status `{st}`; one of {}",
                    IncidentStatus::ALL.join(", ")
                ),
            ));
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
        Ok(IncidentFilter {
            from_s: self.from.map(|d| day("from", d, 0)).transpose()?,
            to_s: self.to.map(|d| day("to", d, 1)).transpose()?,
            zone,
            event_type: self.event_type,
            status: self.status,
            party: self.party,
            bbox: self.bbox,
            after,
            limit,
        })
    }
}
