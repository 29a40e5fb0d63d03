#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner.
// Files run one at a time: integration tests share the kernel (mounts, cgroups).
// Usage: node scripts/run-tests.js [substring-filter...]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'dist', 'test');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(p);
    else if (ent.name.endsWith('.test.js')) files.push(p);
  }
})(root);
files.sort();
const chosen = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (chosen.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=600000', ...chosen], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
