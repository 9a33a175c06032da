#!/usr/bin/env node
// Prints "N passed, N failed" from vitest's JSON report (the line CI reads). Exits 1 when the
// report is missing, counts a failure, or ran no test.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
if (!existsSync(file)) {
  console.log(`no test report at ${file}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const passed = r.numPassedTests ?? 0;
const failed = r.numFailedTests ?? 0;
// A file that failed to load (syntax error, failing hook) has no test results: count it as one failure.
const suitesFailed = (r.testResults ?? []).filter(
  (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
).length;
console.log(`${passed} passed, ${failed + suitesFailed} failed`);
process.exit(failed + suitesFailed > 0 || passed === 0 ? 1 : 0);
