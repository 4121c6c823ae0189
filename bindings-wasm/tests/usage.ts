// Compiled with `tsc --noEmit --strict` by scripts/test-bindings.sh: the declarations of the
// package must accept ordinary values (strings, numbers; no BigInt) and give typed results.
import {
  computeSlots, explainCandidates, checkSlot, validateBooking, findOverlaps,
  findOverlappingPair, expandRecurrence, snapshotVersion,
  type Snapshot, type SlotList, type Candidate, type Expansion, type RdvError, type ValidBooking,
  type BookingCheck,
} from '../pkg/nodejs/rdv_wasm.js';

const snapshot: Snapshot = {
  version: snapshotVersion(),
  time_zone: 'Europe/Paris',
  opening_hours: { monday: [{ start: '09:00', end: '12:00' }] },
  rules: {
    duration_minutes: 60, step_minutes: 60, buffer_before_minutes: 0, buffer_after_minutes: 0,
    min_notice_minutes: 0, horizon_days: 90, seats: 1,
  },
  resources: [{
    resource_id: '00000000-0000-0000-0000-0000000000a1',
    windows: [{ start: '2026-06-01T00:00:00Z', end: '2026-06-02T00:00:00Z' }],
  }],
};
const query = { from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z', now: '2026-05-30T12:00:00Z', limit: 100 };
const list: SlotList = computeSlots(snapshot, query);
const firstStart: string | undefined = list.slots[0]?.start;
const seats: number = checkSlot(JSON.stringify(snapshot), '00000000-0000-0000-0000-0000000000a1', '2026-06-01T07:00:00Z', query.now);
const why: Candidate[] = explainCandidates(snapshot, query);
const codes: (string | null)[] = why.map((c) => c.code);
const hits: number[] = findOverlaps([{ start: '2026-06-01T08:00:00Z', end: '2026-06-01T09:00:00Z' }], { start: '2026-06-01T08:30:00Z', end: '2026-06-01T10:00:00Z' });
const pair: [number, number] | null = findOverlappingPair([]);
const exp: Expansion = expandRecurrence({
  rule: 'FREQ=DAILY;COUNT=2', dtstart: '2026-06-01T10:00:00', time_zone: 'Europe/Paris',
  window: { start: '2026-06-01T00:00:00Z', end: '2026-07-01T00:00:00Z' }, limit: 10,
});
declare const check: BookingCheck;
try {
  const ok: ValidBooking = validateBooking(check);
  console.log(ok.resource_id, ok.interval.start, ok.price.amount_minor);
} catch (e) {
  const err = e as RdvError;
  const code: string = err.code;
  console.log(code, err.message, err.fields?.map((f) => f.field));
}
console.log(firstStart, seats, codes, hits, pair, exp.occurrences.length);
