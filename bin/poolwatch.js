#!/usr/bin/env node
'use strict';
const { hideBin } = require('yargs/helpers');
const { main } = require('../dist/src/cli/main.js');

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`poolwatch: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
