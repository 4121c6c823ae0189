// Slot computation through the npm package (JS objects in and out, i.e. with marshalling) vs
// native Rust on the same input: 30 days, Mon-Fri 09:00-17:00 Europe/Berlin, 30-minute
// service with 5/10-minute buffers and 120-minute notice, 100 existing reservations.
// Usage: node bench/slots.mjs  (after build.sh; runs the native side with cargo).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const rdv = createRequire(import.meta.url)(join(here, '../pkg/nodejs/rdv_wasm.js'));

const pad = (n) => String(n).padStart(2, '0');
const busy = [];
// June 2026 is summer time in Berlin (UTC+2); weekdays from Monday 1 June.
for (let day = 1; day <= 30 && busy.length < 100; day++) {
  const weekday = new Date(Date.UTC(2026, 5, day)).getUTCDay();
  if (weekday === 0 || weekday === 6) continue;
  for (const [h, m] of [[7, 15], [8, 45], [10, 15], [11, 45], [13, 15]]) {
    if (busy.length === 100) break;
    const start = `2026-06-${pad(day)}T${pad(h)}:${pad(m)}:00Z`;
    const end = `2026-06-${pad(day)}T${pad(h + (m + 30 >= 60 ? 1 : 0))}:${pad((m + 30) % 60)}:00Z`;
    busy.push({ start, end, buffer_before_minutes: 5, buffer_after_minutes: 10, same_service: true });
  }
}
const week = [{ start: '09:00', end: '17:00' }];
const snapshot = {
  version: 1, time_zone: 'Europe/Berlin',
  opening_hours: { monday: week, tuesday: week, wednesday: week, thursday: week, friday: week },
  closures: [],
  rules: { duration_minutes: 30, step_minutes: 30, buffer_before_minutes: 5, buffer_after_minutes: 10,
    min_notice_minutes: 120, horizon_days: 90, seats: 1 },
  resources: [{ resource_id: '00000000-0000-0000-0000-0000000000a1',
    windows: [{ start: '2026-06-01T00:00:00Z', end: '2026-07-01T00:00:00Z' }], busy }],
};
const query = { from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z', now: '2026-05-31T00:00:00Z', limit: 10000 };

function time(label, f) {
  for (let i = 0; i < 200; i++) f();
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 2_000_000_000n) { f(); n++; elapsed = process.hrtime.bigint() - t0; }
  const us = Number(elapsed) / n / 1000;
  console.log(`${label}: ${us.toFixed(1)} µs/call (${n} calls)`);
  return us;
}

const count = rdv.computeSlots(snapshot, query).slots.length;
const text = JSON.stringify(snapshot);
const wasmObj = time('wasm (node), JS objects in/out', () => rdv.computeSlots(snapshot, query));
const wasmText = time('wasm (node), snapshot as JSON text', () => rdv.computeSlots(text, query));

const dir = mkdtempSync(join(tmpdir(), 'rdv-bench-'));
writeFileSync(join(dir, 'input.json'), JSON.stringify({ snapshot, query }));
const out = execFileSync('cargo', ['run', '-q', '--release', '-p', 'rdv-wasm', '--example', 'native_slots', '--',
  join(dir, 'input.json')], { encoding: 'utf8', cwd: join(here, '../..') });
process.stdout.write(out);
const nativeUs = Number(/native compute_slots: ([0-9.]+)/.exec(out)[1]);
const nativeCount = Number(/slots=([0-9]+)/.exec(out)[1]);
if (nativeCount !== count) throw new Error(`native found ${nativeCount} slots, wasm ${count}`);
console.log(`slots per call: ${count}; wasm-with-marshalling / native = ${(wasmObj / nativeUs).toFixed(1)}x `
  + `(JSON text: ${(wasmText / nativeUs).toFixed(1)}x)`);
