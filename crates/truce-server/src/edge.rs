//! Types at the edge: a route's query parameters are one struct deriving both `serde`'s
//! `Deserialize` and `utoipa`'s `IntoParams`, read by [`Query`]. The names a route
//! accepts, the bounds of its numbers and the values of its words are those its OpenAPI
//! document states, because [`Query`] reads them from the same derive: a parameter the
//! document does not name is refused (with the nearest name it does), a number outside
//! the stated range is refused naming the range. Every refusal is RFC 9457 problem
//! details naming the parameter.

use crate::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Schema;

/// A route's query, read and checked against what the document states of it.
#[derive(Debug)]
pub(crate) struct Query<T>(pub(crate) T);

/// Parameters a query struct declares, as the document lists them: built once per
/// struct and kept, since every request reads them (the incident list and map points
/// among them).
fn declared<T: IntoParams + 'static>() -> &'static [Parameter] {
    type Known = std::collections::HashMap<std::any::TypeId, &'static [Parameter]>;
    static KNOWN: std::sync::OnceLock<std::sync::RwLock<Known>> = std::sync::OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    let id = std::any::TypeId::of::<T>();
    if let Some(p) = known.read().ok().and_then(|k| k.get(&id).copied()) {
        return p;
    }
    let params: Vec<Parameter> = T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
        .collect();
    match known.write() {
        // Once per query struct of the API, for the life of the process.
        Ok(mut k) => k.entry(id).or_insert_with(|| params.leak()),
        Err(_) => params.leak(),
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + IntoParams + Send + 'static,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        read(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// A route's query as two structs, each declared in the document (`params(A, B)`): the
/// filters several routes share and the route's own.
#[derive(Debug)]
pub(crate) struct Queries<A, B>(pub(crate) A, pub(crate) B);

impl<A, B, S> FromRequestParts<S> for Queries<A, B>
where
    A: DeserializeOwned + IntoParams + Send + 'static,
    B: DeserializeOwned + IntoParams + Send + 'static,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or_default();
        let raw = checked(raw, &[declared::<A>(), declared::<B>()])?;
        Ok(Queries(typed(&raw)?, typed(&raw)?))
    }
}

/// Reads `raw` (the text after `?`) as `T`.
pub(crate) fn read<T: DeserializeOwned + IntoParams + 'static>(raw: &str) -> Result<T, ApiError> {
    let raw = checked(raw, &[declared::<T>()])?;
    typed(&raw)
}

/// Refuses a name the parameters do not declare, a name given twice, and a value outside
/// what the document states of it; gives the query back with the values of a list given
/// one per pair (`on=a&on=b`) joined by commas (`on=a,b`), as a list may also be sent.
fn checked(raw: &str, declared: &[&[Parameter]]) -> Result<String, ApiError> {
    let params: Vec<&Parameter> = declared.iter().flat_map(|d| d.iter()).collect();
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = crate::decode(k).ok_or_else(|| {
            ApiError::BadParameter(k.to_owned(), "not valid percent-encoded UTF-8".into())
        })?;
        let v = crate::decode(v).ok_or_else(|| {
            ApiError::BadParameter(k.clone(), "not valid percent-encoded UTF-8".into())
        })?;
        let Some(param) = params.iter().find(|p| p.name == k) else {
            let hint = truce_model::diag::suggest(&k, names.iter().copied());
            return Err(ApiError::BadParameter(
                k,
                format!("unknown parameter ({hint})"),
            ));
        };
        let list = matches!(&param.schema, Some(RefOr::T(Schema::Array(_))));
        if seen.contains(&k) {
            match out.iter_mut().find(|(name, _)| *name == k) {
                Some((_, values)) if list => {
                    values.push(',');
                    values.push_str(&v);
                    continue;
                }
                _ => return Err(ApiError::BadParameter(k, "given more than once".into())),
            }
        }
        if let Some(schema) = &param.schema {
            check(&k, &v, schema)?;
        }
        seen.push(k.clone());
        out.push((k, v));
    }
    Ok(form_urlencoded::Serializer::new(String::new())
        .extend_pairs(out)
        .finish())
}

/// The query's pairs, decoded (after [`Query`] has checked them: a pair that does not
/// decode is left out), by name.
pub(crate) fn pairs(raw: &str) -> std::collections::BTreeMap<String, String> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((crate::decode(k)?, crate::decode(v)?))
        })
        .collect()
}

/// `raw` as `T`, a refusal naming the member at fault.
fn typed<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.into_inner().to_string();
        // A missing member is reported at the struct: its name is in the message.
        let name = if path == "." || path.is_empty() {
            reason
                .split('`')
                .nth(1)
                .map_or_else(String::new, str::to_owned)
        } else {
            path
        };
        let reason = if reason.starts_with("missing field") {
            "is required".to_owned()
        } else {
            reason
        };
        ApiError::BadParameter(name, reason)
    })
}

/// Checks a value against the bounds and words the document states for it.
fn check(name: &str, value: &str, schema: &RefOr<Schema>) -> Result<(), ApiError> {
    let RefOr::T(schema) = schema else {
        return Ok(());
    };
    let object = match schema {
        Schema::Object(o) => o,
        // `Option<T>`: the value's own schema beside `null`.
        Schema::OneOf(one) => {
            for item in &one.items {
                if let RefOr::T(Schema::Object(_)) = item {
                    check(name, value, item)?;
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    let bad = |reason: String| Err(ApiError::BadParameter(name.to_owned(), reason));
    // A maximum the handler caps a larger value at is not a refusal.
    let caps = object
        .extensions
        .as_ref()
        .and_then(|x| x.get(crate::ogc::CAPS))
        .is_some_and(|v| v == &serde_json::Value::Bool(true));
    match (
        object.minimum.as_ref().map(whole),
        object.maximum.as_ref().filter(|_| !caps).map(whole),
    ) {
        (None, None) => {}
        (min, max) => {
            let (least, most) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
            let fits = value
                .parse::<i128>()
                .is_ok_and(|n| n >= i128::from(least) && n <= i128::from(most));
            if !fits {
                return bad(match (min, max) {
                    (Some(min), Some(max)) => {
                        format!("`{value}` is not a whole number from {min} to {max}")
                    }
                    (Some(min), None) => {
                        format!("`{value}` is not a whole number of {min} or more")
                    }
                    _ => format!("`{value}` is not a whole number of {most} or less"),
                });
            }
        }
    }
    if let Some(words) = &object.enum_values {
        let words: Vec<&str> = words.iter().filter_map(|w| w.as_str()).collect();
        if !words.is_empty() && !words.contains(&value) {
            let hint = truce_model::diag::suggest(value, words.iter().copied());
            return bad(format!(
                "`{value}` is not a value this parameter takes; {hint}"
            ));
        }
    }
    if let Some(most) = object.max_length
        && value.chars().count() > most
    {
        return bad(format!("longer than {most} characters"));
    }
    if let Some(least) = object.min_length
        && value.trim().chars().count() < least
    {
        return bad(if least == 1 {
            "is empty".to_owned()
        } else {
            format!("shorter than {least} characters")
        });
    }
    Ok(())
}

/// A bound the document states, as a whole number.
fn whole(n: &utoipa::Number) -> i64 {
    match *n {
        utoipa::Number::Int(i) => i64::try_from(i).unwrap_or(i64::MIN),
        utoipa::Number::UInt(u) => i64::try_from(u).unwrap_or(i64::MAX),
        // Bounds of whole-number parameters are whole; a fraction rounds inwards.
        #[allow(clippy::cast_possible_truncation)]
        utoipa::Number::Float(f) => f as i64,
    }
}

/// A local calendar day, `YYYY-MM-DD`, from [`Day::FIRST_YEAR`] to [`Day::LAST_YEAR`];
/// refused with the value and the reason otherwise. The range bounds the work of one
/// request (a scorecard walks days from the agreement's start), and the document states
/// it as the pattern of every date parameter ([`date`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day(pub(crate) Date);

impl Day {
    /// The first year a date may name.
    pub(crate) const FIRST_YEAR: i16 = 1900;
    /// The last year a date may name.
    pub(crate) const LAST_YEAR: i16 = 2099;
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let date = text.parse::<Date>().map_err(|e| {
            serde::de::Error::custom(format!("`{text}` is not a date YYYY-MM-DD: {e}"))
        })?;
        if !(Day::FIRST_YEAR..=Day::LAST_YEAR).contains(&date.year()) {
            return Err(serde::de::Error::custom(format!(
                "`{text}` is outside the dates this server evaluates, {}-01-01 to {}-12-31",
                Day::FIRST_YEAR,
                Day::LAST_YEAR
            )));
        }
        Ok(Day(date))
    }
}

impl utoipa::PartialSchema for Day {
    fn schema() -> RefOr<Schema> {
        date().into()
    }
}

impl utoipa::ToSchema for Day {}

/// A day named in a path, refused as a query's date would be.
pub(crate) fn read_day(name: &str, text: &str) -> Result<Date, ApiError> {
    Day::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text))
        .map(|d| d.0)
        .map_err(|e| ApiError::BadParameter(name.into(), e.to_string()))
}

/// A date parameter's schema: `YYYY-MM-DD` in the years [`Day`] takes.
pub(crate) fn date() -> utoipa::openapi::Object {
    // The pattern spells the years 1900 to 2099: the century digits, then any two.
    debug_assert_eq!((Day::FIRST_YEAR, Day::LAST_YEAR), (1900, 2099));
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Date,
        )))
        .pattern(Some("^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"))
        .build()
}

/// `Option<Day>` as a date.
pub(crate) fn day(d: Option<Day>) -> Option<Date> {
    d.map(|d| d.0)
}

/// A query struct with no parameters: the route takes none, and any given is refused.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NoParams {}

/// A string that is one of `words`.
pub(crate) fn one_of(words: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(words.iter().copied()))
        .build()
}

/// A string matching `pattern`.
fn matching(pattern: String) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .build()
}

/// The codebook's event types.
pub(crate) fn event_types() -> utoipa::openapi::Object {
    one_of(truce_model::report::EventType::ALL)
}

/// Evidence record types.
pub(crate) fn record_kinds() -> utoipa::openapi::Object {
    one_of(truce_model::records::RecordKind::ALL)
}

/// One incident status or several separated by commas.
pub(crate) fn statuses() -> utoipa::openapi::Object {
    let one = format!(
        "({})",
        truce_engine::incidents::IncidentStatus::ALL.join("|")
    );
    matching(format!("^{one}(,{one})*$"))
}

/// Four numbers separated by commas.
pub(crate) fn bbox() -> utoipa::openapi::Object {
    let n = r"\s*-?[0-9]+(\.[0-9]+)?\s*";
    matching(format!("^{n}(,{n}){{3}}$"))
}

/// What each incident of a list carries.
pub(crate) fn projections() -> utoipa::openapi::Object {
    one_of(&["all", "map", "list"])
}

/// The orders of the incident list.
pub(crate) fn orders() -> utoipa::openapi::Object {
    let words: Vec<&str> = truce_store::IncidentOrder::WORDS
        .iter()
        .map(|(w, _)| *w)
        .collect();
    one_of(&words)
}

/// Formats of an export.
pub(crate) fn export_formats() -> utoipa::openapi::Object {
    one_of(truce_formats::export::ExportFormat::ALL)
}

/// Declares query values each stated by a schema of its own (a function giving it): a
/// newtype over the text as given, read from the query as that text, which the document
/// inlines with the field's own description and whether it is required (a field given
/// its schema by `schema_with` loses both).
macro_rules! stated {
    ($($(#[$m:meta])* $name:ident = $schema:path;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
        #[serde(transparent)]
        pub(crate) struct $name(pub(crate) String);

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema().into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(w: $name) -> String {
                w.0
            }
        }
    )+};
}

stated! {
    /// A codebook event type.
    EventTypeWord = event_types;
    /// An evidence record type.
    RecordKindWord = record_kinds;
    /// Incident statuses separated by commas.
    StatusList = statuses;
    /// `minLon,minLat,maxLon,maxLat`.
    Bbox = bbox;
    /// What each incident of a list carries.
    Projection = projections;
    /// An order of the incident list.
    Order = orders;
    /// An export format.
    ExportFormatWord = export_formats;
}
pub(crate) use stated;
