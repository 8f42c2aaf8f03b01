#!/usr/bin/env node
'use strict';
const { main } = require('../dist/src/cli/main.js');

// process.argv.slice(2) rather than yargs/helpers' hideBin: the helpers module imports yargs' whole
// help-text stack (cliui, string-width, ...), which src/cli/yargs.ts otherwise loads only for help.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`poolwatch: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
