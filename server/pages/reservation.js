// /reservations/{id}, /reservations/{id}/cancel (the client who booked) and
// /business/reservations/{id} (the owner of the business): sign in when this tab has no token,
// then show the reservation in the business's time zone and offer what its audience may do —
// cancel with an optional reason (client); confirm, or cancel with a reason (owner).
import { api, busy, problemText, say, session } from "./common.js";

const forBusiness = document.body.dataset.audience === "business";
const role = forBusiness ? "owner" : "client";
const parts = window.location.pathname.split("/").filter(Boolean);
const id = parts[parts.indexOf("reservations") + 1];
const cancelLink = !forBusiness && parts[parts.length - 1] === "cancel";
const base = forBusiness ? "/api/entreprise/reservations/" : "/api/client/reservations/";

const $ = (name) => document.getElementById(name);
const signin = $("signin");
const details = $("details");
const cancelForm = $("cancel");
const decide = $("decide"); // the owner's actions (absent from the client's page)
const confirmButton = $("confirm-button");
const message = $("message");
const signout = $("signout");

const STATUS = {
  pending: forBusiness ? "Awaiting your confirmation" : "Awaiting the business's confirmation",
  confirmed: "Confirmed",
  completed: "Completed",
  no_show: "Missed (no-show)",
  cancelled_by_client: forBusiness ? "Cancelled by the client" : "Cancelled by you",
  cancelled_by_business: forBusiness ? "Cancelled by you" : "Cancelled by the business",
};

/** What the page shows besides the reservation: names and the business's time zone. */
let context = { view: null, zone: null };

function showSignIn(note, outcome) {
  details.hidden = true;
  cancelForm.hidden = true;
  if (decide) decide.hidden = true;
  signout.hidden = true;
  signin.hidden = false;
  say(message, note || "", outcome);
  $("email").focus();
}

function endSession(note) {
  session.clear(role);
  showSignIn(note, "error");
}

signin.addEventListener("submit", async (event) => {
  event.preventDefault();
  await busy($("signin-button"), async () => {
    say(message, "Signing in…");
    try {
      const r = await api("POST", "/api/auth/login/", {
        body: { email: $("email").value.trim(), password: $("password").value },
      });
      if (r.status !== 200) {
        say(message, problemText(r.body), "error");
        return;
      }
      if (r.body.user.role !== role) {
        say(
          message,
          forBusiness
            ? "This account is not a business owner's: sign in with the owner account."
            : "This account is not a client's: sign in with the account that booked.",
          "error",
        );
        return;
      }
      session.set(role, r.body.access_token);
      $("password").value = "";
      signin.hidden = true;
      say(message, "");
      await load();
    } catch {
      say(message, "The server could not be reached. Try again.", "error");
    }
  });
});

signout.addEventListener("click", () => {
  session.clear(role);
  showSignIn("Signed out.");
});

/** Answers that end the session: the token expired, was revoked, or is another role's. */
function refused(r) {
  if (r.status === 401) {
    endSession("Your session has ended: sign in again.");
    return true;
  }
  if (r.status === 403) {
    endSession(problemText(r.body));
    return true;
  }
  return false;
}

async function load() {
  const token = session.get(role);
  if (!token) {
    showSignIn("");
    return;
  }
  say(message, "Loading the reservation…");
  try {
    const r = await api("GET", `${base}${encodeURIComponent(id)}/`, { token });
    if (refused(r)) return;
    if (r.status === 404) {
      signout.hidden = false;
      say(
        message,
        forBusiness
          ? "Your business has no reservation with this link."
          : "This account has no reservation with this link. Sign out to use another account.",
        "error",
      );
      return;
    }
    if (r.status !== 200) {
      say(message, problemText(r.body), "error");
      return;
    }
    context = { view: await names(token, r.body), zone: await zoneOf(token, r.body) };
    show(r.body);
    say(message, "");
    if (cancelLink && !cancelForm.hidden) $("reason").focus();
    if (cancelLink && cancelForm.hidden) {
      say(message, "This reservation is no longer active: there is nothing to cancel.", "error");
    }
  } catch {
    say(message, "The server could not be reached. Reload this page to try again.", "error");
  }
}

/** The list entry of this reservation, which carries its business, service and resource names. */
async function names(token, reservation) {
  const query = new URLSearchParams({
    service_id: reservation.service_id,
    from: reservation.interval.start,
    to: reservation.interval.end,
    include_archived: "true",
    limit: "200",
  });
  const r = await api("GET", `${base}?${query}`, { token });
  if (r.status !== 200) return null;
  return r.body.items.find((v) => v.reservation.id === reservation.id) || null;
}

/** The business's IANA time zone (null when it cannot be read: times are then shown in UTC). */
async function zoneOf(token, reservation) {
  const r = forBusiness
    ? await api("GET", "/api/entreprise/mon-entreprise/", { token })
    : await api("GET", `/api/entreprises/${encodeURIComponent(reservation.business_id)}/`);
  return r.status === 200 && r.body.time_zone ? r.body.time_zone : null;
}

function show(reservation) {
  const view = context.view;
  const zone = context.zone || "UTC";
  const start = new Date(reservation.interval.start);
  const end = new Date(reservation.interval.end);
  document.title = forBusiness ? "Reservation at your business" : "Your reservation";
  $("title").textContent = cancelLink ? "Cancel your reservation" : document.title;
  $("service").textContent = view ? view.service_name : reservation.service_id;
  $("resource").textContent = view ? view.resource_name : reservation.resource_id;
  if ($("business")) $("business").textContent = view ? view.business_name : reservation.business_id;
  $("date").textContent = longDate(start, zone);
  $("time").textContent = `${clock(start, zone)}–${clock(end, zone)} (${zone})`;
  $("price").textContent = money(reservation.price);
  $("status").textContent = STATUS[reservation.status] || reservation.status;
  $("status").dataset.status = reservation.status;
  details.hidden = false;
  signout.hidden = false;
  const active = reservation.status === "pending" || reservation.status === "confirmed";
  if (decide) {
    decide.hidden = !active;
    confirmButton.hidden = reservation.status !== "pending";
    cancelForm.hidden = false;
  } else {
    cancelForm.hidden = !active;
  }
}

/** "Wednesday 2 December 2026" in `zone`. */
function longDate(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  }).formatToParts(instant);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}`;
}

/** "09:30" in `zone`. */
function clock(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("hour")}:${part("minute")}`;
}

/** The price with its currency's own number of decimals (none for JPY, three for KWD). */
function money(price) {
  const format = new Intl.NumberFormat("en-GB", { style: "currency", currency: price.currency });
  const decimals = format.resolvedOptions().maximumFractionDigits;
  return format.format(price.amount_minor / 10 ** decimals);
}

async function act(button, method, path, done) {
  const token = session.get(role);
  if (!token) {
    showSignIn("");
    return;
  }
  await busy(button, async () => {
    try {
      const r = await api(method, path, { token });
      if (refused(r)) return;
      if (r.status === 200) {
        show(r.body);
        say(message, done, "ok");
      } else {
        say(message, problemText(r.body), "error");
      }
    } catch {
      say(message, "The server could not be reached. Try again.", "error");
    }
  });
}

cancelForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("reason").value.trim();
  const query = reason ? `?${new URLSearchParams({ reason })}` : "";
  await act($("cancel-button"), "DELETE", `${base}${encodeURIComponent(id)}/${query}`, "The reservation is cancelled.");
});

if (confirmButton) {
  confirmButton.addEventListener("click", () =>
    act(confirmButton, "POST", `${base}${encodeURIComponent(id)}/confirmer/`, "The reservation is confirmed."),
  );
}

load();
