//! The gazetteer: places with every name variant and a point, and a lookup that tolerates
//! case, diacritics, apostrophes, Cyrillic script and the usual transliteration variants.
//!
//! Lookup tries three keys from strict to loose and answers from the strictest that
//! matches anything: the name as written (case-insensitive), the name folded to plain
//! Latin letters, and a transliteration skeleton that also merges sounds spelled
//! differently across Azerbaijani, Armenian, Russian and English romanisations
//! (x/kh/h, c/j/ch/dzh, q/g/k, ə/a/e). Several places on the winning key are all returned:
//! an ambiguous name is never resolved by a guess.

use crate::diag::{Position, Problem, SourceFile, suggest};
use crate::zones::ZoneSet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A gazetteer entry.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    /// Stable id.
    pub id: String,
    /// Display name with both names where they differ ("Shusha / Shushi").
    pub display: String,
    /// Azerbaijani name.
    pub name_az: Option<String>,
    /// Armenian name(s) in Armenian script.
    pub name_hy: Vec<String>,
    /// Armenian name romanised.
    pub name_hy_latn: Option<String>,
    /// Russian names.
    pub names_ru: Vec<String>,
    /// Other spellings (English, GeoNames alternates).
    pub other_variants: Vec<String>,
    /// Longitude, degrees east (WGS 84).
    pub lon: f64,
    /// Latitude, degrees north (WGS 84).
    pub lat: f64,
    /// ISO 3166-1 alpha-2 code of the de jure country.
    pub country: String,
    /// The district (zone id) the place belongs to according to the gazetteer's sources.
    pub admin_zone: Option<String>,
    /// GeoNames id.
    pub geonameid: Option<u64>,
    /// Population, when known.
    pub population: Option<u64>,
    /// Where the coordinates come from.
    pub source: String,
    /// Free notes.
    pub notes: Option<String>,
}

impl Place {
    /// Every name of the place, display parts first.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![self.display.as_str()];
        out.extend(display_parts(&self.display));
        out.extend(self.name_az.as_deref());
        out.extend(self.name_hy.iter().map(String::as_str));
        out.extend(self.name_hy_latn.as_deref());
        out.extend(self.names_ru.iter().map(String::as_str));
        out.extend(self.other_variants.iter().map(String::as_str));
        out.retain(|s| !s.trim().is_empty());
        out
    }
}

/// "Shusha / Shushi" and "Fuzuli (Varanda)" hold two names each.
pub(crate) fn display_parts(display: &str) -> Vec<&str> {
    display
        .split(['/', '(', ')'])
        .map(str::trim)
        .filter(|s| {
            !s.is_empty()
                && !s.eq_ignore_ascii_case("armenia")
                && !s.eq_ignore_ascii_case("city")
                && !s.eq_ignore_ascii_case("district")
        })
        .collect()
}

/// How a query matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchTier {
    /// The name as written, ignoring case.
    Exact,
    /// After folding diacritics, apostrophes, spaces and hyphens.
    Folded,
    /// After transliteration to a sound skeleton.
    Transliterated,
}

/// One candidate of a lookup.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceMatch<'a> {
    /// The place.
    pub place: &'a Place,
    /// The name variant that matched.
    pub matched_name: String,
}

/// The answer to a lookup.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup<'a> {
    /// The query.
    pub query: String,
    /// The strictest key that matched, `None` when nothing did.
    pub tier: Option<MatchTier>,
    /// Candidates, most populous first; more than one means the name is ambiguous.
    pub matches: Vec<PlaceMatch<'a>>,
}

impl Lookup<'_> {
    /// The answer as JSON, each candidate with the zones it lies in.
    pub fn to_json(&self, gazetteer: &Gazetteer, zones: &ZoneSet) -> serde_json::Value {
        let matches: Vec<serde_json::Value> = self
            .matches
            .iter()
            .map(|m| {
                serde_json::json!({
                    "place": m.place,
                    "matched_name": m.matched_name,
                    "zones": gazetteer.zones_of(m.place, zones),
                })
            })
            .collect();
        serde_json::json!({"query": self.query, "tier": self.tier, "ambiguous": self.is_ambiguous(), "matches": matches})
    }

    /// True when more than one place carries the name.
    pub fn is_ambiguous(&self) -> bool {
        self.matches.len() > 1
    }
}

/// The words of a text as the search index holds them and a query is read: each word
/// [`fold`]ed (lowercase, no diacritics, Azerbaijani ə and ı as a and i), split at anything
/// that is not a letter or a digit, joined by single spaces. Both databases' indexes see
/// the same words, so both find the same reports.
pub fn fold_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .nfc()
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
    {
        let w = fold(word);
        if !w.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&w);
        }
    }
    out
}

/// Lowercase, without diacritics, apostrophes or separators; Azerbaijani ə and ı to a, i.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'ə' | 'ä' => Some('a'),
            'ı' => Some('i'),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' | 'ғ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' | 'є' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' | 'й' => "i",
        'к' | 'қ' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ү' | 'ў' => "u",
        'ф' => "f",
        'х' | 'һ' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ы' => "y",
        'ъ' | 'ь' | 'ӏ' => "",
        'ю' => "yu",
        'я' => "ya",
        'ә' => "a",
        _ => return None,
    })
}

/// A sound skeleton: folded Latin (Cyrillic transliterated) with the spelling differences
/// between romanisations merged, and doubled letters collapsed.
pub fn skeleton(s: &str) -> String {
    // Azerbaijani letters first, before folding loses them: ş→sh, ç→ch, x→kh.
    let mut latin = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'ş' => latin.push_str("sh"),
            'ç' => latin.push_str("ch"),
            'x' => latin.push_str("kh"),
            c => match cyrillic(c) {
                Some(t) => latin.push_str(t),
                None => latin.push(c),
            },
        }
    }
    let f = fold(&latin);
    let mut out = f;
    for (from, to) in [
        ("dzh", "c"),
        ("dj", "c"),
        ("zh", "c"),
        ("ch", "c"),
        ("sh", "s"),
        ("kh", "h"),
        ("gh", "g"),
        ("ts", "c"),
        ("yu", "u"),
        ("ya", "a"),
    ] {
        out = out.replace(from, to);
    }
    let mapped: String = out
        .chars()
        .map(|c| match c {
            'j' => 'c',
            'q' | 'k' => 'g',
            't' => 'd',
            'p' => 'b',
            'e' => 'a',
            'y' => 'i',
            'w' => 'v',
            c => c,
        })
        .collect();
    let mut res = String::with_capacity(mapped.len());
    for c in mapped.chars() {
        if !res.ends_with(c) {
            res.push(c);
        }
    }
    res
}

fn exact_key(s: &str) -> String {
    s.nfc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// All places with their name index.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    index: [HashMap<String, BTreeMap<usize, String>>; 3],
    /// Every place's point in local metres (x scaled by the cosine of the places' middle
    /// latitude), for the nearest place to a point.
    near: rstar::RTree<rstar::primitives::GeomWithData<[f64; 2], usize>>,
    /// Metres per degree of longitude at the places' middle latitude.
    m_per_lon: f64,
}

/// How far a point may be from the nearest gazetteer place for an incident to be
/// labelled by it ("3 km from Shusha / Shushi"); farther, it is labelled by its
/// coordinates alone.
pub const LABEL_RADIUS_M: f64 = 10_000.0;

/// Within this distance a point is labelled with the place's name alone.
pub const AT_PLACE_M: f64 = 1_000.0;

const M_PER_LAT: f64 = 110_574.0;

const COLUMNS: &[&str] = &[
    "id",
    "display",
    "name_az",
    "name_hy",
    "name_hy_latn",
    "names_ru",
    "other_variants",
    "lat",
    "lon",
    "country",
    "admin_zone",
    "geonameid",
    "population",
    "source",
    "notes",
];

fn list(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl Gazetteer {
    /// Reads the gazetteer CSV (columns in `docs/agreement-format.md`), checking `admin_zone`
    /// against `zones`. Problems name the file line and column.
    pub fn parse(file: &SourceFile, zones: &BTreeSet<&str>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let cell = |line: u64, column: &str, message: String| Problem {
            file: file.name.clone(),
            position: Position::Cell {
                line: usize::try_from(line).unwrap_or(usize::MAX),
                column: column.to_owned(),
            },
            message,
            hint: None,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(file.text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                return Err(vec![Problem {
                    file: file.name.clone(),
                    position: Position::LineColumn { line: 1, column: 1 },
                    message: format!("unreadable header: {e}"),
                    hint: None,
                }]);
            }
        };
        let col: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
        let missing: Vec<&str> = ["id", "display", "lat", "lon", "country", "source"]
            .into_iter()
            .filter(|c| !col.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(vec![Problem {
                file: file.name.clone(),
                position: Position::LineColumn { line: 1, column: 1 },
                message: format!("missing column(s): {}", missing.join(", ")),
                hint: Some(format!("the columns are: {}", COLUMNS.join(","))),
            }]);
        }
        for h in headers.iter() {
            if !COLUMNS.contains(&h) {
                problems.push(Problem {
                    file: file.name.clone(),
                    position: Position::LineColumn { line: 1, column: 1 },
                    message: format!("unknown column `{h}`"),
                    hint: Some(suggest(h, COLUMNS.iter().copied())),
                });
            }
        }
        let mut places = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    problems.push(cell(line, "*", format!("unreadable row: {e}")));
                    continue;
                }
            };
            let line = rec.position().map_or(0, csv::Position::line);
            let get = |c: &str| col.get(c).and_then(|&i| rec.get(i)).unwrap_or("");
            let id = get("id").trim().to_owned();
            if id.is_empty() {
                problems.push(cell(line, "id", "empty id".into()));
                continue;
            }
            if let Some(first) = seen.get(&id) {
                problems.push(
                    cell(line, "id", format!("duplicate place id `{id}`"))
                        .with_hint(format!("first defined on line {first}")),
                );
                continue;
            }
            seen.insert(id.clone(), line);
            let mut coord = |c: &str, range: f64| -> Option<f64> {
                match get(c).trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && v.abs() <= range => Some(v),
                    _ => {
                        problems.push(cell(
                            line,
                            c,
                            format!("`{}` is not a {c} in decimal degrees (±{range})", get(c)),
                        ));
                        None
                    }
                }
            };
            let (lat, lon) = (coord("lat", 90.0), coord("lon", 180.0));
            let admin_zone = opt(get("admin_zone"));
            if let Some(z) = &admin_zone
                && !zones.contains(z.as_str())
            {
                problems.push(
                    cell(line, "admin_zone", format!("unknown zone `{z}`"))
                        .with_hint(suggest(z, zones.iter().copied())),
                );
            }
            let num = |c: &str, problems: &mut Vec<Problem>| -> Option<u64> {
                let s = get(c).trim();
                if s.is_empty() {
                    return None;
                }
                s.parse()
                    .map_err(|_| {
                        problems.push(cell(line, c, format!("`{s}` is not a whole number")))
                    })
                    .ok()
            };
            let geonameid = num("geonameid", &mut problems);
            let population = num("population", &mut problems);
            let (Some(lat), Some(lon)) = (lat, lon) else {
                continue;
            };
            places.push(Place {
                id,
                display: get("display").trim().to_owned(),
                name_az: opt(get("name_az")),
                name_hy: list(get("name_hy")),
                name_hy_latn: opt(get("name_hy_latn")),
                names_ru: list(get("names_ru")),
                other_variants: list(get("other_variants")),
                lon,
                lat,
                country: get("country").trim().to_owned(),
                admin_zone,
                geonameid,
                population,
                source: get("source").trim().to_owned(),
                notes: opt(get("notes")),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self::new(places))
    }

    fn new(places: Vec<Place>) -> Self {
        let mut index: [HashMap<String, BTreeMap<usize, String>>; 3] = Default::default();
        for (i, p) in places.iter().enumerate() {
            for name in p.names() {
                for (tier, key) in [exact_key(name), fold(name), skeleton(name)]
                    .into_iter()
                    .enumerate()
                {
                    if !key.is_empty() {
                        index[tier]
                            .entry(key)
                            .or_default()
                            .entry(i)
                            .or_insert_with(|| name.to_owned());
                    }
                }
            }
        }
        let (lo, hi) = places.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.lat), hi.max(p.lat))
        });
        let mid = if places.is_empty() {
            0.0
        } else {
            f64::midpoint(lo, hi)
        };
        let m_per_lon = 111_320.0 * mid.to_radians().cos();
        let near = rstar::RTree::bulk_load(
            places
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    rstar::primitives::GeomWithData::new([p.lon * m_per_lon, p.lat * M_PER_LAT], i)
                })
                .collect(),
        );
        Self {
            places,
            index,
            near,
            m_per_lon,
        }
    }

    /// The place nearest to a point and its distance in metres (in the local projection
    /// of the gazetteer's middle latitude: within about 3% over a region).
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&Place, f64)> {
        let q = [lon * self.m_per_lon, lat * M_PER_LAT];
        let hit = self.near.nearest_neighbor(&q)?;
        let d = rstar::PointDistance::distance_2(hit, &q).sqrt();
        Some((&self.places[hit.data], d))
    }

    /// How an incident at a point is named: the nearest place's bilingual name when
    /// within [`AT_PLACE_M`], "N km from" it within [`LABEL_RADIUS_M`], else nothing.
    pub fn label(&self, lon: f64, lat: f64) -> Option<String> {
        let (p, d) = self.nearest(lon, lat)?;
        if d <= AT_PLACE_M {
            Some(p.display.clone())
        } else if d <= LABEL_RADIUS_M {
            Some(format!("{:.0} km from {}", d / 1000.0, p.display))
        } else {
            None
        }
    }

    /// A label [`Gazetteer::label`] wrote as "N km from PLACE": the distance in km and the
    /// place's display name, for a writer in another language.
    pub fn km_from(label: &str) -> Option<(&str, &str)> {
        let (km, place) = label.split_once(" km from ")?;
        (!km.is_empty() && km.chars().all(|c| c.is_ascii_digit())).then_some((km, place))
    }

    /// The words a report is found by ([`fold_words`]): its account, its place name as
    /// written, and the names of the place it is at or near (within [`LABEL_RADIUS_M`] of
    /// its point, or the one place its name names), so that a search for any spelling the
    /// gazetteer knows of that place finds it.
    pub fn search_words(
        &self,
        text: Option<&str>,
        place_name: Option<&str>,
        point: Option<(f64, f64)>,
    ) -> String {
        let near = match point {
            Some((lon, lat)) => self
                .nearest(lon, lat)
                .filter(|(_, d)| *d <= LABEL_RADIUS_M)
                .map(|(p, _)| p),
            None => place_name.and_then(|n| match self.find(n).matches.as_slice() {
                [one] => Some(one.place),
                _ => None,
            }),
        };
        [text, place_name, near.map(|p| p.display.as_str())]
            .into_iter()
            .flatten()
            .map(fold_words)
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every place, in file order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Looks up a place by id.
    pub fn get(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }

    /// Places with a name close to one nobody is called (a likely typo or another
    /// transliteration), closest first, at most `n`: each with the name that came
    /// closest. Names are compared folded (no case, diacritics or separators) and also
    /// as sound skeletons, so "Shushy" finds Shusha and "Xankendy" finds Khankendi.
    pub fn near_misses(&self, query: &str, n: usize) -> Vec<(&Place, &str)> {
        let keys = [fold(query), skeleton(query)];
        let mut found: Vec<(usize, u64, &Place, &str)> = Vec::new();
        for place in &self.places {
            let best = place
                .names()
                .into_iter()
                .filter_map(|name| {
                    let d = [fold(name), skeleton(name)]
                        .iter()
                        .zip(&keys)
                        .filter(|(k, q)| !k.is_empty() && !q.is_empty())
                        .filter_map(|(k, q)| {
                            let d = strsim::damerau_levenshtein(q, k);
                            // A third of the longer key, rounded up, and never the whole
                            // query: close enough to be the same name mistyped.
                            let most = q.chars().count().max(k.chars().count()).div_ceil(3);
                            (d <= most && d < q.chars().count()).then_some(d)
                        })
                        .min()?;
                    Some((d, name))
                })
                .min_by_key(|(d, _)| *d);
            if let Some((d, name)) = best {
                found.push((d, place.population.unwrap_or(0), place, name));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.id.cmp(&b.2.id)));
        found.truncate(n);
        found.into_iter().map(|(_, _, p, name)| (p, name)).collect()
    }

    /// Finds places by any name variant.
    pub fn find(&self, query: &str) -> Lookup<'_> {
        let keys = [exact_key(query), fold(query), skeleton(query)];
        let tiers = [
            MatchTier::Exact,
            MatchTier::Folded,
            MatchTier::Transliterated,
        ];
        for (t, key) in keys.iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            if let Some(hits) = self.index[t].get(key) {
                let mut matches: Vec<PlaceMatch<'_>> = hits
                    .iter()
                    .map(|(&i, name)| PlaceMatch {
                        place: &self.places[i],
                        matched_name: name.clone(),
                    })
                    .collect();
                matches.sort_by(|a, b| {
                    b.place
                        .population
                        .unwrap_or(0)
                        .cmp(&a.place.population.unwrap_or(0))
                        .then(a.place.id.cmp(&b.place.id))
                });
                return Lookup {
                    query: query.to_owned(),
                    tier: Some(tiers[t]),
                    matches,
                };
            }
        }
        Lookup {
            query: query.to_owned(),
            tier: None,
            matches: Vec::new(),
        }
    }

    /// The zones a place lies in: by geometry, plus its administrative district from the
    /// gazetteer when the (coarse) polygons put it elsewhere.
    pub fn zones_of(&self, place: &Place, zones: &ZoneSet) -> Vec<ZoneMembership> {
        let mut out: Vec<ZoneMembership> = zones
            .containing(place.lon, place.lat)
            .into_iter()
            .map(|z| ZoneMembership {
                zone: z.to_owned(),
                basis: ZoneBasis::Geometry,
            })
            .collect();
        if let Some(a) = &place.admin_zone
            && !out.iter().any(|m| &m.zone == a)
        {
            out.push(ZoneMembership {
                zone: a.clone(),
                basis: ZoneBasis::Gazetteer,
            });
        }
        out
    }
}

/// Why a place counts as inside a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneBasis {
    /// Its point lies inside the zone's polygon.
    Geometry,
    /// The gazetteer assigns it to that district although the polygon misses the point.
    Gazetteer,
}

/// A place's membership of a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneMembership {
    /// Zone id.
    pub zone: String,
    /// Geometry or gazetteer.
    pub basis: ZoneBasis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_merge_romanisations() {
        assert_eq!(skeleton("Şuşa"), skeleton("Shusha"));
        assert_eq!(skeleton("Xocalı"), skeleton("Khojaly"));
        assert_eq!(skeleton("Khodzhaly"), skeleton("Khojali"));
        assert_eq!(skeleton("Степанакерт"), skeleton("Stepanakert"));
        assert_eq!(skeleton("Kəlbəcər"), skeleton("Kelbajar"));
        assert_eq!(fold("K'arvacharr"), "karvacharr");
    }

    #[test]
    fn a_label_near_a_place_gives_back_its_distance_and_place() {
        assert_eq!(
            Gazetteer::km_from("9 km from Askeran / Asgaran"),
            Some(("9", "Askeran / Asgaran"))
        );
        // A place's own name, or one that merely holds the words, is no distance.
        assert_eq!(Gazetteer::km_from("Khankendi / Stepanakert"), None);
        assert_eq!(Gazetteer::km_from("Far km from Home"), None);
    }
}
