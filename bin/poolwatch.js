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
    // main() reports every failure itself; this is the last guard, one line like the rest (the stack with POOLWATCH_DEBUG).
    const text = err && err.message ? err.message : String(err);
    process.stderr.write(`poolwatch: internal error: ${process.env.POOLWATCH_DEBUG && err && err.stack ? err.stack : text.split('\n')[0]}\n`);
    process.exitCode = 1;
  },
);
