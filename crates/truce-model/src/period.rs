//! Calendar periods ("5 years", "6 months") and the date arithmetic of deadlines and terms.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};
use serde::{Serialize, Serializer};
use std::fmt;

/// A whole number of years, months, weeks or days, as written in agreement files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// How many units.
    pub count: i32,
    /// Which unit.
    pub unit: PeriodUnit,
}

/// The unit of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    /// Calendar years.
    Year,
    /// Calendar months.
    Month,
    /// Weeks of seven days.
    Week,
    /// Days.
    Day,
}

impl Period {
    /// Reads "5 years", "1 month", "10 days", "2 weeks".
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("`{s}` is not a period"));
        };
        let count: i32 = n
            .parse()
            .map_err(|_| format!("`{n}` is not a whole number"))?;
        if !(1..=1000).contains(&count) {
            return Err(format!(
                "a period must be between 1 and 1000 units, not {count}"
            ));
        }
        let unit = match unit.trim_end_matches('s') {
            "year" => PeriodUnit::Year,
            "month" => PeriodUnit::Month,
            "week" => PeriodUnit::Week,
            "day" => PeriodUnit::Day,
            other => {
                return Err(format!(
                    "`{other}` is not a unit (years, months, weeks, days)"
                ));
            }
        };
        Ok(Self { count, unit })
    }

    fn span(self) -> Span {
        let n = i64::from(self.count);
        match self.unit {
            PeriodUnit::Year => n.years(),
            PeriodUnit::Month => n.months(),
            PeriodUnit::Week => n.weeks(),
            PeriodUnit::Day => n.days(),
        }
    }

    /// `date` plus this period; month ends clamp (31 Jan + 1 month = 28/29 Feb).
    pub fn after(self, date: Date) -> Option<Date> {
        date.checked_add(self.span()).ok()
    }

    /// `date` minus this period.
    pub fn before(self, date: Date) -> Option<Date> {
        date.checked_sub(self.span()).ok()
    }
}

impl Period {
    /// The length as a part of a sentence each language writes ("5 years", "5 лет").
    pub fn part(self) -> crate::i18n::Part {
        crate::i18n::Part::Period {
            count: i64::from(self.count),
            unit: self.unit.as_str(),
        }
    }
}

impl PeriodUnit {
    /// The unit's word: `year`, `month`, `week` or `day`.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodUnit::Year => "year",
            PeriodUnit::Month => "month",
            PeriodUnit::Week => "week",
            PeriodUnit::Day => "day",
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.unit.as_str();
        let s = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {unit}{s}", self.count)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The instant a local calendar day begins in `tz`.
pub fn start_of_day(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    date.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The instants local days begin in one time zone, each worked out once: a file of a
/// million rows names a few thousand days, and each conversion walks the zone's rules.
#[derive(Debug)]
pub struct DayStarts<'a> {
    tz: &'a TimeZone,
    known: std::collections::HashMap<Date, Option<Timestamp>>,
}

impl<'a> DayStarts<'a> {
    /// Days remembered at most; past that, each is worked out again.
    const MEMO: usize = 1 << 16;

    /// Day starts in `tz`.
    pub fn new(tz: &'a TimeZone) -> Self {
        Self {
            tz,
            known: std::collections::HashMap::new(),
        }
    }

    /// The instant the day `days` days after `date` begins (see [`start_of_day`]); `None`
    /// out of range.
    pub fn day(&mut self, date: Date, days: i64) -> Option<Timestamp> {
        let d = date.checked_add(days.days()).ok()?;
        if let Some(&t) = self.known.get(&d) {
            return t;
        }
        let t = start_of_day(d, self.tz);
        if self.known.len() < Self::MEMO {
            self.known.insert(d, t);
        }
        t
    }
}

/// The local calendar date of an instant in `tz`.
pub fn local_date(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned_datetime(tz.clone()).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_read_singular_and_plural_units() {
        assert_eq!(
            Period::parse("5 years"),
            Ok(Period {
                count: 5,
                unit: PeriodUnit::Year
            })
        );
        assert_eq!(
            Period::parse("1 month"),
            Ok(Period {
                count: 1,
                unit: PeriodUnit::Month
            })
        );
        assert!(Period::parse("five years").is_err());
        assert!(Period::parse("5 fortnights").is_err());
        assert!(Period::parse("0 days").is_err());
    }

    #[test]
    fn month_arithmetic_clamps_at_month_end() {
        let p = Period::parse("1 month").expect("period");
        assert_eq!(p.after(date(2021, 1, 31)), Some(date(2021, 2, 28)));
        assert_eq!(
            Period::parse("6 months")
                .expect("p")
                .before(date(2025, 11, 10)),
            Some(date(2025, 5, 10))
        );
    }
}
