// What the widget's tests take from the machine, decided in one place (the JavaScript
// counterpart of storage/tests/common/environment.rs): temporary folders, which they give
// back, and what they need (a server with demo data, playwright-core, Chromium, the WASM
// package), which may be missing.
//
// With CI set (non-empty, and neither 0 nor false) a test missing something fails and names
// it. Otherwise it is skipped, and a line `<test>\t<what is missing>` is appended to the file
// named by RDV_SKIP_LOG, which scripts/test.sh sums up. Not a test file itself (node --test
// runs *.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Whether CI is set: then nothing may be skipped. */
export function inCi() {
  const v = process.env.CI ?? '';
  return v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Declares the test `name` that needs what `missing` lists (each entry one missing thing;
 * empty when all is there). Something missing fails the test in CI and skips it otherwise.
 */
export function testNeeding(name, options, missing, fn) {
  if (missing.length === 0) {
    return test(name, options, fn);
  }
  const what = missing.join('; ');
  if (inCi()) {
    return test(name, options, () => {
      assert.fail(`${what}. CI is set, so a missing test service is a failure: `
        + 'scripts/test-bindings.sh provides them');
    });
  }
  const log = process.env.RDV_SKIP_LOG;
  if (log) {
    fs.appendFileSync(log, `examples/web-widget ${name}\t${what}\n`);
  }
  return test(name, { ...options, skip: what }, fn);
}

/**
 * A new empty folder `<prefix>…` in the system's temp folder, removed at the latest when the
 * process exits (also after a failure or a timeout); remove it earlier with `removeTempDir`.
 */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => removeTempDir(dir));
  return dir;
}

export function removeTempDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}
