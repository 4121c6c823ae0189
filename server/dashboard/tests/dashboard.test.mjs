// The business dashboard (/dashboard/) in headless Chromium against the real server with demo
// data: the demo salon's owner signs in; for each period the figures on screen are exactly
// those of /api/entreprise/statistiques/ for the same period (which is the business's local
// week, month or last 30 days, read from the calendar API); the three charts are SVG with
// content; a click on Confirm makes a pending reservation confirmed, and the move form moves
// one to the chosen free time (both read back through the API). Screenshots are kept in
// $RDV_ARTIFACTS/dashboard (default: target/dashboard-artifacts in the repository). Needs
// RDV_TEST_SERVER, RDV_TOOLS (playwright-core) and /usr/bin/chromium; without them it fails
// when CI is set and is skipped otherwise (examples/web-widget/tests/environment.mjs).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempDir, tempDir, testNeeding } from '../../../examples/web-widget/tests/environment.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.RDV_TEST_SERVER;
const tools = process.env.RDV_TOOLS;
const chromiumPath = '/usr/bin/chromium';
const served = !base || await fetch(`${base}/dashboard/`).then((r) => r.ok, () => false);
const missing = [
  !base && 'RDV_TEST_SERVER is not set (a server with demo data)',
  !served && `${base}/dashboard/ does not answer`,
  !tools && 'RDV_TOOLS is not set (the folder where playwright-core is installed)',
  tools && !fs.existsSync(path.join(tools, 'node_modules/playwright-core/package.json'))
    && `playwright-core is not installed in RDV_TOOLS=${tools}`,
  !fs.existsSync(chromiumPath) && `Chromium is not installed (${chromiumPath})`,
].filter(Boolean);

const artifacts = process.env.RDV_ARTIFACTS
  ? path.join(process.env.RDV_ARTIFACTS, 'dashboard')
  : path.join(here, '../../../target/dashboard-artifacts');

async function api(method, p, token, body) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const r = await fetch(base + p, { method, headers, body: body && JSON.stringify(body) });
  const json = await r.json();
  assert.ok(r.ok, `${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A figure as the page shows it (see formatFigure in dashboard.js). */
function shown(key, value) {
  if (value === null) return '—';
  if (/rate|utilisation/.test(key)) return `${(value * 100).toFixed(1)} %`;
  if (key === 'mean_lead_time_minutes') return `${Math.round(value)} min`;
  if (key.includes('revenue.')) return `${(value / 100).toFixed(2)} ${key.split('.')[1]}`;
  return String(value);
}

/** Every figure of a statistics answer, by its `data-figure` key. */
function figuresOf(stats) {
  const out = {};
  for (const [key, f] of Object.entries(stats.totals)) {
    if (Array.isArray(f)) {
      for (const m of f) out[`${key}.${m.currency}`] = { value: m.value_minor, previous: m.previous_minor };
    } else {
      out[key] = { value: f.value, previous: f.previous };
    }
  }
  return out;
}

/** `YYYY-MM-DD` of the local date in `zone`, `days` after today. */
function localDay(zone, days = 0) {
  const text = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const d = new Date(`${text}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

testNeeding('the dashboard shows the API figures and charts, confirms and moves', { timeout: 180_000 }, missing, async () => {
  const require = createRequire(path.join(tools, 'package.json'));
  const { chromium } = require('playwright-core');
  fs.mkdirSync(artifacts, { recursive: true });
  const token = (await api('POST', '/api/auth/login/', null, { email: 'salon@demo.rdv', password: 'demo-password-2026' })).access_token;
  const business = await api('GET', '/api/entreprise/mon-entreprise/', token);
  const zone = business.time_zone;
  const profile = tempDir('rdv-dashboard-');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      // Another zone than the business's: periods and times must follow the business.
      timezoneId: 'America/Los_Angeles',
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Every console error counts (a refused policy, a failed request) but the browser's own
    // request for /favicon.ico, which the server does not serve.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('#signin:not([hidden])');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-signin.png') });
    await page.getByLabel('Email').fill('salon@demo.rdv');
    await page.getByLabel('Password').fill('demo-password-2026');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-loaded]', { timeout: 60_000 });
    assert.match(await page.textContent('#title'), /Coiffeur Élégance/);
    const loaded = () => page.getAttribute('body', 'data-loaded');
    const reloaded = async (before) => page.waitForFunction((b) => document.body.dataset.loaded !== b, before, { timeout: 60_000 });

    // Each period is the business's local week, month or last 30 days, as the calendar says.
    const week = (await api('GET', `/api/entreprise/calendrier/?view=week&date=${localDay(zone)}`, token)).period;
    const month = (await api('GET', `/api/entreprise/calendrier/?view=month&date=${localDay(zone)}`, token)).period;
    const today = (await api('GET', `/api/entreprise/calendrier/?view=day&date=${localDay(zone)}`, token)).period;
    const first = (await api('GET', `/api/entreprise/calendrier/?view=day&date=${localDay(zone, -29)}`, token)).period;
    const periods = { week, month, last30: { start: first.start, end: today.end } };
    let compared = 0;
    let scalars = 0;
    for (const [kind, period] of Object.entries(periods)) {
      if (await page.inputValue('#period') !== kind) {
        const before = await loaded();
        await page.getByLabel('Period').selectOption(kind);
        await reloaded(before);
      }
      const from = await page.getAttribute('#figures', 'data-from');
      const to = await page.getAttribute('#figures', 'data-to');
      assert.deepEqual({ start: from, end: to }, period, kind);
      const stats = await api('GET', `/api/entreprise/statistiques/?from=${from}&to=${to}`, token);
      const expected = figuresOf(stats);
      scalars += Object.values(stats.totals).filter((f) => !Array.isArray(f)).length;
      const onScreen = await page.$$eval('[data-figure]', (els) => els.map((e) => ({
        key: e.dataset.figure, value: JSON.parse(e.dataset.value), previous: JSON.parse(e.dataset.previous), text: e.textContent,
      })));
      assert.deepEqual(onScreen.map((f) => f.key).sort(), Object.keys(expected).sort(), `${kind}: every figure is shown`);
      for (const f of onScreen) {
        assert.deepEqual({ value: f.value, previous: f.previous }, expected[f.key], `${kind} ${f.key}`);
        assert.equal(f.text, shown(f.key, expected[f.key].value), `${kind} ${f.key} as shown`);
        compared++;
      }
      if (kind === 'last30') {
        assert.ok(stats.totals.completed.value > 0 && stats.totals.completed_revenue.length > 0, 'the demo history counts');
      }
      await page.screenshot({ path: path.join(artifacts, `dashboard-${kind}.png`), fullPage: true });
    }
    // Money figures come one per currency booked in the period (none in a quiet week);
    // every count is shown in every period.
    assert.ok(scalars === 3 * 14 && compared >= scalars, `${compared} figures compared, ${scalars} counts`);

    // The three charts: server-drawn SVG with a title and drawn shapes.
    for (const name of ['bookings', 'revenue', 'utilisation']) {
      const chart = await page.$eval(`[data-chart="${name}"]`, (box) => {
        const svg = box.querySelector(':scope > svg');
        return svg && { role: svg.getAttribute('role'), title: svg.querySelector('title')?.textContent, shapes: svg.querySelectorAll('rect, polyline, path, circle').length, texts: svg.querySelectorAll('text').length };
      });
      assert.ok(chart, `${name} is an inline SVG`);
      assert.equal(chart.role, 'img');
      assert.ok(chart.title && chart.shapes >= 5 && chart.texts >= 3, `${name}: ${JSON.stringify(chart)}`);
    }
    // Calendars: one row per resource this week, and today's boxes when the salon works today.
    const resources = (await api('GET', '/api/entreprise/ressources/?limit=200', token)).items;
    assert.equal(await page.locator('#week tbody tr').count(), resources.length);

    // Confirm a pending reservation by a click; the API says it is confirmed.
    const pending = page.locator('#upcoming tbody tr[data-status="pending"]').first();
    const pendingId = await pending.getAttribute('data-reservation');
    assert.ok(pendingId, 'the demo has a pending reservation');
    let before = await loaded();
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await reloaded(before);
    assert.equal((await api('GET', `/api/entreprise/reservations/${pendingId}/`, token)).status, 'confirmed');
    assert.equal(await page.getAttribute(`#upcoming tr[data-reservation="${pendingId}"]`, 'data-status'), 'confirmed');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-confirmed.png'), fullPage: true });

    // Move another one with the form to the first free time offered on its resource.
    const row = page.locator(`#upcoming tbody tr[data-reservation]:not([data-reservation="${pendingId}"])`).last();
    const movedId = await row.getAttribute('data-reservation');
    const old = await api('GET', `/api/entreprise/reservations/${movedId}/`, token);
    await row.getByRole('button', { name: 'Move' }).click();
    const select = row.getByLabel('New start');
    await page.waitForFunction((id) => document.querySelector(`tr[data-reservation="${id}"] select`)?.options.length > 0, movedId);
    const target = await select.evaluate((s) => s.options[0].value);
    assert.notEqual(target, old.interval.start);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-move-form.png'), fullPage: true });
    before = await loaded();
    await row.locator('form.move').getByRole('button', { name: 'Move' }).click();
    await reloaded(before);
    assert.match(await page.textContent('#message'), /Done/);
    const moved = await api('GET', `/api/entreprise/reservations/${movedId}/`, token);
    assert.equal(moved.interval.start, target);
    assert.equal(moved.reschedule_count, old.reschedule_count + 1);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-moved.png'), fullPage: true });
    for (const f of fs.readdirSync(artifacts)) assert.ok(fs.statSync(path.join(artifacts, f)).size > 5_000, f);
    console.log(`screenshots: ${artifacts}`);
    assert.deepEqual(errors, []);
  } finally {
    await context?.close();
    removeTempDir(profile);
  }
});
