#!/usr/bin/env node
// After tsc: the berth CLI as one bundled file (dist/cli/berth.js, by esbuild)
// and a V8 start-up snapshot of it with every command module loaded
// (dist/cli/berth.blob), which bin/berth starts from: a command then costs
// little more than Node's own start. Without esbuild (a production install)
// or when the snapshot cannot be built, nothing is written and bin/berth runs
// the tsc output as before.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'cli');
const bundle = path.join(out, 'berth.js');
const entry = path.join(out, 'snapshot-entry.js');
const blob = path.join(out, 'berth.blob');
const nodeFile = path.join(out, 'node');

function skip(why) {
  for (const f of [blob, nodeFile]) fs.rmSync(f, { force: true });
  process.stderr.write(`build-cli: ${why}; berth starts without its snapshot\n`);
  process.exit(0);
}

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  skip('esbuild is not installed');
}
fs.mkdirSync(out, { recursive: true });
const res = esbuild.buildSync({
  entryPoints: [path.join(root, 'dist', 'src', 'cli', 'main.js')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: bundle,
  minify: true,
  keepNames: true,
  // native modules and the libraries of commands that load on use (compose's
  // yaml) come from node_modules when needed: a smaller snapshot
  external: ['koffi', 'node-unix-socket', 'undici', 'yaml'],
  logLevel: 'warning',
  // tarfmt's GNU-sparse patch needs require.resolve, which the bundle lacks; it
  // skips itself there (the CLI never reads GNU sparse entries)
  logOverride: { 'require-resolve-not-external': 'silent' },
});
if (res.errors.length) skip('bundling failed');

// The snapshot builder runs one script that may require only Node's own
// modules: the bundle runs inside a wrapper whose `require`, `__dirname` and
// `__filename` are pointed at dist/cli once the snapshot is started.
const wrapper = `'use strict';
const berth = (() => {
  let __filename = ${JSON.stringify(bundle)};
  let __dirname = ${JSON.stringify(out)};
  let load = require;
  const module = { exports: {} };
  const exports = module.exports;
  ((require) => {
${fs.readFileSync(bundle, 'utf8')}
  })((id) => load(id));
  return {
    cli: module.exports,
    /** where the blob is, which is where the bundle and node_modules are found */
    setRoot(dir) {
      __dirname = dir;
      __filename = require('node:path').join(dir, 'berth.js');
      load = require('node:module').createRequire(__filename);
    },
  };
})();
berth.cli.preload();
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  const a = process.execArgv;
  const i = a.indexOf('--snapshot-blob');
  const file = i >= 0 ? a[i + 1] : (a.find((x) => x.startsWith('--snapshot-blob=')) || '').slice(16);
  berth.setRoot(require('node:path').dirname(require('node:path').resolve(file)));
  // started as: node --snapshot-blob berth.blob -- ARGS
  berth.cli.main(process.argv.slice(1));
});
`;
fs.writeFileSync(entry, wrapper);
const tmp = `${blob}.tmp`;
const built = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', entry], { cwd: out, encoding: 'utf8' });
if (built.status !== 0) {
  fs.rmSync(tmp, { force: true });
  skip(`the snapshot did not build: ${built.stderr.trim().split('\n').slice(-3).join(' ')}`);
}
// a blob that cannot answer --help is not used
const check = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--', '--help'], { encoding: 'utf8' });
if (check.status !== 0 || !check.stdout.includes('Usage:')) {
  fs.rmSync(tmp, { force: true });
  skip(`the snapshot does not start: ${check.stderr.trim()}`);
}
fs.renameSync(tmp, blob);
// the Node that built it: bin/berth starts the blob only with this one
fs.writeFileSync(nodeFile, `${process.execPath}\n`);
