//! Reading an ICS file (RFC 5545) into the core's [`BusyEvent`]s, for a resource's busy times
//! ([`rdv_core::busy_times`]). The `icalendar` crate's parser splits the text into components
//! and properties (line unfolding, parameters, escapes); this module reads the values a busy
//! time needs from each `VEVENT`: `UID`, `DTSTART`, `DTEND`, `DURATION`, `RRULE`, `EXDATE`,
//! `RECURRENCE-ID`, `TRANSP` and `STATUS`. Every value it cannot read is a [`RowProblem`]
//! naming the event (its place in the file, the first is 1) and the property.
//!
//! Zones: a `TZID` is an IANA name (`Europe/Paris`), possibly behind a path prefix as some
//! clients write it (`/mozilla.org/20050126_1/Europe/Paris`), or one of the Windows names that
//! Outlook and Exchange write (`Romance Standard Time`), mapped to its IANA zone by the CLDR
//! table's main entries ([`WINDOWS_ZONES`]). `VTIMEZONE` definitions are not read: zone rules
//! come from the IANA database, which is what every calendar means by those names.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property, read_calendar, unfold};
use rdv_core::Timestamp;
use rdv_core::busy_times::{BusyEvent, EventTime};
use rdv_core::imports::RowProblem;

/// Windows zone names (as Outlook and Exchange write `TZID`) and the IANA zone the CLDR
/// `windowsZones` table maps each to (its territory "001" entry).
const WINDOWS_ZONES: [(&str, &str); 32] = [
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("India Standard Time", "Asia/Calcutta"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
];

/// The events of `bytes` (UTF-8 ICS text) and the problems of the file or of its values. An
/// event with a value that cannot be read is reported and left out.
pub fn read_busy_events(bytes: &[u8]) -> (Vec<BusyEvent>, Vec<RowProblem>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}'),
        Err(e) => {
            let message = format!(
                "the file is not UTF-8 (byte {}): save it as UTF-8",
                e.valid_up_to()
            );
            return (
                Vec::new(),
                vec![RowProblem::new(0, "", "encoding", message)],
            );
        }
    };
    let unfolded = unfold(text);
    let calendar = match read_calendar(&unfolded) {
        Ok(calendar) => calendar,
        Err(e) => {
            let first_line = e.lines().take(3).collect::<Vec<_>>().join(" ");
            let message = format!("not an iCalendar file: {first_line}");
            return (
                Vec::new(),
                vec![RowProblem::new(0, "", "malformed", message)],
            );
        }
    };
    let mut vevents = Vec::new();
    collect_events(&calendar.components, &mut vevents);
    if vevents.is_empty() && !unfolded.contains("BEGIN:VCALENDAR") {
        let message = "not an iCalendar file: no BEGIN:VCALENDAR";
        return (
            Vec::new(),
            vec![RowProblem::new(0, "", "malformed", message)],
        );
    }
    let mut events = Vec::with_capacity(vevents.len());
    let mut problems = Vec::new();
    for (i, component) in vevents.into_iter().enumerate() {
        match read_event(i + 1, component) {
            Ok(event) => events.push(event),
            Err(p) => problems.extend(p),
        }
    }
    (events, problems)
}

/// The `VEVENT`s among `components` and their children, in file order.
fn collect_events<'a>(components: &'a [Component<'a>], out: &mut Vec<&'a Component<'a>>) {
    for c in components {
        if c.name.as_str().eq_ignore_ascii_case("VEVENT") {
            out.push(c);
        } else {
            collect_events(&c.components, out);
        }
    }
}

fn props<'a>(c: &'a Component<'a>, name: &'a str) -> impl Iterator<Item = &'a Property<'a>> {
    c.properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn param<'a>(p: &'a Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// One event's values, or every value of it that cannot be read.
fn read_event(row: usize, c: &Component<'_>) -> Result<BusyEvent, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut time = |name: &str| -> Option<EventTime> {
        let p = props(c, name).next()?;
        match event_times(p) {
            Ok(mut times) if times.len() == 1 => times.pop(),
            Ok(_) => {
                problems.push(RowProblem::new(
                    row,
                    name,
                    "invalid_format",
                    "one value expected",
                ));
                None
            }
            Err((code, message)) => {
                problems.push(RowProblem::new(row, name, code, message));
                None
            }
        }
    };
    let start = time("DTSTART");
    let end = time("DTEND");
    let recurrence_id = time("RECURRENCE-ID");
    let mut exdates = Vec::new();
    for p in props(c, "EXDATE") {
        match event_times(p) {
            Ok(times) => exdates.extend(times),
            Err((code, message)) => problems.push(RowProblem::new(row, "EXDATE", code, message)),
        }
    }
    let duration_secs = match props(c, "DURATION").next() {
        None => None,
        Some(p) => match parse_duration(p.val.as_str()) {
            Some(secs) => Some(secs),
            None => {
                let message = format!("{:?} is not an RFC 5545 duration (PT1H30M)", p.val.as_str());
                problems.push(RowProblem::new(row, "DURATION", "invalid_format", message));
                None
            }
        },
    };
    let value = |name: &str| {
        props(c, name)
            .next()
            .map(|p| p.val.as_str().trim().to_owned())
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(BusyEvent {
        row,
        uid: value("UID").unwrap_or_default(),
        start,
        end,
        duration_secs,
        rrule: value("RRULE"),
        exdates,
        recurrence_id,
        transparent: value("TRANSP").is_some_and(|v| v.eq_ignore_ascii_case("TRANSPARENT")),
        cancelled: value("STATUS").is_some_and(|v| v.eq_ignore_ascii_case("CANCELLED")),
    })
}

/// The times of a date or date-time property (`EXDATE` may list several, comma-separated).
fn event_times(p: &Property<'_>) -> Result<Vec<EventTime>, (&'static str, String)> {
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let zone = match param(p, "TZID") {
        Some(name) => Some(zone_of(name).ok_or_else(|| {
            (
                "unknown_time_zone",
                format!("TZID {name:?} is neither an IANA zone nor a known Windows zone"),
            )
        })?),
        None => None,
    };
    p.val
        .as_str()
        .split(',')
        .map(str::trim)
        .map(|v| event_time(v, is_date, zone))
        .collect()
}

fn event_time(
    value: &str,
    is_date: bool,
    zone: Option<Tz>,
) -> Result<EventTime, (&'static str, String)> {
    let bad = || {
        (
            "invalid_format",
            format!("{value:?} is neither a date (20270301) nor a date-time (20270301T090000)"),
        )
    };
    if is_date || (value.len() == 8 && !value.contains('T')) {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(EventTime::Date)
            .map_err(|_| bad());
    }
    if let Some(utc) = value.strip_suffix('Z') {
        let wall = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(EventTime::Utc(Timestamp::from_utc(wall.and_utc())));
    }
    let wall = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
    Ok(match zone {
        Some(tz) => EventTime::Zoned(wall, tz),
        None => EventTime::Floating(wall),
    })
}

/// The IANA zone a `TZID` names ([the module's rules](self)).
fn zone_of(name: &str) -> Option<Tz> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
    {
        return iana.parse().ok();
    }
    // A path prefix: the longest suffix of segments that is an IANA name.
    let segments: Vec<&str> = name.split('/').filter(|s| !s.is_empty()).collect();
    (0..segments.len()).find_map(|i| segments[i..].join("/").parse::<Tz>().ok())
}

/// Seconds of an RFC 5545 duration (`P1W`, `P2D`, `PT1H30M`, `P1DT12H`, `-PT5M`), or `None`.
fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let rest = rest.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut read = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for ch in part.chars() {
            if ch.is_ascii_digit() {
                number.push(ch);
                continue;
            }
            let at = units[next_unit..].iter().position(|(u, _)| *u == ch)? + next_unit;
            let n: i64 = number.parse().ok()?;
            total = total.checked_add(n.checked_mul(units[at].1)?)?;
            number.clear();
            next_unit = at + 1;
        }
        number.is_empty().then_some(())
    };
    read(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
    if let Some(time) = time {
        read(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    if date.is_empty() && time.is_none() {
        return None;
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_weeks_days_and_times() {
        assert_eq!(parse_duration("PT1H30M"), Some(5400));
        assert_eq!(parse_duration("P1DT12H"), Some(129_600));
        assert_eq!(parse_duration("P2W"), Some(1_209_600));
        assert_eq!(parse_duration("-PT5M"), Some(-300));
        for bad in ["", "P", "PT", "1H", "PT1X", "PT30M1H", "P1H"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn zones_are_iana_windows_or_behind_a_path() {
        assert_eq!(zone_of("Europe/Paris"), Some(chrono_tz::Europe::Paris));
        assert_eq!(
            zone_of("Romance Standard Time"),
            Some(chrono_tz::Europe::Paris)
        );
        assert_eq!(
            zone_of("/mozilla.org/20050126_1/America/New_York"),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(zone_of("Mars/Olympus"), None);
    }

    #[test]
    fn an_outlook_event_reads_its_zone_rule_and_exceptions() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\n\
            UID:abc@example.com\r\nDTSTART;TZID=\"Romance Standard Time\":20270301T090000\r\n\
            DTEND;TZID=\"Romance Standard Time\":20270301T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n\
            EXDATE;TZID=\"Romance Standard Time\":20270308T090000,20270315T090000\r\n\
            TRANSP:OPAQUE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (events, problems) = read_busy_events(ics.as_bytes());
        assert_eq!(problems, []);
        let e = &events[0];
        assert_eq!(e.uid, "abc@example.com");
        let wall = |s| NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap();
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(
            e.start,
            Some(EventTime::Zoned(wall("20270301T090000"), paris))
        );
        assert_eq!(e.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=4"));
        assert_eq!(e.exdates.len(), 2);
        assert!(!e.transparent && !e.cancelled);
    }

    #[test]
    fn unreadable_values_and_files_are_problems() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Mars/Base:20270301T090000\r\n\
            DURATION:1H\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:2027-03-01\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let (events, problems) = read_busy_events(ics.as_bytes());
        assert_eq!(events, []);
        let found: Vec<(usize, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.field.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (1, "DTSTART", "unknown_time_zone"),
                (1, "DURATION", "invalid_format"),
                (2, "DTSTART", "invalid_format"),
            ]
        );
        let (_, problems) = read_busy_events(b"\xff\xfe not text");
        assert_eq!(problems[0].code, "encoding");
        let (_, problems) = read_busy_events(b"name,start\nx,y\n");
        assert_eq!(problems[0].code, "malformed");
    }
}
