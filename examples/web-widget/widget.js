// Booking widget: the slots are computed in the browser by the rdv-wasm package from the
// service's schedule snapshot, with the same rules as the server; the server still decides
// when booking (atomic checks), and its answer is shown as it comes.
import init, { explainCandidates, checkSlot } from './pkg/rdv_wasm.js';

const $ = (id) => document.getElementById(id);
const visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const DAY = 86_400_000;
const REASONS = {
  SLOT_IN_PAST: 'this time has passed',
  MINIMUM_NOTICE: 'too soon: the business needs more notice',
  BEYOND_BOOKING_HORIZON: 'too far ahead: bookings are not open yet',
  OUTSIDE_AVAILABILITY: 'nobody is available then',
  OUTSIDE_OPENING_HOURS: 'the business is closed at that hour',
  BUSINESS_CLOSED: 'the business is closed that day',
  BOOKING_OVERLAP: 'already booked',
  BUFFER_CONFLICT: 'too close to another appointment',
  SLOT_FULL: 'no seat left',
  NOT_ON_SLOT_GRID: 'not a start time this service offers',
};

const state = { business: null, service: null, weekStart: mondayUtc(new Date()), snapshot: null, token: null, chosen: null };

function mondayUtc(d) {
  const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - weekday * DAY);
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (options.body) headers['content-type'] = 'application/json';
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.detail || response.statusText);
    error.code = body?.code || `HTTP_${response.status}`;
    throw error;
  }
  return body;
}

function fmt(instant, zone, opts) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...opts }).format(new Date(instant));
}
const time = (instant, zone) => fmt(instant, zone, { hour: '2-digit', minute: '2-digit' });
const dayKey = (instant, zone) => fmt(instant, zone, { year: 'numeric', month: '2-digit', day: '2-digit' });
const dayLabel = (instant, zone) => fmt(instant, zone, { weekday: 'short', day: 'numeric', month: 'short' });

// Shows the image at `url` (a thumbnail URL of the public answers), or hides it without one.
function picture(img, url, alt) {
  img.hidden = !url;
  if (url) {
    img.src = url;
    img.alt = alt;
  } else {
    img.removeAttribute('src');
  }
}

function option(select, value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  select.append(o);
}

async function loadBusinesses() {
  const page = await api('/api/entreprises/?limit=200');
  $('business').replaceChildren();
  for (const b of page.items) option($('business'), b.id, `${b.name} — ${b.city}`);
  state.businesses = page.items;
  await chooseBusiness();
}

async function chooseBusiness() {
  state.business = state.businesses.find((b) => b.id === $('business').value);
  picture($('logo'), state.business.logo?.thumb, `${state.business.name} logo`);
  const services = (await api(`/api/entreprises/${state.business.id}/services/?limit=200`)).items;
  $('service').replaceChildren();
  for (const s of services) option($('service'), s.id, `${s.name} (${s.rules.duration_minutes} min)`);
  state.services = services;
  await chooseService();
}

async function chooseService() {
  state.service = state.services.find((s) => s.id === $('service').value);
  picture($('service-image'), state.service.images?.[0]?.thumb, state.service.name);
  await showWeek();
}

async function showWeek() {
  const from = state.weekStart.toISOString().replace('.000Z', 'Z');
  const to = new Date(state.weekStart.getTime() + 7 * DAY).toISOString().replace('.000Z', 'Z');
  const zone = state.business.time_zone;
  // Label the week by its Monday's noon, so zones west of UTC do not show the Sunday before.
  $('week').textContent = `week of ${dayLabel(new Date(state.weekStart.getTime() + 12 * 3_600_000), zone)}`;
  $('zones').textContent = `Times in ${zone} (the business)` + (visitorZone !== zone ? `, yours (${visitorZone}) below each.` : '.');
  state.snapshot = await api(`/api/services/${state.service.id}/snapshot/?from=${from}&to=${to}`);
  state.now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const candidates = explainCandidates(state.snapshot, { from, to, now: state.now, limit: 5000 });
  // One button per start time: bookable if any resource is free then.
  const byStart = new Map();
  for (const c of candidates) {
    const seen = byStart.get(c.start);
    if (!seen || (seen.code && !c.code)) byStart.set(c.start, c);
  }
  const days = new Map();
  for (let i = 0; i < 7; i++) {
    const d = new Date(state.weekStart.getTime() + i * DAY + 12 * 3_600_000);
    days.set(dayKey(d, zone), { label: dayLabel(d, zone), slots: [] });
  }
  for (const c of byStart.values()) {
    const day = days.get(dayKey(c.start, zone));
    if (day && c.code !== 'OUTSIDE_AVAILABILITY' && c.code !== 'OUTSIDE_OPENING_HOURS') day.slots.push(c);
  }
  const grid = $('grid');
  grid.replaceChildren();
  let free = 0;
  for (const day of days.values()) {
    const column = document.createElement('div');
    column.className = 'day';
    const h = document.createElement('h3');
    h.textContent = day.label;
    column.append(h);
    for (const c of day.slots) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `slot ${c.code ? 'taken' : 'free'}`;
      b.dataset.start = c.start;
      b.dataset.resource = c.resource_id;
      if (c.code) b.dataset.code = c.code; else free++;
      b.textContent = time(c.start, zone);
      if (visitorZone !== zone) {
        const v = document.createElement('span');
        v.className = 'visitor';
        v.textContent = time(c.start, visitorZone);
        b.append(v);
      }
      b.addEventListener('click', () => pick(b, c));
      column.append(b);
    }
    grid.append(column);
  }
  $('status').textContent = `${free} free slots this week (computed in your browser).`;
  // What is on screen, for tests and embedders.
  grid.dataset.business = state.business.id;
  grid.dataset.service = state.service.id;
  grid.dataset.week = from;
}

function pick(button, candidate) {
  document.querySelectorAll('.slot.selected').forEach((b) => b.classList.remove('selected'));
  const zone = state.business.time_zone;
  if (candidate.code) {
    $('why').textContent = `${time(candidate.start, zone)} is not bookable: ${REASONS[candidate.code] || candidate.code} (${candidate.code}).`;
    return;
  }
  try {
    // Client-side validation with the core's rule, at this moment.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    checkSlot(state.snapshot, candidate.resource_id, candidate.start, now);
  } catch (e) {
    $('why').textContent = `Not bookable any more: ${REASONS[e.code] || e.message} (${e.code}).`;
    return;
  }
  button.classList.add('selected');
  state.chosen = candidate;
  $('why').textContent = '';
  $('booking').hidden = false;
  $('chosen').textContent = `${state.service.name}, ${dayLabel(candidate.start, zone)} at ${time(candidate.start, zone)} (${zone})`
    + (visitorZone !== zone ? ` — ${time(candidate.start, visitorZone)} your time` : '');
  $('book').disabled = !state.token;
}

async function signIn(event) {
  event.preventDefault();
  try {
    const pair = await api('/api/auth/login/', {
      method: 'POST',
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    state.token = pair.access_token;
    $('result').className = 'ok';
    $('result').textContent = `Signed in as ${pair.user.email}.`;
    $('book').disabled = !state.chosen;
  } catch (e) {
    $('result').className = 'error';
    $('result').textContent = `Sign-in refused: ${e.message} (${e.code}).`;
  }
}

async function book() {
  const c = state.chosen;
  try {
    const reservation = await api('/api/client/reservations/', {
      method: 'POST',
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ service_id: state.service.id, start: c.start }),
    });
    $('result').className = 'ok';
    $('result').textContent = `Booked: reservation ${reservation.id}, status ${reservation.status}.`;
    await showWeek();
  } catch (e) {
    $('result').className = 'error';
    $('result').textContent = `The server refused: ${REASONS[e.code] || e.message} (${e.code}).`;
  }
}

async function main() {
  try {
    await init();
  } catch (e) {
    $('status').textContent = 'The WASM package is missing: build it with `bash bindings-wasm/build.sh`.';
    return;
  }
  $('business').addEventListener('change', chooseBusiness);
  $('service').addEventListener('change', chooseService);
  $('prev').addEventListener('click', () => { state.weekStart = new Date(state.weekStart.getTime() - 7 * DAY); showWeek(); });
  $('next').addEventListener('click', () => { state.weekStart = new Date(state.weekStart.getTime() + 7 * DAY); showWeek(); });
  $('login').addEventListener('submit', signIn);
  $('book').addEventListener('click', book);
  try {
    await loadBusinesses();
  } catch (e) {
    $('status').textContent = `Could not load businesses: ${e.message} (${e.code}).`;
  }
}

main();
