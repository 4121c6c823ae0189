"""schemathesis hooks of scripts/api-contract.sh: the failures that are not the API's fault.

`--checks all` includes `positive_data_acceptance` (a request valid by the document must not be
refused) and `negative_data_rejection` (an invalid one must be). The document says what JSON
Schema can say; a few rules of the API cannot be said in it (an end after its start, a
password not in a list of common ones, a token that the server sent by email). A request that
breaks only such a rule is valid by the document and rightly refused by the server.

Each rule below drops exactly those failures: a failure kind, the operations, the status, the
problem's `code`, and every field error of the answer (a refusal with one more error than the
rule names is still a failure). Rules marked `pending` are not of that kind: the document is
wrong there, in a file this step does not own; each names where the fix belongs and is to be
removed with it. Every rule that dropped a failure is counted in the file named by
`RDV_CONTRACT_DROPPED`, which the script prints after the run.
"""

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

import schemathesis

NEGATIVE_ACCEPTED = "ST201"
POSITIVE_REJECTED = "ST202"
UNDOCUMENTED_STATUS = "ST103"


@dataclass(frozen=True)
class Rule:
    name: str
    why: str
    failure: str
    operations: str
    status: int | tuple[int, ...]
    # A regular expression the problem's `code` must match.
    code: str | None = None
    # (field, error code) regular expressions; every error of the answer must match one.
    errors: tuple[tuple[str, str], ...] = ()
    # A regular expression searched in the problem's `detail`.
    detail: str | None = None
    # A regular expression every `failures[].code` of a bulk refusal must match.
    items: str | None = None
    # A predicate on the request's body.
    body: Callable[[Any], bool] | None = None
    # Where the fix belongs, for a rule that only waits for it.
    pending: str | None = None

    def applies(self, failure: Any, case: Any, response: Any, problem: Any) -> bool:
        """Whether the rule covers this failure, its field errors aside."""
        if getattr(failure, "code", None) != self.failure:
            return False
        if not re.fullmatch(self.operations, case.operation.label):
            return False
        if response.status_code not in (self.status if isinstance(self.status, tuple) else (self.status,)):
            return False
        if self.body is not None and not self.body(case.body):
            return False
        if self.code is None and not self.errors and self.detail is None and self.items is None:
            return True
        if not isinstance(problem, dict):
            return False
        if self.code is not None and not re.fullmatch(self.code, str(problem.get("code", ""))):
            return False
        if self.detail is not None and not re.search(self.detail, str(problem.get("detail", ""))):
            return False
        if self.items is not None:
            failures = problem.get("failures") or []
            if not failures or not all(re.fullmatch(self.items, str(f.get("code", ""))) for f in failures):
                return False
        return True

    def explains(self, error: Any) -> bool:
        return isinstance(error, dict) and any(
            re.fullmatch(f, str(error.get("field", ""))) and re.fullmatch(c, str(error.get("code", "")))
            for f, c in self.errors
        )


CORE_SCHEMAS = "core/: the ToSchema derivations of the core's input types"

RULES: tuple[Rule, ...] = (
    # --- Rules JSON Schema cannot say -------------------------------------------------------
    Rule(
        "end-after-start",
        "an interval's end must be after its start: a relation between two fields",
        POSITIVE_REJECTED,
        r".*",
        422,
        code="INVALID_INTERVAL",
    ),
    Rule(
        "bulk-items",
        "each item of a bulk creation refused for a reason above: an end not after its start "
        "(INVALID_INTERVAL), a window ending in the past or starting beyond the horizon "
        "(VALIDATION_FAILED), a resource that is not the business's (NOT_FOUND)",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/disponibilites/(bulk|recurrentes)/",
        422,
        code="BULK_REJECTED",
        items=r"INVALID_INTERVAL|VALIDATION_FAILED|NOT_FOUND",
    ),
    Rule(
        "opening-hours-end-after-start",
        "an opening range's end must be after its start (a relation between two fields, checked "
        "while the body is read)",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/(mon-entreprise|ressources)/(\{id\}/)?",
        422,
        code="INVALID_BODY",
        detail=r"end: end \S+ must be after start",
    ),
    Rule(
        "common-password",
        "a password must not be in the list of common passwords, nor one repeated character, "
        "nor the email: a list, not a pattern",
        POSITIVE_REJECTED,
        r"POST /api/auth/(register|password-reset/confirm|invitation/accepter)/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"(new_)?password", r"too_common"),),
    ),
    Rule(
        "emailed-token",
        "the token of a verification, reset or staff invitation link is one the server sent by "
        "email: any other well-formed token is refused",
        POSITIVE_REJECTED,
        r"POST /api/auth/(verify-email|password-reset/confirm|invitation/accepter)/",
        400,
        code="INVALID_ONE_TIME_TOKEN",
    ),
    Rule(
        "import-rows",
        "an imported file's rows are read as CSV or JSON objects of named cells and each goes "
        "through the core's rules: names against the business's own (already_exists), "
        "resources by name (not_found), overlaps across rows and with stored windows, dates, "
        "limits; the document states the file's media type and shape only",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/imports/(services|ressources|disponibilites|fermetures|clients)/",
        422,
        code="IMPORT_REJECTED",
    ),
    Rule(
        "ics-events",
        "an ICS file's events are read by RFC 5545's grammar (components, dates, zones, rules) "
        "and each goes through the core's busy-time rules; the document states the media type "
        "only, so a schema-valid string is rarely a calendar",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/ressources/\{id\}/occupations/",
        422,
        code="IMPORT_REJECTED",
    ),
    Rule(
        "sms-needs-a-phone",
        "text messages can be chosen only once the profile has a phone number: a condition on "
        "the account's state, not on the request",
        POSITIVE_REJECTED,
        r"PUT /api/client/notifications/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"sms", r"phone_missing"),),
    ),
)

RULES += (
    Rule(
        "waitlist-in-time",
        "a waitlist range must end in the future and last at most 31 days: a bound that moves "
        "with the clock and a relation between `from` and `to`",
        POSITIVE_REJECTED,
        r"POST /api/client/liste-attente/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"to", r"in_past|out_of_range"),),
    ),
    Rule(
        "window-decision-reason",
        "a reason goes with `reservations=cancel` and only with it: a relation between two "
        "parameters",
        POSITIVE_REJECTED,
        r"DELETE /api/entreprise/disponibilites/\{id\}/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"reason", r"not_allowed|required"),),
    ),
    Rule(
        "calendar-date",
        "a calendar date lies between 2000-01-01 and 2099-12-31: a bound on a date's value",
        POSITIVE_REJECTED,
        r"GET /api/entreprise/(calendrier|exports/feuille-du-jour)/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"date", r"out_of_range"),),
    ),
    Rule(
        "working-hours-inside-opening-hours",
        "a resource works only inside the business's opening hours: a condition on stored data, "
        "not on the request",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/ressources/(\{id\}/)?",
        422,
        code="VALIDATION_FAILED",
        errors=((r"working_hours\.\w+\[\d+\]", r"outside_opening_hours"),),
    ),
    Rule(
        "deactivation-decision-fields",
        "a deactivation decision names only its action's fields",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/ressources/\{id\}/desactiver/",
        422,
        code="INVALID_BODY",
        detail=r"unknown field",
        pending="server/src/routes/entreprise/resources.rs: additionalProperties false on each decision variant's schema",
    ),
    Rule(
        "deactivation-cancel-reason",
        "a decision to cancel needs a reason: a relation between `action` and `reason`",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/ressources/\{id\}/desactiver/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"decisions\[\d+\]\.reason", r"required"),),
    ),
    Rule(
        "window-in-time",
        "an availability window must end in the future and start within the longest booking "
        "horizon: bounds that move with the clock",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/disponibilites/(\{id\}/|bulk/|recurrentes/)?",
        422,
        code="VALIDATION_FAILED",
        errors=((r"(items\[\d+\]\.)?(start|end)", r"in_past|beyond_horizon"),),
    ),
    Rule(
        "range-too-large",
        "`to` at most 366 days after `from`: a relation between two parameters",
        POSITIVE_REJECTED,
        r"GET /api/(services/\{id\}/(creneaux|snapshot)|entreprise/(disponibilites|(exports/)?statistiques|ressources/\{id\}/occupations))/"
        r"(graphiques/(bookings|revenue|utilisation)/)?",
        422,
        code="RANGE_TOO_LARGE",
    ),
    Rule(
        "statistics-period",
        "a statistics period lies between 2000 and 2100 and is cut into at most 370 buckets: "
        "bounds on the value of a date-time, and a relation between `from`, `to` and `bucket`",
        POSITIVE_REJECTED,
        # the statistics, their charts and their export (the same query)
        r"GET /api/entreprise/(exports/)?statistiques/(graphiques/(bookings|revenue|utilisation)/)?",
        422,
        code="VALIDATION_FAILED",
        errors=((r"from|to|bucket", r"out_of_range"),),
    ),
    Rule(
        "webhook-limit",
        "at most 10 webhooks per business: the run registers more than that",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/webhooks/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"url", r"too_many"),),
    ),
    Rule(
        "integral-float",
        "JSON Schema counts 1.0 as an integer; the API reads integers written without a fraction, "
        "as serde's integer types do, and refuses 1.0",
        POSITIVE_REJECTED,
        r".*",
        422,
        code="INVALID_BODY",
        detail=r"invalid type: floating point `-?[0-9]+(\.0)?`, expected [iu](8|16|32|64|size)",
    ),
    Rule(
        "search-words",
        "a search must hold a word as the core's tokenizer reads it (letters and digits after "
        "folding accents, between separators), or a phone number: a tokenizer, not a pattern",
        POSITIVE_REJECTED,
        r"GET /api/(recherche|entreprise/reservations)/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"q", r"required"),),
    ),
    Rule(
        "phone-notation",
        "a phone number in international form, or in national form read with the address's "
        "country: whether a national number is accepted depends on another field",
        POSITIVE_REJECTED,
        r"(POST /api/auth/register/|PUT /api/client/mon-profil/)",
        422,
        code="VALIDATION_FAILED",
        errors=((r"phone", r"invalid_format"),),
    ),
    Rule(
        "booking-slot",
        "whether a start is a free slot of the service (in the future, after the minimum notice, "
        "within the horizon, in an availability and the opening hours, on the slot grid, with a "
        "seat left, its service still active) depends on the clock and the stored calendar; the "
        "same for a business moving a reservation (found by a stateful run that had just "
        "deactivated the service)",
        POSITIVE_REJECTED,
        r"POST /api/(client/reservations/(\{id\}/reschedule/)?|entreprise/reservations/\{id\}/reschedule/)",
        422,
        code=r"SLOT_IN_PAST|MINIMUM_NOTICE|BEYOND_BOOKING_HORIZON|OUTSIDE_AVAILABILITY"
        r"|OUTSIDE_OPENING_HOURS|BUSINESS_CLOSED|NOT_ON_SLOT_GRID|SERVICE_INACTIVE"
        r"|RESOURCE_NOT_ELIGIBLE",
    ),
    Rule(
        "resource-of-business",
        "a service's resources must be resources of the owner's business: a condition on the "
        "stored data, not on the request",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/services/(\{id\}/)?",
        422,
        code="VALIDATION_FAILED",
        errors=((r"resource_ids\[\d+\]", r"not_found"),),
    ),
    Rule(
        "recurrence-rule",
        "an RFC 5545 RRULE, and whether it yields occurrences in the range generated: a grammar "
        "and a computation, not a pattern",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/disponibilites/recurrentes/",
        422,
        code="INVALID_RECURRENCE",
    ),
    Rule(
        "staff-invitation-fields",
        "an invitation's email as the core reads it (one @, a domain with a dot, no spaces) and "
        "its name as plain single-line text: a grammar and a character class, not a pattern "
        "the document states",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/equipe/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"email", r"invalid_format|required"), (r"name", r"required|too_long|markup"),
                (r"locale", r"invalid_choice")),
    ),
    Rule(
        "one-decision-per-reservation",
        "a deactivation's decisions name each reservation at most once: a relation between "
        "items of one array, which JSON Schema's uniqueItems cannot say about one field",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/ressources/\{id\}/desactiver/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"decisions\[\d+\]\.reservation_id", r"duplicate"),),
    ),
    Rule(
        "image-content",
        "an uploaded file must be a real JPEG, PNG or WebP image by its bytes (415 "
        "unsupported_type), declare no more pixels than the limit and decode (422 "
        "too_many_pixels, undecodable): a file format, which a binary string's schema cannot "
        "state (docs/images.md)",
        POSITIVE_REJECTED,
        r"(PUT /api/entreprise/mon-entreprise/(logo|couverture)/|POST /api/entreprise/services/\{id\}/images/)",
        (415, 422),
        code="UNSUPPORTED_MEDIA_TYPE|INVALID_IMAGE",
        errors=((r"file", r"unsupported_type|too_many_pixels|undecodable"),),
    ),
    Rule(
        "image-order-permutation",
        "the new order of a service's images lists each of its image ids exactly once: a rule "
        "against the stored images, not a pattern",
        POSITIVE_REJECTED,
        r"PUT /api/entreprise/services/\{id\}/images/ordre/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"ids", r"not_a_permutation"),),
    ),
    Rule(
        "calendar-feed-resource",
        "a resource feed names its resource (and a staff member's feed is of their own "
        "resource): a rule across two fields that the document does not state",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/flux-calendrier/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"resource_id|kind", r"required|not_allowed|invalid_choice"),),
    ),
    Rule(
        "business-cancel-reason",
        "the business gives a reason when it cancels, the client need not: one query (`reason`) "
        "serves both, and a blank reason is none",
        POSITIVE_REJECTED,
        r"DELETE /api/entreprise/reservations/\{id\}/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"reason", r"required"),),
    ),
    Rule(
        "catalog-filter-value",
        "a category or tag filter is plain single-line text, as stored categories and tags are: "
        "a character class the document does not state",
        POSITIVE_REJECTED,
        r"GET /api/entreprises/(\{id\}/services/)?",
        422,
        code="VALIDATION_FAILED",
        errors=((r"category|tag", r"required|too_long|markup"),),
    ),
    Rule(
        "webhook-url",
        "a URL the server will call: its WHATWG syntax, its scheme and the addresses its host "
        "resolves to (public ones only)",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/webhooks/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"url", r"invalid_url|invalid_scheme|private_address"),),
    ),
    # --- Pending: the document is wrong in a file this step does not own ---------------------
    Rule(
        "core-time-zone",
        "a time zone is documented as any string, not as the IANA names the server knows",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/mon-entreprise/",
        422,
        code="INVALID_BODY",
        detail=r"time_zone: unknown time zone",
        pending="core/src/openapi.rs: the Zone schema",
    ),
    Rule(
        "register-client-profile",
        "with `role: client`, first_name and last_name are required and the profile follows the "
        "core's rules: a requirement on one field's value (JSON Schema's if/then, which utoipa "
        "does not derive) over the core's undocumented name rules",
        POSITIVE_REJECTED,
        r"POST /api/auth/register/",
        422,
        code="VALIDATION_FAILED",
        errors=((r"first_name|last_name|address\.\w+", r"required|too_long|markup|invalid_value|invalid_format"),),
        pending="server/src/routes/auth/mod.rs (RegisterRequest, edited in parallel) and " + CORE_SCHEMAS,
    ),
    Rule(
        "core-names",
        "the names and texts of the core's inputs (a business, a service, a client profile) have "
        "no minLength, maxLength or pattern in the document, and a service's rules no bounds",
        POSITIVE_REJECTED,
        r"(PUT /api/client/mon-profil/|(POST|PUT) /api/entreprise/(mon-entreprise|services(/\{id\})?)/)",
        422,
        code="VALIDATION_FAILED",
        errors=(
            (r"(first_name|last_name|name|domain|city|description|category|tags\[\d+\]"
             r"|address\.\w+|closures\[\d+\]\.reason)", r"required|too_long|markup"),
            (r"rules\.\w+|price(\.\w+)?|cancellation_deadline_minutes|max_reschedules"
             r"|resource_ids(\[\d+\])?", r"out_of_range|invalid_value|not_a_multiple|too_many|empty|required"),
        ),
        pending=CORE_SCHEMAS,
    ),
    Rule(
        "core-closure-fields",
        "a closure's schema (allOf of its kind and its reason) does not say that no other key is "
        "allowed",
        POSITIVE_REJECTED,
        r"(POST|PUT) /api/entreprise/mon-entreprise/",
        422,
        code="INVALID_BODY",
        detail=r"closures\[\d+\]: unknown field",
        pending=CORE_SCHEMAS,
    ),
    Rule(
        "core-local-date-time",
        "a local date-time (first_start, exdates) is documented by a pattern that admits "
        "impossible dates such as 0000-00-00",
        POSITIVE_REJECTED,
        r"POST /api/entreprise/disponibilites/recurrentes/",
        422,
        code="INVALID_BODY",
        detail=r"(first_start|exdates(\[\d+\])?): input is out of range",
        pending="core/src/openapi.rs: the local date-time schema",
    ),
)

def explaining_rules(failure: Any, case: Any, response: Any) -> list[Rule]:
    """The rules that together explain the failure, or none.

    A rule without field errors explains the failure alone. Rules with field errors explain
    it together when each field error of the answer is one that a rule applying to the
    failure names: a refusal for a reason no rule names stays a failure.
    """
    try:
        problem = json.loads(response.content)
    except (TypeError, ValueError):
        problem = None
    applying = [rule for rule in RULES if rule.applies(failure, case, response, problem)]
    for rule in applying:
        if not rule.errors:
            return [rule]
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if not applying or not errors:
        return []
    used: list[Rule] = []
    for error in errors:
        rule = next((r for r in applying if r.explains(error)), None)
        if rule is None:
            return []
        if rule not in used:
            used.append(rule)
    return used


_dropped_file = os.environ.get("RDV_CONTRACT_DROPPED")


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    rules = explaining_rules(failure, case, response)
    if not rules:
        return True
    if _dropped_file:
        with open(_dropped_file, "a", encoding="utf-8") as out:
            for rule in rules:
                out.write(f"{rule.name}{' (pending: ' + rule.pending + ')' if rule.pending else ''}\n")
    return False
