import { main } from '../../src/cli/main';

// As bin/poolwatch.js: the arguments after node and this script (yargs/helpers would load yargs' help-text stack).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`poolwatch: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
