"""Runs every shared vector (vectors/*.json) through the generated Python bindings.

Usage: python3 test_vectors.py <dir with rdv_mobile.py and librdv_mobile.so> <vectors dir>
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
import rdv_mobile as rdv  # noqa: E402

VECTORS = sys.argv[2]


def iv(d):
    return rdv.TimeInterval(start=d["start"], end=d["end"])


def query(d):
    return rdv.SlotQuery(_from=d["from"], to=d["to"], now=d["now"], limit=d["limit"])


def call(fn, i):
    snap = lambda: json.dumps(i["snapshot"])  # noqa: E731
    if fn == "compute_slots":
        r = rdv.compute_slots(snap(), query(i["query"]))
        return {"slots": [{"resource_id": s.resource_id, "start": s.start, "end": s.end,
                           "seats_left": s.seats_left} for s in r.slots],
                "truncated": r.truncated}
    if fn == "explain_candidates":
        return [{"resource_id": c.resource_id, "start": c.start, "end": c.end,
                 "seats_left": c.seats_left, "code": c.code}
                for c in rdv.explain_candidates(snap(), query(i["query"]))]
    if fn == "check_slot":
        return {"seats_left": rdv.check_slot(snap(), i["resource_id"], i["start"], i["now"])}
    if fn == "validate_booking":
        req = i["request"]
        v = rdv.validate_booking(
            json.dumps(i["business"]), json.dumps(i["service"]), snap(), i["client_id"],
            [iv(b) for b in i["client_busy"]],
            rdv.BookingRequest(service_id=req["service_id"], resource_id=req["resource_id"],
                               start=req["start"]),
            i["now"])
        return {"client_id": v.client_id, "service_id": v.service_id,
                "resource_id": v.resource_id,
                "interval": {"start": v.interval.start, "end": v.interval.end},
                "seats_left": v.seats_left,
                "price": {"amount_minor": v.price.amount_minor, "currency": v.price.currency},
                "buffer_before_minutes": v.buffer_before_minutes,
                "buffer_after_minutes": v.buffer_after_minutes}
    if fn == "find_overlaps":
        return {"indices": rdv.find_overlaps([iv(x) for x in i["intervals"]], iv(i["query"]))}
    if fn == "find_overlapping_pair":
        return {"pair": rdv.find_overlapping_pair([iv(x) for x in i["intervals"]])}
    if fn == "expand_recurrence":
        e = rdv.expand_recurrence(rdv.RecurrenceInput(
            rule=i["rule"], dtstart=i["dtstart"], time_zone=i["time_zone"],
            exdates=i["exdates"], window=iv(i["window"]), limit=i["limit"]))
        return {"occurrences": e.occurrences, "truncated": e.truncated}
    raise ValueError(fn)


def outcome(v):
    try:
        return {"ok": call(v["function"], v["input"])}
    except rdv.RdvError.Failure as e:
        err = {"code": e.code}
        assert e.message, "the exception carries the core's message"
        if "fields" in v["expected"].get("error", {}):
            err["fields"] = [f.field for f in e.fields]
        return {"error": err}


def main():
    names = sorted(f for f in os.listdir(VECTORS) if f.endswith(".json"))
    assert len(names) >= 40, len(names)
    failed = 0
    for name in names:
        with open(os.path.join(VECTORS, name)) as f:
            v = json.load(f)
        got = outcome(v)
        if got != v["expected"]:
            failed += 1
            print(f"FAIL {v['name']}\n  expected {v['expected']}\n  got      {got}")
    # A direct call: the exception is typed and carries the stable code.
    try:
        rdv.expand_recurrence(rdv.RecurrenceInput(
            rule="FREQ=SECONDLY", dtstart="2026-06-01T10:00:00", time_zone="Europe/Paris",
            exdates=[], window=rdv.TimeInterval(start="2026-06-01T00:00:00Z",
                                                end="2026-06-02T00:00:00Z"), limit=5))
        raise AssertionError("expected INVALID_RECURRENCE")
    except rdv.RdvError.Failure as e:
        assert e.code == "INVALID_RECURRENCE", e.code
    assert rdv.snapshot_version() == 1
    print(f"python: {len(names) - failed}/{len(names)} vectors passed")
    sys.exit(1 if failed else 0)


main()
