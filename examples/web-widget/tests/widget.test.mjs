// The booking widget in headless Chromium (WASM-2) against the real server on SQLite: the week
// renders exactly the server's free slots; an invalid choice is refused in the browser with the
// core's code and sends no request; a valid one is booked (201) and then leaves the free list.
// Then a logo and service images uploaded by the owner show in it (BIZ-2, SVC-4).
// A screenshot is kept in $RDV_ARTIFACTS (default: the system's temp folder). Needs
// RDV_TEST_SERVER (a server with demo data serving /widget/ and its WASM package), RDV_TOOLS
// (playwright-core installed there) and /usr/bin/chromium; without them it fails when CI is
// set and is skipped otherwise (environment.mjs). Chromium's profile folder is removed
// afterwards.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { removeTempDir, tempDir, testNeeding } from './environment.mjs';

const base = process.env.RDV_TEST_SERVER;
const tools = process.env.RDV_TOOLS;
const chromiumPath = '/usr/bin/chromium';
// The page loads the WASM package the server serves beside it.
const wasmUrl = base && `${base}/widget/pkg/rdv_wasm.js`;
const wasmServed = !wasmUrl || await fetch(wasmUrl).then((r) => r.ok, () => false);
const missing = [
  !base && 'RDV_TEST_SERVER is not set (a server with demo data)',
  !wasmServed && `${wasmUrl} does not answer (a running server, and the WASM package: bash bindings-wasm/build.sh)`,
  !tools && 'RDV_TOOLS is not set (the folder where playwright-core is installed)',
  tools && !fs.existsSync(path.join(tools, 'node_modules/playwright-core/package.json'))
    && `playwright-core is not installed in RDV_TOOLS=${tools}`,
  !fs.existsSync(chromiumPath) && `Chromium is not installed (${chromiumPath})`,
].filter(Boolean);

testNeeding('the widget shows slots, explains a taken one, and books', { timeout: 120_000 }, missing, async () => {
  const require = createRequire(path.join(tools, 'package.json'));
  const { chromium } = require('playwright-core');
  const profile = tempDir('rdv-widget-');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      timezoneId: 'America/Los_Angeles',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/widget/`);
    await page.waitForFunction(() => /free slots this week/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    // The New York dentist: one practitioner, so a booked time becomes taken for everyone.
    const dentist = await page.evaluate(() => [...document.querySelectorAll('#business option')].find((o) => o.textContent.includes('Hudson')).value);
    await page.selectOption('#business', dentist);
    await page.waitForSelector(`#grid[data-business="${dentist}"]`);
    // Next week: the demo availabilities cover it whatever today is.
    const thisWeek = await page.getAttribute('#grid', 'data-week');
    await page.click('#next');
    await page.waitForFunction((w) => document.getElementById('grid').dataset.week !== w, thisWeek);
    await page.waitForSelector('.slot.free');
    const zones = await page.textContent('#zones');
    assert.match(zones, /America\/New_York/);
    // The free slots on screen are exactly the server's for that week.
    const week = await page.getAttribute('#grid', 'data-week');
    const service = await page.getAttribute('#grid', 'data-service');
    const weekEnd = new Date(Date.parse(week) + 7 * 86_400_000).toISOString().replace('.000Z', 'Z');
    const server = await (await fetch(`${base}/api/services/${service}/creneaux/?from=${week}&to=${weekEnd}`)).json();
    const expected = [...new Set(server.slots.map((s) => s.start))].sort();
    const shown = (await page.$$eval('.slot.free', (bs) => bs.map((b) => b.dataset.start))).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(shown, expected);
    // Count what the page sends to the booking endpoint from now on.
    const bookingRequests = [];
    page.on('request', (r) => { if (r.url().includes('/api/client/reservations/')) bookingRequests.push(r.method()); });
    assert.match(zones, /America\/Los_Angeles/, 'the visitor zone is shown beside');
    const first = page.locator('.slot.free').first();
    const start = await first.getAttribute('data-start');
    await first.click();
    assert.match(await page.textContent('#chosen'), /your time/);
    await page.fill('#email', 'jeanne@demo.rdv');
    await page.fill('#password', 'demo-password-2026');
    await page.click('#signin');
    await page.waitForFunction(() => !document.getElementById('book').disabled);
    const answer = page.waitForResponse((r) => r.url().includes('/api/client/reservations/') && r.request().method() === 'POST');
    await page.click('#book');
    assert.equal((await answer).status(), 201);
    await page.waitForFunction(() => /Booked|refused/.test(document.getElementById('result').textContent));
    const result = await page.textContent('#result');
    assert.match(result, /Booked: reservation [0-9a-f-]+, status pending/, result);
    // The booked time has left the free list; choosing it now is refused in the browser with
    // the core's code, and nothing is sent.
    await page.waitForSelector(`.slot.taken[data-start="${start}"]`);
    assert.equal(await page.$(`.slot.free[data-start="${start}"]`), null);
    const sentBefore = bookingRequests.length;
    await page.click(`.slot.taken[data-start="${start}"]`);
    assert.match(await page.textContent('#why'), /not bookable: .* \((BOOKING_OVERLAP|BUFFER_CONFLICT)\)/);
    await page.waitForTimeout(300);
    assert.equal(bookingRequests.length, sentBefore, 'an invalid choice sends no request');
    assert.deepEqual(bookingRequests, ['POST'], 'one booking request in all');
    const artifacts = process.env.RDV_ARTIFACTS || os.tmpdir();
    fs.mkdirSync(artifacts, { recursive: true });
    const shot = path.join(artifacts, 'widget.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
    console.log(`screenshot: ${shot}`);
    assert.deepEqual(errors, []);
    assert.ok(start);
  } finally {
    await context?.close();
    removeTempDir(profile);
  }
});

// A `w` × `h` opaque PNG (an RGB gradient), written with zlib: no image library needed here.
function png(w, h) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + 3 * w);
    for (let x = 0; x < w; x++) row.set([x % 256, y % 256, 128], 1 + 3 * x);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

testNeeding('the widget shows the business logo and the service image the owner uploaded', { timeout: 120_000 }, missing, async () => {
  const login = await fetch(`${base}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'dental@demo.rdv', password: 'demo-password-2026' }),
  });
  assert.equal(login.status, 200);
  const token = (await login.json()).access_token;
  const upload = async (method, url, bytes) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'picture.png');
    const r = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}` }, body: form });
    assert.ok(r.ok, `${url}: ${r.status} ${await r.text()}`);
  };
  await upload('PUT', '/api/entreprise/mon-entreprise/logo/', png(400, 200));
  const mine = await (await fetch(`${base}/api/entreprise/services/`, { headers: { authorization: `Bearer ${token}` } })).json();
  const first = (mine.items ?? mine).map((s) => s.id);
  for (const id of first) await upload('POST', `/api/entreprise/services/${id}/images/`, png(300, 300));

  const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');
  const profile = tempDir('rdv-widget-');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/widget/`);
    await page.waitForFunction(() => /free slots this week/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    const dentist = await page.evaluate(() => [...document.querySelectorAll('#business option')].find((o) => o.textContent.includes('Hudson')).value);
    await page.selectOption('#business', dentist);
    await page.waitForSelector(`#grid[data-business="${dentist}"]`);
    // The thumbnails (256 px at most) are loaded and shown, with their alternative texts.
    const shown = async (id) => page.waitForFunction((i) => {
      const img = document.getElementById(i);
      return !img.hidden && img.complete && img.naturalWidth > 0 && { w: img.naturalWidth, h: img.naturalHeight, alt: img.alt, src: img.src };
    }, id, { timeout: 10_000 }).then((h) => h.jsonValue());
    const logo = await shown('logo');
    assert.deepEqual([logo.w, logo.h], [256, 128]);
    assert.match(logo.alt, /logo$/);
    // An opaque PNG is stored as JPEG (only images with transparency stay PNG).
    assert.match(logo.src, /\/images\/[0-9a-f]{64}\.jpg$/);
    const service = await shown('service-image');
    assert.deepEqual([service.w, service.h], [256, 256]);
    assert.deepEqual(errors, []);
  } finally {
    await context?.close();
    removeTempDir(profile);
  }
});
