// The booking widget in headless Chromium (WASM-2): it loads the WASM package, shows a week of
// slots computed in the browser, explains why a taken time is not bookable, signs in, books
// through the server and shows the confirmation. Needs RDV_TEST_SERVER (a server with demo
// data serving /widget/), RDV_TOOLS (playwright-core installed there) and /usr/bin/chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.RDV_TEST_SERVER;
const tools = process.env.RDV_TOOLS;

test('the widget shows slots, explains a taken one, and books', { skip: (!base || !tools) && 'RDV_TEST_SERVER or RDV_TOOLS is not set', timeout: 120_000 }, async () => {
  const require = createRequire(path.join(tools, 'package.json'));
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rdv-widget-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timezoneId: 'America/Los_Angeles',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
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
    assert.match(zones, /America\/Los_Angeles/, 'the visitor zone is shown beside');
    const first = page.locator('.slot.free').first();
    const start = await first.getAttribute('data-start');
    await first.click();
    assert.match(await page.textContent('#chosen'), /your time/);
    await page.fill('#email', 'jeanne@demo.rdv');
    await page.fill('#password', 'demo-password-2026');
    await page.click('#signin');
    await page.waitForFunction(() => !document.getElementById('book').disabled);
    await page.click('#book');
    await page.waitForFunction(() => /Booked|refused/.test(document.getElementById('result').textContent));
    const result = await page.textContent('#result');
    assert.match(result, /Booked: reservation [0-9a-f-]+, status pending/, result);
    // The booked time is now taken: clicking it explains why with the core's code.
    await page.waitForSelector(`.slot.taken[data-start="${start}"]`);
    await page.click(`.slot.taken[data-start="${start}"]`);
    assert.match(await page.textContent('#why'), /not bookable: .* \((BOOKING_OVERLAP|BUFFER_CONFLICT)\)/);
    assert.deepEqual(errors, []);
    assert.ok(start);
  } finally {
    await context.close();
  }
});
