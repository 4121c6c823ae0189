// Parity (WASM-1): for generated data, the slots the server's public endpoint returns equal
// what the WASM package computes from the snapshot endpoint's answer. Needs a running server
// with demo data (RDV_TEST_SERVER) and the built package (bindings-wasm/pkg/nodejs); the
// script scripts/test-bindings.sh provides both. Without them it fails when CI is set and is
// skipped otherwise (environment.mjs).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testNeeding } from './environment.mjs';

const base = process.env.RDV_TEST_SERVER;
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const wasmPackage = path.join(here, '../../../bindings-wasm/pkg/nodejs/rdv_wasm.js');
const missing = [
  !base && 'RDV_TEST_SERVER is not set (a server with demo data)',
  !fs.existsSync(wasmPackage) && 'the WASM package is not built (bash bindings-wasm/build.sh)',
].filter(Boolean);

async function api(p, options = {}) {
  const r = await fetch(base + p, options);
  const body = await r.json();
  if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

testNeeding('server slots equal WASM slots computed from the snapshot', {}, missing, async () => {
  const wasm = require(wasmPackage);
  const day = 86_400_000;
  const midnight = Math.floor(Date.now() / day) * day;
  const from = new Date(midnight + 2 * day).toISOString().replace('.000Z', 'Z');
  const to = new Date(midnight + 16 * day).toISOString().replace('.000Z', 'Z');

  // Generated bookings so busy intervals take part: two clients book pseudo-random free slots.
  const tokens = [];
  for (const email of ['jeanne@demo.rdv', 'marc@demo.rdv']) {
    const pair = await api('/api/auth/login/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'demo-password-2026' }),
    });
    tokens.push(pair.access_token);
  }
  const businesses = (await api('/api/entreprises/?limit=200')).items;
  assert.ok(businesses.length >= 3);
  let compared = 0;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const b of businesses) {
    for (const s of (await api(`/api/entreprises/${b.id}/services/?limit=200`)).items) {
      const slotsPath = `/api/services/${s.id}/creneaux/?from=${from}&to=${to}`;
      const before = await api(slotsPath);
      for (let i = 0; i < 3 && before.slots.length > 0; i++) {
        const slot = before.slots[Math.floor(random() * before.slots.length)];
        await fetch(base + '/api/client/reservations/', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % 2]}` },
          body: JSON.stringify({ service_id: s.id, start: slot.start }),
        });
      }
      const server = await api(slotsPath);
      const snapshot = await api(`/api/services/${s.id}/snapshot/?from=${from}&to=${to}`);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const local = wasm.computeSlots(snapshot, { from, to, now, limit: 5000 });
      assert.deepEqual(local, server, `${b.name} / ${s.name}`);
      assert.ok(server.slots.length > 0, `${b.name} / ${s.name} has slots`);
      compared++;
    }
  }
  assert.ok(compared >= 4, `${compared} services compared`);
});
