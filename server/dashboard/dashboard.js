// The business dashboard (/dashboard/): the owner signs in, then sees the figures of a period
// beside the previous one, the server's SVG charts, today's and this week's calendar per
// resource, and the upcoming reservations with confirm, cancel, no-show and move actions.
// Everything comes from the JSON API of this origin with the bearer token kept for this tab.
import { api, problemText, say, session, busy } from "/pages/common.js";

const ROLE = "owner";
const $ = (id) => document.getElementById(id);
const message = $("message");
let business = null;

// ---- time in the business's zone -------------------------------------------------------

/** Milliseconds the zone is ahead of UTC at `ms`. */
function offsetAt(zone, ms) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The local date `{y, m, d}` in the zone at `ms`. */
function localDate(zone, ms) {
  const shifted = new Date(ms + offsetAt(zone, ms));
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth() + 1, d: shifted.getUTCDate() };
}

/** The instant of local midnight of a date (days past the month's end roll over). */
function midnight(zone, { y, m, d }) {
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetAt(zone, wall);
  t = wall - offsetAt(zone, t);
  return t;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const ymd = ({ y, m, d }) => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.toISOString().slice(0, 10);
};

/** The period chosen: `{from, to}` as RFC 3339 instants at local midnights. */
export function periodOf(kind, zone, now = Date.now()) {
  const today = localDate(zone, now);
  if (kind === "month") {
    return { from: iso(midnight(zone, { ...today, d: 1 })), to: iso(midnight(zone, { ...today, m: today.m + 1, d: 1 })) };
  }
  if (kind === "last30") {
    return { from: iso(midnight(zone, { ...today, d: today.d - 29 })), to: iso(midnight(zone, { ...today, d: today.d + 1 })) };
  }
  const weekday = (new Date(Date.UTC(today.y, today.m - 1, today.d)).getUTCDay() + 6) % 7;
  return {
    from: iso(midnight(zone, { ...today, d: today.d - weekday })),
    to: iso(midnight(zone, { ...today, d: today.d - weekday + 7 })),
  };
}

function when(text, options) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: business.time_zone, ...options }).format(new Date(text));
}
const hhmm = (text) => when(text, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = (text) => when(text, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

// ---- figures -------------------------------------------------------------------------------

/** How a figure's value reads on screen (the browser test reads it the same way). */
export function formatFigure(kind, value, currency) {
  if (value === null || value === undefined) return "—";
  if (kind === "ratio") return `${(value * 100).toFixed(1)} %`;
  if (kind === "minutes") return `${Math.round(value)} min`;
  if (kind === "money") return `${(value / 100).toFixed(2)} ${currency}`;
  return String(value);
}

function changeText(kind, value, previous) {
  if (value === null || previous === null) return "no comparison";
  if (kind === "ratio") {
    const points = (value - previous) * 100;
    return `${points >= 0 ? "+" : ""}${points.toFixed(1)} pts vs previous period`;
  }
  if (previous === 0) return value === 0 ? "no change" : "new this period";
  const percent = Math.round(((value - previous) / previous) * 100);
  return `${percent >= 0 ? "+" : ""}${percent} % vs previous period`;
}

const FIGURES = [
  ["appointments", "Appointments", "count"], ["created", "Reservations made", "count"],
  ["pending", "Pending", "count"], ["confirmed", "Confirmed", "count"],
  ["completed", "Completed", "count"], ["no_show", "No-shows", "count"],
  ["cancelled_by_client", "Cancelled by clients", "count"],
  ["cancelled_by_business", "Cancelled by you", "count"],
  ["utilisation", "Utilisation", "ratio"], ["cancellation_rate", "Cancellation rate", "ratio"],
  ["no_show_rate", "No-show rate", "ratio"], ["booked_minutes", "Booked minutes", "count"],
  ["available_minutes", "Available minutes", "count"],
  ["mean_lead_time_minutes", "Mean lead time", "minutes"],
];

function figureCard(key, label, kind, value, previous, currency) {
  const card = document.createElement("div");
  card.className = "figure";
  const name = document.createElement("span");
  name.className = "label";
  name.textContent = label;
  const shown = document.createElement("span");
  shown.className = "value";
  shown.dataset.figure = key;
  shown.dataset.value = JSON.stringify(value);
  shown.dataset.previous = JSON.stringify(previous);
  shown.textContent = formatFigure(kind, value, currency);
  const change = document.createElement("span");
  change.className = "change";
  change.dataset.change = key;
  change.textContent = changeText(kind, value, previous);
  if (value !== null && previous !== null && value !== previous) change.dataset.trend = value > previous ? "up" : "down";
  card.append(name, shown, change);
  return card;
}

function showFigures(stats) {
  const box = $("figures");
  box.replaceChildren();
  for (const [key, label, kind] of FIGURES) {
    const f = stats.totals[key];
    box.append(figureCard(key, label, kind, f.value, f.previous));
  }
  for (const [key, label] of [["completed_revenue", "Revenue (completed)"], ["booked_revenue", "Revenue booked"]]) {
    for (const m of stats.totals[key]) {
      box.append(figureCard(`${key}.${m.currency}`, `${label}, ${m.currency}`, "money", m.value_minor, m.previous_minor, m.currency));
    }
  }
  box.dataset.from = stats.period.start;
  box.dataset.to = stats.period.end;
}

// ---- charts --------------------------------------------------------------------------------

/** Parses the server's SVG and keeps only drawing elements (no script, link or foreign content). */
function safeSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg" || doc.getElementsByTagName("parsererror").length) return null;
  for (const bad of svg.querySelectorAll("script, foreignObject, a, image, use, style")) bad.remove();
  for (const el of [svg, ...svg.querySelectorAll("*")]) {
    for (const attr of [...el.attributes]) {
      if (/^on/i.test(attr.name) || /href$/i.test(attr.name)) el.removeAttribute(attr.name);
    }
  }
  return document.importNode(svg, true);
}

async function showCharts(token, period) {
  for (const box of document.querySelectorAll("[data-chart]")) {
    const name = box.dataset.chart;
    const r = await fetch(`/api/entreprise/statistiques/graphiques/${name}/?from=${period.from}&to=${period.to}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const svg = r.ok && (r.headers.get("content-type") || "").startsWith("image/svg+xml") ? safeSvg(await r.text()) : null;
    if (svg) box.replaceChildren(svg);
    else box.textContent = "This chart could not be drawn.";
  }
}

// ---- calendar ------------------------------------------------------------------------------

function entry(r) {
  const item = document.createElement("li");
  item.dataset.status = r.status;
  item.textContent = `${hhmm(r.interval.start)}–${hhmm(r.interval.end)} ${r.service_name} · ${r.client.first_name} ${r.client.last_name} (${r.status.replaceAll("_", " ")})`;
  return item;
}

function list(reservations) {
  const ul = document.createElement("ul");
  ul.className = "entries";
  for (const r of reservations) ul.append(entry(r));
  if (!reservations.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "Nothing booked";
    ul.append(li);
  }
  return ul;
}

function showCalendar(calendar, todayText) {
  const today = $("today");
  today.replaceChildren();
  const table = $("week");
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.textContent = "Resource";
  head.append(corner);
  for (const day of calendar.days) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = when(`${day.date}T12:00:00Z`, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
    if (day.date === todayText) th.setAttribute("aria-current", "date");
    head.append(th);
  }
  const body = table.createTBody();
  for (const resource of calendar.resources) {
    const row = body.insertRow();
    row.dataset.resource = resource.resource_id;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = resource.name;
    row.append(name);
    for (const day of resource.days) {
      const cell = row.insertCell();
      cell.dataset.date = day.date;
      cell.append(list(day.reservations));
      if (day.date === todayText) {
        cell.setAttribute("aria-current", "date");
        const box = document.createElement("div");
        box.className = "resource-today";
        box.dataset.resource = resource.resource_id;
        const h = document.createElement("h3");
        h.textContent = resource.name;
        box.append(h, list(day.reservations));
        today.append(box);
      }
    }
  }
  if (!today.children.length) today.textContent = "Today is not in the calendar.";
}

// ---- upcoming reservations and their actions ---------------------------------------------

function button(text, label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", () => busy(b, onClick));
  return b;
}

async function act(token, path, method, body) {
  const r = await api(method, path, { token, body });
  if (r.status === 200) {
    say(message, "Done.", "ok");
    await refresh();
  } else {
    say(message, problemText(r.body), "error");
  }
}

function cancelForm(token, view, row) {
  const form = document.createElement("form");
  form.className = "inline-form";
  const label = document.createElement("label");
  label.textContent = "Reason ";
  const reason = document.createElement("input");
  reason.required = true;
  reason.maxLength = 500;
  reason.name = "reason";
  label.append(reason);
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Cancel the reservation";
  form.append(label, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, () => act(token, `/api/entreprise/reservations/${view.reservation.id}/?reason=${encodeURIComponent(reason.value.trim())}`, "DELETE"));
  });
  row.querySelector(".forms").replaceChildren(form);
  reason.focus();
}

async function moveForm(token, view, row) {
  const r = view.reservation;
  const from = iso(Math.max(Date.now(), 0) + 3_600_000).replace(/:\d\dZ$/, ":00Z");
  const to = iso(Date.now() + 14 * 86_400_000);
  const slots = await api("GET", `/api/services/${r.service_id}/creneaux/?from=${from}&to=${to}&limit=2000`);
  const form = document.createElement("form");
  form.className = "inline-form move";
  const label = document.createElement("label");
  label.textContent = "New start ";
  const select = document.createElement("select");
  select.name = "start";
  for (const s of (slots.body && slots.body.slots) || []) {
    if (s.resource_id !== r.resource_id || s.start === r.interval.start) continue;
    const option = document.createElement("option");
    option.value = s.start;
    option.textContent = dayAndTime(s.start);
    select.append(option);
  }
  label.append(select);
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Move";
  form.append(label, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, () => act(token, `/api/entreprise/reservations/${r.id}/reschedule/`, "POST", { start: select.value }));
  });
  row.querySelector(".forms").replaceChildren(form);
  if (!select.options.length) say(message, "No free time on this resource in the next two weeks.", "error");
}

function showUpcoming(token, views) {
  const body = $("upcoming").tBodies[0];
  body.replaceChildren();
  for (const view of views) {
    const r = view.reservation;
    const row = body.insertRow();
    row.dataset.reservation = r.id;
    row.dataset.status = r.status;
    const client = `${view.client.first_name} ${view.client.last_name}`;
    row.insertCell().textContent = dayAndTime(r.interval.start);
    row.insertCell().textContent = view.service_name;
    row.insertCell().textContent = view.resource_name;
    row.insertCell().textContent = client;
    const contact = row.insertCell();
    const mail = document.createElement("a");
    mail.href = `mailto:${view.client.email}`;
    mail.textContent = view.client.email;
    contact.append(mail);
    if (view.client.phone) {
      const tel = document.createElement("a");
      tel.href = `tel:${view.client.phone}`;
      tel.textContent = view.client.phone;
      contact.append(document.createElement("br"), tel);
    }
    row.insertCell().textContent = r.status.replaceAll("_", " ");
    const actions = row.insertCell();
    actions.className = "actions";
    const at = dayAndTime(r.interval.start);
    if (r.status === "pending") {
      actions.append(button("Confirm", `Confirm ${client}, ${at}`, () => act(token, `/api/entreprise/reservations/${r.id}/confirmer/`, "POST", {})));
    }
    if (r.status === "confirmed" && Date.parse(r.interval.start) <= Date.now()) {
      actions.append(button("No-show", `Mark ${client}, ${at}, as a no-show`, () => act(token, `/api/entreprise/reservations/${r.id}/absence/`, "POST", {})));
    }
    actions.append(
      button("Cancel", `Cancel ${client}, ${at}`, async () => cancelForm(token, view, row)),
      button("Move", `Move ${client}, ${at}`, () => moveForm(token, view, row)),
    );
    const forms = document.createElement("div");
    forms.className = "forms";
    actions.append(forms);
  }
  if (!views.length) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = 7;
    cell.textContent = "No upcoming reservation.";
  }
}

// ---- loading -------------------------------------------------------------------------------

function signedOut(text) {
  session.clear(ROLE);
  $("board").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  if (text) say(message, text, "error");
}

async function refresh() {
  const token = session.get(ROLE);
  if (!token) return signedOut();
  const me = await api("GET", "/api/entreprise/mon-entreprise/", { token });
  if (me.status === 401 || me.status === 403) return signedOut("Sign in again with the owner account.");
  if (me.status !== 200) return say(message, problemText(me.body), "error");
  business = me.body;
  $("title").textContent = `Dashboard — ${business.name}`;
  $("signin").hidden = true;
  $("signout").hidden = false;
  $("board").hidden = false;
  const zone = business.time_zone;
  const period = periodOf($("period").value, zone);
  $("period-text").textContent = `${when(period.from, { dateStyle: "medium" })} to ${when(new Date(Date.parse(period.to) - 1000).toISOString(), { dateStyle: "medium" })}, ${zone}; changes against the period of equal length before it.`;
  const stats = await api("GET", `/api/entreprise/statistiques/?from=${period.from}&to=${period.to}`, { token });
  if (stats.status !== 200) return say(message, problemText(stats.body), "error");
  showFigures(stats.body);
  const todayText = ymd(localDate(zone, Date.now()));
  const calendar = await api("GET", `/api/entreprise/calendrier/?view=week&date=${todayText}`, { token });
  if (calendar.status === 200) showCalendar(calendar.body, todayText);
  const since = iso(midnight(zone, localDate(zone, Date.now())));
  const upcoming = await api("GET", `/api/entreprise/reservations/?from=${since}&status=pending,confirmed&sort=start_asc&limit=50`, { token });
  if (upcoming.status === 200) showUpcoming(token, upcoming.body.items);
  await showCharts(token, period);
  document.body.dataset.loaded = String(Date.now());
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  await busy($("signin-button"), async () => {
    const r = await api("POST", "/api/auth/login/", { body: { email: $("email").value.trim(), password: $("password").value } });
    if (r.status !== 200) return say(message, problemText(r.body), "error");
    if (r.body.user.role !== ROLE) return say(message, "This dashboard is for business owners.", "error");
    session.set(ROLE, r.body.access_token);
    say(message, "");
    await refresh();
  });
});
$("signout").addEventListener("click", () => signedOut());
$("period").addEventListener("change", () => refresh().catch(() => say(message, "The server could not be reached.", "error")));
refresh().catch(() => say(message, "The server could not be reached. Reload the page.", "error"));
