import { hideBin } from 'yargs/helpers';
import { main } from '../../src/cli/main';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`poolwatch: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
