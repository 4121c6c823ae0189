//! Integer proleptic-Gregorian arithmetic on day numbers (days since 1970-01-01, as in
//! [`crate::time::day_number`]) and month indices (`year * 12 + month - 1`), so expansion
//! never builds a `NaiveDate` per occurrence.

/// Days in a 400-year Gregorian cycle.
const CYCLE_DAYS: i64 = 146_097;
/// Day number of 0000-03-01, the start of the shifted (March-first) calendar year 0.
const MARCH_1_YEAR_0: i64 = -719_468;

/// `(year, month 1..=12, day 1..=31)` of a day number.
pub(super) fn civil_from_day(day: i64) -> (i64, u32, u32) {
    // Count from 0000-03-01 so the leap day is the last day of each shifted year.
    let z = day - MARCH_1_YEAR_0;
    let cycle = z.div_euclid(CYCLE_DAYS);
    let day_of_cycle = z.rem_euclid(CYCLE_DAYS); // 0..=146_096
    let year_of_cycle =
        (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36_524 - day_of_cycle / 146_096) / 365;
    let day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March … 11 = February
    let dom = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = cycle * 400 + year_of_cycle + i64::from(month <= 2);
    (year, month as u32, dom as u32)
}

/// Day number of a civil date (the inverse of [`civil_from_day`]); `dom` may exceed the month's
/// length, in which case the result runs into the next month.
pub(super) fn day_from_civil(year: i64, month: u32, dom: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let cycle = year.div_euclid(400);
    let year_of_cycle = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(dom) - 1;
    let day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    cycle * CYCLE_DAYS + day_of_cycle + MARCH_1_YEAR_0
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days of a month.
pub(super) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Month index (`year * 12 + month - 1`) of a day number.
pub(super) fn month_index_of_day(day: i64) -> i64 {
    let (y, m, _) = civil_from_day(day);
    y * 12 + i64::from(m) - 1
}

/// `(first day number, length in days)` of a month index.
pub(super) fn month_span(month_index: i64) -> (i64, u32) {
    let year = month_index.div_euclid(12);
    let month = month_index.rem_euclid(12) as u32 + 1;
    (day_from_civil(year, month, 1), days_in_month(year, month))
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDate};
    use proptest::prelude::*;

    use super::*;
    use crate::time::{date_of_day, day_number};

    proptest! {
        /// The integer calendar agrees with chrono over ±10 000 years.
        #[test]
        fn integer_calendar_agrees_with_chrono(day in -4_400_000i64..2_900_000) {
            let date = date_of_day(day);
            let (y, m, d) = civil_from_day(day);
            prop_assert_eq!((y, m, d), (i64::from(date.year()), date.month(), date.day()));
            prop_assert_eq!(day_from_civil(y, m, d), day);
            let (first, len) = month_span(month_index_of_day(day));
            prop_assert_eq!(first, day_number(date.with_day(1).unwrap()));
            let next = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap()
                .checked_add_months(chrono::Months::new(1)).unwrap();
            prop_assert_eq!(first + i64::from(len), day_number(next));
        }
    }
}
