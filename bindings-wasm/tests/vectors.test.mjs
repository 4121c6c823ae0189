// Runs every shared vector (vectors/*.json) through the built npm package (nodejs target),
// including the JS <-> Rust marshalling: `node --test bindings-wasm/tests/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const rdv = createRequire(import.meta.url)(join(here, '../pkg/nodejs/rdv_wasm.js'));
const dir = join(here, '../../vectors');

function call(fn, input) {
  switch (fn) {
    case 'compute_slots': return rdv.computeSlots(input.snapshot, input.query);
    case 'explain_candidates': return rdv.explainCandidates(input.snapshot, input.query);
    case 'check_slot':
      return { seats_left: rdv.checkSlot(input.snapshot, input.resource_id, input.start, input.now) };
    case 'validate_booking': return rdv.validateBooking(input);
    case 'find_overlaps': return { indices: rdv.findOverlaps(input.intervals, input.query) };
    case 'find_overlapping_pair': return { pair: rdv.findOverlappingPair(input.intervals) };
    case 'expand_recurrence': return rdv.expandRecurrence(input);
    default: throw new Error(`unknown function ${fn}`);
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are at least 40 vectors', () => assert.ok(files.length >= 40, `${files.length}`));

for (const file of files) {
  const v = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  test(v.name, () => {
    if ('ok' in v.expected) {
      assert.deepStrictEqual(call(v.function, v.input), v.expected.ok);
      return;
    }
    assert.throws(() => call(v.function, v.input), (e) => {
      assert.ok(e instanceof Error, 'an Error object');
      assert.equal(e.code, v.expected.error.code, e.message);
      assert.ok(e.message.length > 0);
      if (v.expected.error.fields) {
        assert.deepStrictEqual(e.fields.map((f) => f.field), v.expected.error.fields);
      }
      return true;
    });
  });
}

test('the snapshot may also be given as its JSON text', () => {
  const v = JSON.parse(readFileSync(join(dir, 'slots_basic_paris_summer.json'), 'utf8'));
  assert.deepStrictEqual(rdv.computeSlots(JSON.stringify(v.input.snapshot), v.input.query), v.expected.ok);
});

test('a malformed argument is a VALIDATION_FAILED error naming it', () => {
  const v = JSON.parse(readFileSync(join(dir, 'slots_basic_paris_summer.json'), 'utf8'));
  const query = { ...v.input.query, from: 'next tuesday' };
  assert.throws(() => rdv.computeSlots(v.input.snapshot, query), (e) => {
    assert.equal(e.code, 'VALIDATION_FAILED');
    assert.equal(e.fields[0].field, 'query');
    return true;
  });
});
