#!/usr/bin/env python3
"""Writes the shared test vectors (vectors/*.json) of issue 5.

The expected outputs below are written by hand from the rules (ARCHITECTURE.md, the module docs
of rdv-core); the comment above each vector gives the reasoning. `core/tests/vectors.rs` checks
every vector against rdv-core, and each binding checks them through its own API. Run
`python3 vectors/generate.py` after editing this file and commit the regenerated JSON.

Offsets used: Europe/Paris is UTC+1 (CET) in winter and UTC+2 (CEST) in summer; 2026 changes
on Sun 29 March 02:00 -> 03:00 (01:00Z) and Sun 25 October 03:00 -> 02:00 (01:00Z).
America/New_York is UTC-5 (EST) / UTC-4 (EDT); 2026 changes on Sun 8 March 02:00 -> 03:00
(07:00Z) and Sun 1 November 02:00 -> 01:00 (06:00Z).
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
R1 = "00000000-0000-0000-0000-0000000000a1"
R2 = "00000000-0000-0000-0000-0000000000a2"
R9 = "00000000-0000-0000-0000-0000000000a9"
BIZ = "00000000-0000-0000-0000-0000000000b1"
OWNER = "00000000-0000-0000-0000-0000000000c1"
SVC = "00000000-0000-0000-0000-0000000000d1"
CLIENT = "00000000-0000-0000-0000-0000000000e1"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]

VECTORS = []


def vec(name, function, description, input, ok=None, error=None, fields=None):
    v = {"name": name, "function": function, "description": description, "input": input}
    if error is not None:
        v["expected"] = {"error": {"code": error}}
        if fields is not None:
            v["expected"]["error"]["fields"] = fields
    else:
        v["expected"] = {"ok": ok}
    VECTORS.append(v)


def rules(duration=60, step=None, before=0, after=0, notice=0, horizon=90, seats=1):
    return {
        "duration_minutes": duration,
        "step_minutes": step if step is not None else duration,
        "buffer_before_minutes": before,
        "buffer_after_minutes": after,
        "min_notice_minutes": notice,
        "horizon_days": horizon,
        "seats": seats,
    }


def hours(start, end, days=WEEKDAYS):
    return {d: [{"start": start, "end": end}] for d in days}


def snapshot(tz="Europe/Paris", opening=None, r=None, windows=None, busy=None, closures=None,
             resources=None):
    if resources is None:
        resources = [{"resource_id": R1, "windows": windows or [], "busy": busy or []}]
    return {
        "version": 1,
        "time_zone": tz,
        "opening_hours": opening if opening is not None else hours("09:00", "17:00"),
        "closures": closures or [],
        "rules": r or rules(),
        "resources": resources,
    }


def iv(a, b):
    return {"start": a, "end": b}


def busy(a, b, before=0, after=0, same=False):
    return {"start": a, "end": b, "buffer_before_minutes": before,
            "buffer_after_minutes": after, "same_service": same}


def q(f, t, now, limit=100):
    return {"from": f, "to": t, "now": now, "limit": limit}


def slot(start, end, seats=1, rid=R1):
    return {"resource_id": rid, "start": start, "end": end, "seats_left": seats}


def slots(*s, truncated=False):
    return {"slots": list(s), "truncated": truncated}


# Monday 1 June 2026, Paris summer time (UTC+2): 09:00 local = 07:00Z.
JUNE1 = [iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")]
JUNE = [iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")]
DAY1 = q("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-05-30T12:00:00Z")
MORNING = hours("09:00", "12:00")  # 07:00Z-10:00Z in June

# ---------------------------------------------------------------- compute_slots
vec("slots_basic_paris_summer", "compute_slots",
    "Mon 2026-06-01, open 09:00-12:00 Paris (UTC+2), 60-minute slots: 09, 10, 11 local.",
    {"snapshot": snapshot(opening=MORNING, windows=JUNE1), "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
          slot("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z")))

vec("slots_paris_spring_forward_weekend", "compute_slots",
    "Open Sat+Sun 09:00-12:00 Paris across 2026-03-29: Saturday is UTC+1 (08Z..), Sunday UTC+2 (07Z..).",
    {"snapshot": snapshot(opening=hours("09:00", "12:00", ["saturday", "sunday"]),
                          windows=[iv("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z")]),
     "query": q("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", "2026-03-20T00:00:00Z")},
    slots(slot("2026-03-28T08:00:00Z", "2026-03-28T09:00:00Z"),
          slot("2026-03-28T09:00:00Z", "2026-03-28T10:00:00Z"),
          slot("2026-03-28T10:00:00Z", "2026-03-28T11:00:00Z"),
          slot("2026-03-29T07:00:00Z", "2026-03-29T08:00:00Z"),
          slot("2026-03-29T08:00:00Z", "2026-03-29T09:00:00Z"),
          slot("2026-03-29T09:00:00Z", "2026-03-29T10:00:00Z")))

# Sunday 01:00-04:00 local on the spring-forward night: 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z,
# so only two real hours; the 30-minute grid runs in real time from 00:00Z.
vec("slots_paris_spring_forward_gap_night", "compute_slots",
    "Open Sun 01:00-04:00 Paris on 2026-03-29 (02:00-03:00 does not exist): 2 real hours, four 30-minute slots.",
    {"snapshot": snapshot(opening=hours("01:00", "04:00", ["sunday"]), r=rules(30),
                          windows=[iv("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z")]),
     "query": q("2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", "2026-03-20T00:00:00Z")},
    slots(slot("2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z"),
          slot("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"),
          slot("2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"),
          slot("2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z")))

# Sunday 01:00-04:00 local on the fall-back night: 01:00 CEST = 23:00Z (Sat), 04:00 CET = 03:00Z:
# four real hours.
vec("slots_paris_fall_back_night", "compute_slots",
    "Open Sun 01:00-04:00 Paris on 2026-10-25 (02:00-03:00 happens twice): 4 real hours, four 60-minute slots.",
    {"snapshot": snapshot(opening=hours("01:00", "04:00", ["sunday"]),
                          windows=[iv("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z")]),
     "query": q("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", "2026-10-20T00:00:00Z")},
    slots(slot("2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z"),
          slot("2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"),
          slot("2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"),
          slot("2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z")))

vec("slots_paris_fall_back_weekdays", "compute_slots",
    "Open Mon-Fri 09:00-11:00 Paris: Fri 2026-10-23 is UTC+2 (07Z, 08Z), Mon 2026-10-26 is UTC+1 (08Z, 09Z).",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"),
                          windows=[iv("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z")]),
     "query": q("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z", "2026-10-20T00:00:00Z")},
    slots(slot("2026-10-23T07:00:00Z", "2026-10-23T08:00:00Z"),
          slot("2026-10-23T08:00:00Z", "2026-10-23T09:00:00Z"),
          slot("2026-10-26T08:00:00Z", "2026-10-26T09:00:00Z"),
          slot("2026-10-26T09:00:00Z", "2026-10-26T10:00:00Z")))

vec("slots_new_york_spring_forward", "compute_slots",
    "Open Mon-Fri 09:00-11:00 New York: Fri 2026-03-06 is UTC-5 (14Z, 15Z), Mon 2026-03-09 is UTC-4 (13Z, 14Z).",
    {"snapshot": snapshot(tz="America/New_York", opening=hours("09:00", "11:00"),
                          windows=[iv("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z")]),
     "query": q("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z", "2026-03-01T00:00:00Z")},
    slots(slot("2026-03-06T14:00:00Z", "2026-03-06T15:00:00Z"),
          slot("2026-03-06T15:00:00Z", "2026-03-06T16:00:00Z"),
          slot("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"),
          slot("2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z")))

vec("slots_new_york_fall_back", "compute_slots",
    "Open Mon-Fri 09:00-11:00 New York: Fri 2026-10-30 is UTC-4 (13Z, 14Z), Mon 2026-11-02 is UTC-5 (14Z, 15Z).",
    {"snapshot": snapshot(tz="America/New_York", opening=hours("09:00", "11:00"),
                          windows=[iv("2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z")]),
     "query": q("2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z", "2026-10-25T00:00:00Z")},
    slots(slot("2026-10-30T13:00:00Z", "2026-10-30T14:00:00Z"),
          slot("2026-10-30T14:00:00Z", "2026-10-30T15:00:00Z"),
          slot("2026-11-02T14:00:00Z", "2026-11-02T15:00:00Z"),
          slot("2026-11-02T15:00:00Z", "2026-11-02T16:00:00Z")))

# 01:00 EST = 06:00Z, 04:00 EDT = 08:00Z.
vec("slots_new_york_gap_night", "compute_slots",
    "Open Sun 01:00-04:00 New York on 2026-03-08 (02:00-03:00 does not exist): 2 real hours, two 60-minute slots.",
    {"snapshot": snapshot(tz="America/New_York", opening=hours("01:00", "04:00", ["sunday"]),
                          windows=[iv("2026-03-07T00:00:00Z", "2026-03-09T00:00:00Z")]),
     "query": q("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", "2026-03-01T00:00:00Z")},
    slots(slot("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"),
          slot("2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z")))

# Busy 08Z-09Z, service buffers 15 before / 15 after; open 07Z-11Z. 07Z: blocked to 08:15 -> buffer;
# 08Z overlap; 09Z: blocked from 08:45 -> buffer; 10Z free.
vec("slots_service_buffers", "compute_slots",
    "Service buffers of 15 minutes on both sides refuse the slots next to a reservation.",
    {"snapshot": snapshot(opening=hours("09:00", "13:00"), r=rules(60, before=15, after=15),
                          windows=JUNE1, busy=[busy("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")]),
     "query": DAY1},
    slots(slot("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")))

# Busy 08Z-09Z with its own 30-minute buffer after: blocks until 09:30Z. 07Z ends exactly at 08Z (free).
vec("slots_reservation_buffers", "compute_slots",
    "A reservation's own buffer after (30 min) blocks the next slot; touching the reservation start is fine.",
    {"snapshot": snapshot(opening=hours("09:00", "13:00"), windows=JUNE1,
                          busy=[busy("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z", after=30)]),
     "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")))

vec("slots_minimum_notice", "compute_slots",
    "120-minute notice at now=06:30Z: the earliest start is 08:30Z, so the grid resumes at 09Z.",
    {"snapshot": snapshot(opening=hours("09:00", "13:00"), r=rules(60, notice=120), windows=JUNE1),
     "query": q("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-06-01T06:30:00Z")},
    slots(slot("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"),
          slot("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")))

vec("slots_horizon", "compute_slots",
    "Horizon of 1 day from now=Mon 06:00Z: Monday's slots only, Tuesday 07Z is after the latest start.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), r=rules(60, horizon=1), windows=JUNE),
     "query": q("2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z", "2026-06-01T06:00:00Z")},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")))

vec("slots_past_skipped", "compute_slots",
    "now=Mon 07:30Z: Monday 07Z is in the past; 08Z and Tuesday remain.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), windows=JUNE),
     "query": q("2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z", "2026-06-01T07:30:00Z")},
    slots(slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
          slot("2026-06-02T07:00:00Z", "2026-06-02T08:00:00Z"),
          slot("2026-06-02T08:00:00Z", "2026-06-02T09:00:00Z")))

vec("slots_closure_day", "compute_slots",
    "A whole-day closure on Tue 2026-06-02 (public holiday) removes that day only.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), windows=JUNE,
                          closures=[{"kind": "days", "first_day": "2026-06-02",
                                     "last_day": "2026-06-02", "reason": "holiday"}]),
     "query": q("2026-06-01T00:00:00Z", "2026-06-04T00:00:00Z", "2026-05-30T00:00:00Z")},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
          slot("2026-06-03T07:00:00Z", "2026-06-03T08:00:00Z"),
          slot("2026-06-03T08:00:00Z", "2026-06-03T09:00:00Z")))

vec("slots_closure_period", "compute_slots",
    "A closure 07:30Z-08:00Z refuses the 07Z slot it touches; the grid does not move (08Z stays).",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), windows=JUNE1,
                          closures=[{"kind": "period",
                                     "interval": iv("2026-06-01T07:30:00Z", "2026-06-01T08:00:00Z")}]),
     "query": DAY1},
    slots(slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")))

vec("slots_group_seats_left", "compute_slots",
    "Group service with 3 seats: two same-service bookings at 07Z leave 1 seat; 08Z has 3.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), r=rules(60, seats=3), windows=JUNE1,
                          busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", same=True)] * 2),
     "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", 1),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z", 3)))

vec("slots_group_full", "compute_slots",
    "Group service with 3 seats: three same-service bookings at 07Z fill it, so it is not offered.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), r=rules(60, seats=3), windows=JUNE1,
                          busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", same=True)] * 3),
     "query": DAY1},
    slots(slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z", 3)))

vec("slots_group_blocked_by_other_service", "compute_slots",
    "Group service: a booking of another service at 07Z blocks the slot even with seats.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), r=rules(60, seats=3), windows=JUNE1,
                          busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z")]),
     "query": DAY1},
    slots(slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z", 3)))

vec("slots_two_resources_sorted", "compute_slots",
    "Two resources with different windows: slots of both, sorted by start (R1 first on a tie).",
    {"snapshot": snapshot(opening=hours("09:00", "13:00"), resources=[
        {"resource_id": R1, "windows": [iv("2026-06-01T07:00:00Z", "2026-06-01T09:00:00Z")], "busy": []},
        {"resource_id": R2, "windows": [iv("2026-06-01T08:00:00Z", "2026-06-01T10:00:00Z")], "busy": []}]),
     "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z", rid=R2),
          slot("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z", rid=R2)))

vec("slots_truncated_by_limit", "compute_slots",
    "limit=2 on a day with 3 slots: the first two, truncated=true.",
    {"snapshot": snapshot(opening=MORNING, windows=JUNE1), "query": dict(DAY1, limit=2)},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"), truncated=True))

vec("slots_empty_no_windows", "compute_slots",
    "A resource without availability windows offers nothing.",
    {"snapshot": snapshot(opening=MORNING, windows=[]), "query": DAY1}, slots())

vec("slots_empty_weekend", "compute_slots",
    "Open Monday-Friday only: a weekend query (Sat 6 - Mon 8 June 00:00Z) is empty.",
    {"snapshot": snapshot(opening=MORNING, windows=JUNE),
     "query": q("2026-06-06T00:00:00Z", "2026-06-08T00:00:00Z", "2026-06-01T00:00:00Z")}, slots())

vec("slots_window_clipped_by_hours", "compute_slots",
    "Window 06Z-08Z (08:00-10:00 local) with hours from 09:00: only 07Z-08Z is bookable.",
    {"snapshot": snapshot(windows=[iv("2026-06-01T06:00:00Z", "2026-06-01T08:00:00Z")]), "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z")))

vec("slots_step_shorter_than_duration", "compute_slots",
    "60-minute service every 30 minutes in 09:00-11:00 local: starts 07:00Z, 07:30Z, 08:00Z.",
    {"snapshot": snapshot(opening=hours("09:00", "11:00"), r=rules(60, step=30), windows=JUNE1),
     "query": DAY1},
    slots(slot("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"),
          slot("2026-06-01T07:30:00Z", "2026-06-01T08:30:00Z"),
          slot("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")))

vec("slots_error_invalid_interval", "compute_slots", "to is not after from.",
    {"snapshot": snapshot(windows=JUNE1),
     "query": q("2026-06-02T00:00:00Z", "2026-06-01T00:00:00Z", "2026-05-30T00:00:00Z")},
    error="INVALID_INTERVAL")

vec("slots_error_range_too_large", "compute_slots", "A 400-day query exceeds the 366-day maximum.",
    {"snapshot": snapshot(windows=JUNE1),
     "query": q("2026-01-01T00:00:00Z", "2027-02-05T00:00:00Z", "2025-12-30T00:00:00Z")},
    error="RANGE_TOO_LARGE")

vec("slots_error_snapshot_version", "compute_slots",
    "A version-2 snapshot (with a field this engine does not know) is refused as such.",
    {"snapshot": dict(snapshot(windows=JUNE1), version=2, future_field=True), "query": DAY1},
    error="UNSUPPORTED_SNAPSHOT_VERSION")

vec("slots_error_unknown_time_zone", "compute_slots", "Mars/Olympus is not an IANA zone.",
    {"snapshot": snapshot(tz="Mars/Olympus", windows=JUNE1), "query": DAY1},
    error="UNKNOWN_TIME_ZONE")

vec("slots_error_invalid_rules", "compute_slots",
    "duration 0 and seats 0: one VALIDATION_FAILED listing both fields.",
    {"snapshot": snapshot(r=rules(0, step=30, seats=0), windows=JUNE1), "query": DAY1},
    error="VALIDATION_FAILED", fields=["rules.duration_minutes", "rules.seats"])

vec("slots_error_limit_zero", "compute_slots", "limit 0 is refused on the field limit.",
    {"snapshot": snapshot(windows=JUNE1), "query": dict(DAY1, limit=0)},
    error="VALIDATION_FAILED", fields=["limit"])

vec("slots_error_malformed_snapshot", "compute_slots",
    "A snapshot whose resources is not a list is refused on the field snapshot.",
    {"snapshot": dict(snapshot(windows=JUNE1), resources=7), "query": DAY1},
    error="VALIDATION_FAILED", fields=["snapshot"])

# ---------------------------------------------------------------- check_slot
BASE = snapshot(opening=hours("09:00", "13:00"), windows=JUNE1)


def check(name, desc, snap, start, now="2026-05-30T12:00:00Z", rid=R1, ok=None, error=None):
    vec(name, "check_slot", desc, {"snapshot": snap, "resource_id": rid, "start": start, "now": now},
        ok={"seats_left": ok} if error is None else None, error=error)


check("check_ok", "09:00 local on an open, free day: bookable, 1 seat.", BASE,
      "2026-06-01T07:00:00Z", ok=1)
check("check_slot_in_past", "Start 07Z when now is 08Z.", BASE, "2026-06-01T07:00:00Z",
      now="2026-06-01T08:00:00Z", error="SLOT_IN_PAST")
check("check_minimum_notice", "120-minute notice, now 06Z, start 07Z.",
      snapshot(opening=hours("09:00", "13:00"), r=rules(60, notice=120), windows=JUNE1),
      "2026-06-01T07:00:00Z", now="2026-06-01T06:00:00Z", error="MINIMUM_NOTICE")
check("check_beyond_horizon", "1-day horizon, now Sat 00Z, start Mon 07Z.",
      snapshot(opening=hours("09:00", "13:00"), r=rules(60, horizon=1), windows=JUNE1),
      "2026-06-01T07:00:00Z", now="2026-05-30T00:00:00Z", error="BEYOND_BOOKING_HORIZON")
check("check_outside_availability", "Window 07Z-09Z only; 10Z is open but not available.",
      snapshot(opening=hours("09:00", "13:00"), windows=[iv("2026-06-01T07:00:00Z", "2026-06-01T09:00:00Z")]),
      "2026-06-01T10:00:00Z", error="OUTSIDE_AVAILABILITY")
check("check_outside_opening_hours", "Available all day, but 05Z is 07:00 local, before opening.",
      BASE, "2026-06-01T05:00:00Z", error="OUTSIDE_OPENING_HOURS")
check("check_business_closed", "Closed for the day (days closure) on 2026-06-01.",
      snapshot(opening=hours("09:00", "13:00"), windows=JUNE1,
               closures=[{"kind": "days", "first_day": "2026-06-01", "last_day": "2026-06-01"}]),
      "2026-06-01T07:00:00Z", error="BUSINESS_CLOSED")
check("check_not_on_grid", "07:15Z is between the 07Z and 08Z grid points.", BASE,
      "2026-06-01T07:15:00Z", error="NOT_ON_SLOT_GRID")
check("check_booking_overlap", "Reservation 07Z-08Z already there.",
      snapshot(opening=hours("09:00", "13:00"), windows=JUNE1,
               busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z")]),
      "2026-06-01T07:00:00Z", error="BOOKING_OVERLAP")
check("check_buffer_conflict", "Service buffer after 15 min reaches the reservation at 08Z.",
      snapshot(opening=hours("09:00", "13:00"), r=rules(60, after=15), windows=JUNE1,
               busy=[busy("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")]),
      "2026-06-01T07:00:00Z", error="BUFFER_CONFLICT")
check("check_slot_full", "Two seats, both taken by same-service bookings.",
      snapshot(opening=hours("09:00", "13:00"), r=rules(60, seats=2), windows=JUNE1,
               busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", same=True)] * 2),
      "2026-06-01T07:00:00Z", error="SLOT_FULL")
check("check_group_seats_left", "Three seats, one taken: 2 left.",
      snapshot(opening=hours("09:00", "13:00"), r=rules(60, seats=3), windows=JUNE1,
               busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", same=True)]),
      "2026-06-01T07:00:00Z", ok=2)
check("check_unknown_resource", "The resource is not in the snapshot.", BASE,
      "2026-06-01T07:00:00Z", rid=R9, error="NOT_FOUND")
GAP = snapshot(opening=hours("01:00", "04:00", ["sunday"]), r=rules(30),
               windows=[iv("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z")])
check("check_dst_gap_slot", "01:30Z on 2026-03-29 is 03:30 CEST, on the real-time grid from 00:00Z.",
      GAP, "2026-03-29T01:30:00Z", now="2026-03-20T00:00:00Z", ok=1)
check("check_dst_gap_after_close", "02:00Z is 04:00 CEST, closing time: outside opening hours.",
      GAP, "2026-03-29T02:00:00Z", now="2026-03-20T00:00:00Z", error="OUTSIDE_OPENING_HOURS")

# ---------------------------------------------------------------- explain_candidates
vec("explain_mixed_verdicts", "explain_candidates",
    "Every grid point of the morning with its verdict: past, overlapping, free.",
    {"snapshot": snapshot(opening=MORNING, windows=JUNE1,
                          busy=[busy("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")]),
     "query": q("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-06-01T07:30:00Z")},
    [{"resource_id": R1, "start": "2026-06-01T07:00:00Z", "end": "2026-06-01T08:00:00Z",
      "seats_left": None, "code": "SLOT_IN_PAST"},
     {"resource_id": R1, "start": "2026-06-01T08:00:00Z", "end": "2026-06-01T09:00:00Z",
      "seats_left": None, "code": "BOOKING_OVERLAP"},
     {"resource_id": R1, "start": "2026-06-01T09:00:00Z", "end": "2026-06-01T10:00:00Z",
      "seats_left": 1, "code": None}])

vec("explain_closed_and_full", "explain_candidates",
    "Group of 2 seats: 07Z full, 08Z in a closure, 09Z free with 2 seats.",
    {"snapshot": snapshot(opening=MORNING, r=rules(60, seats=2), windows=JUNE1,
                          busy=[busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", same=True)] * 2,
                          closures=[{"kind": "period",
                                     "interval": iv("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")}]),
     "query": DAY1},
    [{"resource_id": R1, "start": "2026-06-01T07:00:00Z", "end": "2026-06-01T08:00:00Z",
      "seats_left": None, "code": "SLOT_FULL"},
     {"resource_id": R1, "start": "2026-06-01T08:00:00Z", "end": "2026-06-01T09:00:00Z",
      "seats_left": None, "code": "BUSINESS_CLOSED"},
     {"resource_id": R1, "start": "2026-06-01T09:00:00Z", "end": "2026-06-01T10:00:00Z",
      "seats_left": 2, "code": None}])

vec("explain_empty", "explain_candidates", "No window, no candidate.",
    {"snapshot": snapshot(opening=MORNING, windows=[]), "query": DAY1}, [])

# ---------------------------------------------------------------- validate_booking
BUSINESS = {
    "id": BIZ, "owner_id": OWNER, "name": "Salon", "domain": "coiffure", "description": "",
    "city": "Paris", "address": {"street": "1 rue de Rivoli", "postal_code": "75001",
                                 "city": "Paris", "country": "FR"},
    "time_zone": "Europe/Paris", "status": "validated", "opening_hours": hours("09:00", "13:00"),
    "closures": [],
}
SERVICE = {
    "id": SVC, "business_id": BIZ, "name": "Cut", "description": "",
    "price": {"amount_minor": 3500, "currency": "EUR"}, "category": None, "tags": [],
    "active": True, "rules": rules(60, before=5, after=10), "resource_ids": [R1, R2],
    "cancellation_deadline_minutes": 1440, "max_reschedules": 2,
}
TWO = snapshot(opening=hours("09:00", "13:00"), r=rules(60, before=5, after=10), resources=[
    {"resource_id": R1, "windows": JUNE1, "busy": []},
    {"resource_id": R2, "windows": JUNE1, "busy": []}])


def booking(name, desc, error=None, ok=None, business=BUSINESS, service=SERVICE, snap=TWO,
            resource=None, start="2026-06-01T07:00:00Z", client_busy=()):
    vec(name, "validate_booking", desc, {
        "business": business, "service": service, "snapshot": snap, "client_id": CLIENT,
        "client_busy": list(client_busy),
        "request": {"service_id": SVC, "resource_id": resource, "start": start},
        "now": "2026-05-30T12:00:00Z"}, ok=ok, error=error)


def valid(rid, seats=1):
    return {"client_id": CLIENT, "service_id": SVC, "resource_id": rid,
            "interval": iv("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"), "seats_left": seats,
            "price": {"amount_minor": 3500, "currency": "EUR"},
            "buffer_before_minutes": 5, "buffer_after_minutes": 10}


booking("booking_ok_first_resource", "Any resource: the first eligible one (R1) is free.", ok=valid(R1))
busy_r1 = copy.deepcopy(TWO)
busy_r1["resources"][0]["busy"] = [busy("2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z")]
booking("booking_ok_second_resource", "Any resource: R1 is booked at 07Z, so R2 is chosen.",
        snap=busy_r1, ok=valid(R2))
booking("booking_chosen_resource_busy", "R1 chosen explicitly but booked at 07Z.",
        snap=busy_r1, resource=R1, error="BOOKING_OVERLAP")
both = copy.deepcopy(busy_r1)
both["resources"][1]["busy"] = [busy("2026-06-01T07:30:00Z", "2026-06-01T08:30:00Z")]
booking("booking_all_resources_busy", "Both resources booked: the first resource's error is reported.",
        snap=both, error="BOOKING_OVERLAP")
booking("booking_business_not_validated", "The business awaits validation.",
        business=dict(BUSINESS, status="pending"), error="BUSINESS_NOT_VALIDATED")
booking("booking_service_inactive", "The service is deactivated.",
        service=dict(SERVICE, active=False), error="SERVICE_INACTIVE")
booking("booking_resource_not_eligible", "R9 does not perform the service.",
        resource=R9, error="RESOURCE_NOT_ELIGIBLE")
booking("booking_client_double_booked", "The client holds another reservation 07:30Z-08:30Z.",
        client_busy=[iv("2026-06-01T07:30:00Z", "2026-06-01T08:30:00Z")], error="CLIENT_DOUBLE_BOOKED")
booking("booking_not_on_grid", "07:20Z is not a slot start.", start="2026-06-01T07:20:00Z",
        error="NOT_ON_SLOT_GRID")

# ---------------------------------------------------------------- overlaps
IVS = [iv("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
       iv("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"),
       iv("2026-06-01T08:30:00Z", "2026-06-01T09:30:00Z"),
       iv("2026-06-01T11:00:00Z", "2026-06-01T12:00:00Z")]
vec("overlaps_some", "find_overlaps",
    "Query 09:00-09:30Z: [1] and [2] overlap; [0] only touches (ends at 09:00).",
    {"intervals": IVS, "query": iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z")}, {"indices": [1, 2]})
vec("overlaps_touching_only", "find_overlaps",
    "Query 10:00-11:00Z touches [1] and [3] but shares no instant: none.",
    {"intervals": IVS, "query": iv("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")}, {"indices": []})
vec("overlaps_invalid_interval", "find_overlaps", "An interval whose end equals its start.",
    {"intervals": [iv("2026-06-01T08:00:00Z", "2026-06-01T08:00:00Z")],
     "query": iv("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")}, error="INVALID_INTERVAL")
vec("overlapping_pair_found", "find_overlapping_pair",
    "Windows created together: [1] 09-10Z and [2] 09:30-10:30Z collide.",
    {"intervals": [iv("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"),
                   iv("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"),
                   iv("2026-06-01T09:30:00Z", "2026-06-01T10:30:00Z")]}, {"pair": [1, 2]})
vec("overlapping_pair_none", "find_overlapping_pair", "Touching windows never collide.",
    {"intervals": [iv("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"),
                   iv("2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")]}, {"pair": None})

# ---------------------------------------------------------------- expand_recurrence
YEAR = iv("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")


def rec(name, desc, rule, dtstart, tz="Europe/Paris", exdates=(), window=YEAR, limit=100,
        occ=None, truncated=False, error=None):
    vec(name, "expand_recurrence", desc,
        {"rule": rule, "dtstart": dtstart, "time_zone": tz, "exdates": list(exdates),
         "window": window, "limit": limit},
        ok={"occurrences": occ, "truncated": truncated} if error is None else None, error=error)


rec("recurrence_weekly_across_paris_spring_forward",
    "Mondays and Wednesdays 09:00 Paris from 2026-03-23: 08Z before the change, 07Z after.",
    "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", "2026-03-23T09:00:00",
    occ=["2026-03-23T08:00:00Z", "2026-03-25T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-01T07:00:00Z"])
rec("recurrence_daily_across_new_york_fall_back",
    "Daily 09:00 New York from Sat 2026-10-31: 13Z (EDT) then 14Z (EST).",
    "FREQ=DAILY;COUNT=3", "2026-10-31T09:00:00", tz="America/New_York",
    occ=["2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z"])
rec("recurrence_time_in_spring_forward_gap",
    "Daily 02:30 Paris: on 2026-03-29 02:30 does not exist and is read with the CET offset (01:30Z = 03:30 CEST).",
    "FREQ=DAILY;COUNT=3", "2026-03-28T02:30:00",
    occ=["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
rec("recurrence_repeated_time_fall_back",
    "Daily 02:30 Paris: on 2026-10-25 02:30 happens twice; the first (CEST, 00:30Z) is used.",
    "FREQ=DAILY;COUNT=3", "2026-10-24T02:30:00",
    occ=["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
rec("recurrence_exdate",
    "Weekly Mondays 10:00 Paris, COUNT=3 counts the excluded 8 June: two occurrences remain.",
    "FREQ=WEEKLY;COUNT=3", "2026-06-01T10:00:00", exdates=["2026-06-08T10:00:00"],
    occ=["2026-06-01T08:00:00Z", "2026-06-15T08:00:00Z"])
rec("recurrence_truncated", "Daily without end, limit 2: two occurrences and truncated=true.",
    "FREQ=DAILY", "2026-06-01T10:00:00", window=iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"),
    limit=2, occ=["2026-06-01T08:00:00Z", "2026-06-02T08:00:00Z"], truncated=True)
rec("recurrence_monthly_last_friday",
    "Last Friday of the month 18:00 New York: Jan 30 and Feb 27 (EST, 23Z), Mar 27 (EDT, 22Z).",
    "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "2026-01-30T18:00:00", tz="America/New_York",
    occ=["2026-01-30T23:00:00Z", "2026-02-27T23:00:00Z", "2026-03-27T22:00:00Z"])
rec("recurrence_window_clips", "Daily COUNT=5 from 1 June; the window keeps 3 and 4 June only.",
    "FREQ=DAILY;COUNT=5", "2026-06-01T10:00:00",
    window=iv("2026-06-03T00:00:00Z", "2026-06-05T00:00:00Z"),
    occ=["2026-06-03T08:00:00Z", "2026-06-04T08:00:00Z"])
rec("recurrence_empty_window", "A window entirely before DTSTART holds nothing.",
    "FREQ=DAILY", "2026-06-01T10:00:00", window=iv("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
    occ=[])
rec("recurrence_invalid_rule", "FREQ=HOURLY is not supported.", "FREQ=HOURLY", "2026-06-01T10:00:00",
    error="INVALID_RECURRENCE")
rec("recurrence_until_before_dtstart", "UNTIL before DTSTART is refused.",
    "FREQ=DAILY;UNTIL=20260101T000000Z", "2026-06-01T10:00:00", error="INVALID_RECURRENCE")
rec("recurrence_unknown_time_zone", "Europe/Atlantis is not an IANA zone.", "FREQ=DAILY",
    "2026-06-01T10:00:00", tz="Europe/Atlantis", error="UNKNOWN_TIME_ZONE")
rec("recurrence_invalid_window", "A window whose end is before its start.", "FREQ=DAILY",
    "2026-06-01T10:00:00", window=iv("2026-07-01T00:00:00Z", "2026-06-01T00:00:00Z"),
    error="INVALID_INTERVAL")


def main():
    for old in os.listdir(HERE):
        if old.endswith(".json"):
            os.remove(os.path.join(HERE, old))
    names = set()
    for v in VECTORS:
        assert v["name"] not in names, v["name"]
        names.add(v["name"])
        with open(os.path.join(HERE, v["name"] + ".json"), "w") as f:
            json.dump(v, f, indent=2)
            f.write("\n")
    print(f"wrote {len(VECTORS)} vectors")


if __name__ == "__main__":
    main()
