#!/usr/bin/env node
// After tsc: the berth CLI as one bundled file (dist/cli/berth.js, by esbuild)
// and V8 start-up snapshots of it, which bin/berth starts from: a command then
// costs little more than Node's own start. dist/cli/berth.blob has every
// command module loaded but compose; dist/cli/berth-compose.blob has compose
// too, its code run once on a sample project so its bytecode is kept (a larger
// heap costs every start ~3 ms, which only compose commands pay). Without
// esbuild (a production install) or when a snapshot cannot be built, nothing
// is written and bin/berth runs the tsc output as before.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'cli');
const bundle = path.join(out, 'berth.js');
const entry = path.join(out, 'snapshot-entry.js');
const blob = path.join(out, 'berth.blob');
const composeBlob = path.join(out, 'berth-compose.blob');
const nodeFile = path.join(out, 'node');

function skip(why) {
  for (const f of [blob, composeBlob, nodeFile]) fs.rmSync(f, { force: true });
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
  // native modules, and undici (rarely used by the CLI), come from node_modules when needed
  external: ['koffi', 'node-unix-socket', 'undici'],
  logLevel: 'warning',
  // tarfmt's GNU-sparse patch needs require.resolve, which the bundle lacks; it
  // skips itself there (the CLI never reads GNU sparse entries)
  logOverride: { 'require-resolve-not-external': 'silent' },
});
if (res.errors.length) skip('bundling failed');

// The snapshot builder runs one script that may require only Node's own
// modules: the bundle runs inside a wrapper whose `require`, `__dirname` and
// `__filename` are pointed at dist/cli once the snapshot is started.
const wrapper = (compose) => `'use strict';
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
berth.cli.preload(${compose});
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  const a = process.execArgv;
  const i = a.indexOf('--snapshot-blob');
  const file = i >= 0 ? a[i + 1] : (a.find((x) => x.startsWith('--snapshot-blob=')) || '').slice(16);
  berth.setRoot(require('node:path').dirname(require('node:path').resolve(file)));
  // started as: node --snapshot-blob berth.blob -- ARGS
  berth.cli.main(process.argv.slice(1));
});
`;
/** Builds one snapshot and checks it answers `args`; a blob that cannot is not used. */
function snapshot(file, compose, args, expect) {
  fs.writeFileSync(entry, wrapper(compose));
  const tmp = `${file}.tmp`;
  const built = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', entry], { cwd: out, encoding: 'utf8' });
  if (built.status !== 0) {
    fs.rmSync(tmp, { force: true });
    skip(`the snapshot did not build: ${built.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
  const check = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--', ...args], { encoding: 'utf8' });
  if (check.status !== 0 || !check.stdout.includes(expect)) {
    fs.rmSync(tmp, { force: true });
    skip(`the snapshot does not start: ${check.stderr.trim()}`);
  }
  fs.renameSync(tmp, file);
}
snapshot(blob, false, ['--help'], 'Usage:');
snapshot(composeBlob, true, ['compose', '--help'], 'Usage:  berth compose');
// the Node that built it: bin/berth starts the blob only with this one
fs.writeFileSync(nodeFile, `${process.execPath}\n`);
