//! The registry's aggregates, from facts alone (no name, number or birth data): persons
//! counted by side, category and status on a date, and the reconciliation of what each
//! side claims against what the registry holds and what was returned.

use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;
use truce_model::records::{DetentionClaim, Evidence, Exchange, Measure, PersonCategory, when};
use truce_model::registry::{Facts, PersonStatus};

/// Persons counted by side, category and status on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Side the persons belong to.
    pub side: String,
    /// Category.
    pub category: PersonCategory,
    /// Status on the date (`None`: registered, no status reported yet).
    pub status: Option<PersonStatus>,
    /// How many.
    pub count: u32,
}

/// Persons by side, category and status as of `date` (persons first reported later are
/// not counted).
pub fn counts(persons: &[Facts], date: Date) -> Vec<Count> {
    let mut by: BTreeMap<(String, PersonCategory, Option<PersonStatus>), u32> = BTreeMap::new();
    for p in persons {
        let reported = p.history.first().is_none_or(|(d, _, _)| *d <= date);
        if !reported {
            continue;
        }
        *by.entry((p.side.clone(), p.category, p.status_on(date)))
            .or_default() += 1;
    }
    by.into_iter()
        .map(|((side, category, status), count)| Count {
            side,
            category,
            status,
            count,
        })
        .collect()
}

/// One claimant's latest figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimFigure {
    /// Who says so.
    pub claimant: String,
    /// How many they say the holder holds (over all categories they gave).
    pub count: u32,
    /// True when any figure was a lower bound.
    pub at_least: bool,
    /// The claim records behind the figure.
    pub evidence: Vec<String>,
}

impl ClaimFigure {
    /// `claimant: figure`, `≥` before a lower bound.
    pub fn label(&self) -> String {
        format!(
            "{}: {}{}",
            self.claimant,
            if self.at_least { "≥" } else { "" },
            self.count
        )
    }
}

/// Claimed against registered against returned, for one holding side on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The date.
    pub date: Date,
    /// The side said to hold persons.
    pub holder: String,
    /// Each claimant's latest figures as of the date.
    pub claimed: Vec<ClaimFigure>,
    /// Persons the registry has held by this side on the date.
    pub registered_held: u32,
    /// Of those, how many the holder has acknowledged.
    pub acknowledged: u32,
    /// Persons this side held who were returned alive by the date.
    pub returned: u32,
    /// Persons this side held whose remains were returned by the date.
    pub remains_returned: u32,
    /// Living persons returned in exchanges from this side by the date, per the exchange
    /// records (counts the sources gave, registered or not).
    pub returned_in_exchanges: u32,
    /// Remains returned in exchanges from this side by the date.
    pub remains_in_exchanges: u32,
    /// Still held by the claims on record, as the exchange line computes it
    /// ([`still_held`]): living persons.
    pub still_held: u32,
    /// The same for remains.
    pub remains_still_held: u32,
    /// The largest claim less what the registry has held: persons claimed but not on
    /// record (negative when the registry holds more than anyone claims).
    pub unaccounted: Option<i64>,
}

/// Reconciles claims with the registry and exchanges, per holder and date. Holders are
/// every side a claim names or the registry has holding someone.
pub fn reconcile(persons: &[Facts], evidence: &Evidence, dates: &[Date]) -> Vec<Reconciliation> {
    let (claims, exchanges) = (&evidence.claims[..], &evidence.exchanges[..]);
    let mut holders: Vec<String> = claims
        .iter()
        .filter(|c| c.category != PersonCategory::Missing)
        .map(|c| c.holder.clone())
        .chain(persons.iter().filter_map(|p| p.held_by.clone()))
        .collect();
    holders.sort();
    holders.dedup();
    let mut out = Vec::new();
    for &date in dates {
        for holder in &holders {
            // Latest claim of each claimant per category, then summed per claimant.
            let mut latest: BTreeMap<(&str, PersonCategory), &DetentionClaim> = BTreeMap::new();
            for c in claims.iter().filter(|c| {
                c.date <= date
                    && c.holder == *holder
                    && c.category != PersonCategory::Missing
                    && c.group.is_none()
            }) {
                let slot = latest.entry((c.claimant.as_str(), c.category)).or_insert(c);
                if (c.date, &c.id) >= (slot.date, &slot.id) {
                    *slot = c;
                }
            }
            let mut claimed: BTreeMap<&str, ClaimFigure> = BTreeMap::new();
            for ((claimant, _), c) in &latest {
                let f = claimed.entry(claimant).or_insert_with(|| ClaimFigure {
                    claimant: (*claimant).to_owned(),
                    count: 0,
                    at_least: false,
                    evidence: Vec::new(),
                });
                f.count += c.count;
                f.at_least |= c.at_least;
                f.evidence.push(format!("detention-claim:{}", c.id));
            }
            let held_here: Vec<&Facts> = persons
                .iter()
                .filter(|p| p.held_by.as_deref() == Some(holder.as_str()))
                .collect();
            let mut registered_held = 0;
            let mut acknowledged = 0;
            let mut returned = 0;
            let mut remains_returned = 0;
            for p in &held_here {
                match p.status_on(date) {
                    Some(PersonStatus::Acknowledged) => {
                        registered_held += 1;
                        acknowledged += 1;
                    }
                    Some(PersonStatus::Held) => registered_held += 1,
                    Some(PersonStatus::RemainsReturned) => remains_returned += 1,
                    Some(s) if s.is_returned() => returned += 1,
                    _ => {}
                }
            }
            let in_exchanges = |dead: bool| -> u32 {
                exchanges
                    .iter()
                    .filter(|x| x.from == *holder && x.date <= date)
                    .flat_map(|x| x.counts.iter())
                    .filter(|(c, _)| (**c == PersonCategory::Bodies) == dead)
                    .map(|(_, n)| n)
                    .sum()
            };
            let (returned_in_exchanges, remains_in_exchanges) =
                (in_exchanges(false), in_exchanges(true));
            let held = still_held(claims.iter(), exchanges.iter(), holder, date);
            let largest = claimed.values().map(|f| f.count).max();
            out.push(Reconciliation {
                date,
                holder: holder.clone(),
                unaccounted: largest.map(|n| i64::from(n) - i64::from(registered_held)),
                claimed: claimed.into_values().collect(),
                registered_held,
                acknowledged,
                returned,
                remains_returned,
                returned_in_exchanges,
                remains_in_exchanges,
                still_held: held.living,
                remains_still_held: held.remains,
            });
        }
    }
    out
}

/// Who one side still holds on a date by the claims on record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StillHeld {
    /// Living persons.
    pub living: u32,
    /// Remains.
    pub remains: u32,
    /// Per category: the count and the claim it rests on.
    pub per_category: BTreeMap<PersonCategory, (u32, String)>,
}

/// Persons `holder` still holds on `date`, by the claims on record: for each claimant and
/// category the latest claim, less what `holder` released in that category after the
/// claim's date (a `detainees` claim, which does not say what kind, less every living
/// person released); per category the largest over claimants. Missing persons say nothing
/// about who holds them and are left out; the living and remains are summed apart. The
/// exchange line of the scorecard and the registry's reconciliation both use this.
pub fn still_held<'a>(
    claims: impl Iterator<Item = &'a DetentionClaim>,
    exchanges: impl Iterator<Item = &'a Exchange> + Clone,
    holder: &str,
    date: Date,
) -> StillHeld {
    let mut latest: BTreeMap<(&str, PersonCategory), &DetentionClaim> = BTreeMap::new();
    // A claim about a named group is about that group, not a total: the group's own
    // line reads it ([`groups`]).
    for c in claims.filter(|c| {
        c.date <= date
            && c.holder == holder
            && c.category != PersonCategory::Missing
            && c.group.is_none()
    }) {
        let slot = latest.entry((c.claimant.as_str(), c.category)).or_insert(c);
        if (c.date, &c.id) >= (slot.date, &slot.id) {
            *slot = c;
        }
    }
    let mut out = StillHeld::default();
    for c in latest.values() {
        // A claim that does not say what kind of detainee counts every living person
        // released; any other, its own category.
        let counted = |cat: &PersonCategory| {
            if c.category == PersonCategory::Detainees {
                !matches!(cat, PersonCategory::Bodies | PersonCategory::Missing)
            } else {
                *cat == c.category
            }
        };
        let after: u32 = exchanges
            .clone()
            .filter(|x| x.from == holder && x.date > c.date && x.date <= date)
            .flat_map(|x| x.counts.iter())
            .filter(|(cat, _)| counted(cat))
            .map(|(_, n)| n)
            .sum();
        let left = c.count.saturating_sub(after);
        let slot = out
            .per_category
            .entry(c.category)
            .or_insert((0, String::new()));
        if left > slot.0 || slot.1.is_empty() {
            *slot = (left.max(slot.0), format!("detention-claim:{}", c.id));
        }
    }
    for (c, (n, _)) in &out.per_category {
        if *c == PersonCategory::Bodies {
            out.remains += n;
        } else {
            out.living += n;
        }
    }
    out
}

/// A running total a source states, beside Truce's own figure from the individual
/// records. The stated figure is never added to any sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TallyCheck {
    /// The `tally` record.
    pub evidence: String,
    /// Who states it.
    pub claimant: String,
    /// What it counts.
    pub measure: Measure,
    /// Which persons.
    pub category: PersonCategory,
    /// The side the figure is for.
    pub side: String,
    /// The first day counted (the source's, or the agreement's entry into force).
    pub since: Option<Date>,
    /// The day it is stated as of.
    pub date: Date,
    /// The same in words ("during March 2022" when the source gives only the month).
    pub when: String,
    /// The stated figure.
    pub stated: u32,
    /// True when the source gave a lower bound.
    pub at_least: bool,
    /// Truce's own figure over the same persons and days, from the records; `None` where
    /// Truce keeps no count of its own (the missing).
    pub own: Option<u32>,
    /// Stated less own.
    pub difference: Option<i64>,
    /// The records Truce's figure sums.
    pub counted: Vec<String>,
}

/// Every stated total dated on or before `as_of`, one line per side, each with Truce's
/// own figure: returns summed from exchanges to that side since the first day counted
/// (`took_effect` when the source names none) and remains recovered from `recovery`
/// records; the missing beside no figure of Truce's.
pub fn tallies(e: &Evidence, took_effect: Date, as_of: Date) -> Vec<TallyCheck> {
    let mut out = Vec::new();
    for t in e.tallies.iter().take_while(|t| t.date <= as_of) {
        let since = t.since.or(match t.measure {
            Measure::Returned | Measure::Recovered => Some(took_effect),
            Measure::Missing => None,
        });
        let within = |d: Date| since.is_none_or(|s| s <= d) && d <= t.date;
        for (side, stated) in &t.counts {
            let (own, counted): (Option<u32>, Vec<String>) = match t.measure {
                Measure::Returned => {
                    let xs: Vec<&Exchange> = e
                        .exchanges
                        .iter()
                        .filter(|x| x.to == *side && within(x.date))
                        .filter(|x| x.counts.keys().any(|c| c.within(t.category)))
                        .collect();
                    let n = xs
                        .iter()
                        .flat_map(|x| x.counts.iter())
                        .filter(|(c, _)| c.within(t.category))
                        .map(|(_, n)| n)
                        .sum();
                    (
                        Some(n),
                        xs.iter().map(|x| format!("exchange:{}", x.id)).collect(),
                    )
                }
                Measure::Recovered => {
                    let rs: Vec<_> = e
                        .recoveries
                        .iter()
                        .filter(|r| r.side == *side && within(r.date))
                        .collect();
                    (
                        Some(rs.iter().map(|r| r.remains).sum()),
                        rs.iter().map(|r| format!("recovery:{}", r.id)).collect(),
                    )
                }
                Measure::Missing => (None, Vec::new()),
            };
            out.push(TallyCheck {
                evidence: format!("tally:{}", t.id),
                claimant: t.claimant.clone(),
                measure: t.measure,
                category: t.category,
                side: side.clone(),
                since,
                date: t.date,
                when: when(t.date, t.span.as_ref()),
                stated: *stated,
                at_least: t.at_least,
                own,
                difference: own.map(|o| i64::from(*stated) - i64::from(o)),
                counted,
            });
        }
    }
    out
}

/// The running totals sources state about an agreement's persons, as of `as_of`: the
/// latest of each claimant for each measure, category and side, each beside Truce's own
/// figure (returns and recoveries counted from the agreement's entry into force when the
/// source names no first day).
pub fn stated_totals(
    agreement: &truce_model::Agreement,
    e: &Evidence,
    as_of: Date,
) -> Vec<TallyCheck> {
    let took_effect = truce_model::period::local_date(agreement.effective, agreement.tz());
    latest_per_claimant(tallies(e, took_effect, as_of).into_iter())
}

/// Of the lines given (dated in order), the latest of each claimant for each measure,
/// category and side.
pub fn latest_per_claimant(lines: impl Iterator<Item = TallyCheck>) -> Vec<TallyCheck> {
    let mut latest: BTreeMap<(String, Measure, PersonCategory, String), TallyCheck> =
        BTreeMap::new();
    for t in lines {
        latest.insert(
            (t.claimant.clone(), t.measure, t.category, t.side.clone()),
            t,
        );
    }
    latest.into_values().collect()
}

/// A named group on a date: how many were taken, how many the releases naming it have
/// returned, and how many that leaves held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupState {
    /// The `group` record.
    pub evidence: String,
    /// Its name.
    pub name: String,
    /// Whose persons.
    pub side: String,
    /// Who took them.
    pub holder: String,
    /// Category.
    pub category: PersonCategory,
    /// When they were taken, in words.
    pub taken: String,
    /// How many were taken.
    pub count: u32,
    /// True when the count is a lower bound.
    pub at_least: bool,
    /// Released by the date, per the releases that name the group.
    pub released: u32,
    /// Taken less released: still held by the releases on record.
    pub still_held: u32,
    /// The latest claim about the group by the date, if any: (claimant, count, record).
    pub latest_claim: Option<(String, u32, String)>,
    /// The releases counted.
    pub releases: Vec<String>,
}

/// Every group taken by `as_of`, with its releases and what is left.
pub fn groups(e: &Evidence, as_of: Date) -> Vec<GroupState> {
    e.groups
        .iter()
        .take_while(|g| g.date <= as_of)
        .map(|g| {
            let releases: Vec<(&Exchange, u32)> = e
                .exchanges
                .iter()
                .take_while(|x| x.date <= as_of)
                .filter_map(|x| x.groups.get(&g.id).map(|n| (x, *n)))
                .collect();
            let released: u32 = releases.iter().map(|(_, n)| n).sum();
            let latest_claim = e
                .claims
                .iter()
                .take_while(|c| c.date <= as_of)
                .filter(|c| c.group.as_deref() == Some(g.id.as_str()))
                .last()
                .map(|c| {
                    (
                        c.claimant.clone(),
                        c.count,
                        format!("detention-claim:{}", c.id),
                    )
                });
            GroupState {
                evidence: format!("group:{}", g.id),
                name: g.name.clone(),
                side: g.side.clone(),
                holder: g.holder.clone(),
                category: g.category,
                taken: when(g.date, g.span.as_ref()),
                count: g.count,
                at_least: g.at_least,
                released,
                still_held: g.count.saturating_sub(released),
                latest_claim,
                releases: releases
                    .iter()
                    .map(|(x, _)| format!("exchange:{}", x.id))
                    .collect(),
            }
        })
        .collect()
}
