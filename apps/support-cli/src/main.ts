// `npm run support -- <command>`: see apps/support-cli/README.md.
import { runCli } from './cli';

runCli(process.argv.slice(2), process.env, { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
