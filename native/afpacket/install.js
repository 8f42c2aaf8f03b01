// `npm ci` / `npm install` runs this (package.json "scripts.install"): builds the AF_PACKET
// capture addon with npm's own node-gyp. It never fails the install: without the addon
// (not Linux, no compiler, no libpcap-dev) `poolwatch live` falls back to the `cap` binding
// and says so once when it starts.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, writeSync } = require('node:fs');
const { join } = require('node:path');

const dir = __dirname;
// Written at once: an exit right after an asynchronous console.log on a pipe can lose it.
const say = (text) => writeSync(1, text + '\n');
if (process.platform !== 'linux') {
  say('poolwatch: not Linux, the AF_PACKET capture addon is not built (live capture uses the cap binding)');
  process.exit(0);
}
// npm passes its bundled node-gyp to install scripts; run by hand, look for it beside npm.
const candidates = [process.env.npm_config_node_gyp, join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
const gyp = candidates.find((c) => c !== undefined && c !== '' && existsSync(c));
const argv = gyp !== undefined ? [process.execPath, gyp] : ['node-gyp'];
// The headers of the running node, where they are installed beside it, so no download is needed.
const prefix = join(process.execPath, '..', '..');
const nodedir = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const r = spawnSync(argv[0], [...argv.slice(1), 'rebuild', '--directory', dir, ...nodedir], { stdio: 'inherit' });
if (r.status === 0 && existsSync(join(dir, 'build', 'Release', 'afpacket.node'))) process.exit(0);
say(
  'poolwatch: the AF_PACKET capture addon did not build (it needs libpcap-dev, python3, make and a C compiler); ' +
    'live capture will use the cap binding instead. Install them and run `npm rebuild poolwatch` or `node native/afpacket/install.js`.',
);
process.exit(0);
