import { parseArgs } from 'node:util';
import { Type, type TString } from '@sinclair/typebox';
import { Pool } from 'pg';
import { commonEnv } from '../config/env-schema';
import { ConfigurationError, validateEnv } from '../config/validate-env';
import { DEFAULT_ROTATION, type ColumnReport, type RotationReport, rotateKeys } from './key-rotation';
import type { SealedColumn } from './sealed-column';
import { SecretBox } from './secret-box';

export interface RotatingService {
  name: string;
  columns: readonly SealedColumn[];
  /** The service's own DATABASE_URL setting, with its default. */
  databaseUrl: TString;
}

export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

const usage = (service: string) => `re-encrypt ${service}'s sealed values with the active key, each bound to its row

  npm run keys:rotate -- ${service} [--apply] [--batch-size <rows>]

  Without --apply it only counts, per sealed column, the values under each key and how many a
  rotation would re-encrypt. With --apply it re-encrypts them ${DEFAULT_ROTATION.batchSize} rows per transaction
  (--batch-size), skipping rows a running service holds and coming back for them, and ends
  by naming the keys no value uses any more. Safe to stop and run again at any time.

  environment (the service's own): DATABASE_URL, DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_ACTIVE_KEY`;

/** The `keys:rotate` command of one service; resolves to the process exit code. */
export async function runKeyRotationCommand(service: RotatingService, argv: string[], env: NodeJS.ProcessEnv, io: CommandOutput): Promise<number> {
  let apply: boolean;
  let batchSize: number;
  let settings: { DATABASE_URL: string; DATA_ENCRYPTION_KEYS: string; DATA_ENCRYPTION_ACTIVE_KEY?: string };
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { apply: { type: 'boolean' }, 'batch-size': { type: 'string' }, help: { type: 'boolean' } },
    });
    if (values.help) {
      io.out(usage(service.name));
      return 0;
    }
    apply = values.apply ?? false;
    batchSize = Number(values['batch-size'] ?? DEFAULT_ROTATION.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch-size must be a whole number from 1 to 10000');
    const schema = Type.Object({
      DATABASE_URL: service.databaseUrl,
      DATA_ENCRYPTION_KEYS: commonEnv.DATA_ENCRYPTION_KEYS,
      DATA_ENCRYPTION_ACTIVE_KEY: commonEnv.DATA_ENCRYPTION_ACTIVE_KEY,
    });
    settings = validateEnv(schema, env);
  } catch (error) {
    io.err(error instanceof ConfigurationError || error instanceof Error ? error.message : String(error));
    io.err(usage(service.name));
    return 2;
  }
  const cipher = SecretBox.fromSpec(settings.DATA_ENCRYPTION_KEYS, settings.DATA_ENCRYPTION_ACTIVE_KEY);
  const database = decodeURIComponent(new URL(settings.DATABASE_URL).pathname.slice(1));
  io.out(`${service.name} key rotation: database ${database}, active key "${cipher.activeKey}", ${apply ? 'applying' : 'dry run (add --apply to re-encrypt)'}`);
  const pool = new Pool({ connectionString: settings.DATABASE_URL, max: 2 });
  try {
    const report = await rotateKeys(pool, cipher, service.columns, {
      ...DEFAULT_ROTATION,
      apply,
      batchSize,
      onProgress: (p) => {
        if (!p.final) io.out(`  ${p.column}: ${count(p.done)} re-encrypted, ${count(p.left)} left, ${count(p.rowsPerSecond)} rows/s`);
      },
    });
    report.columns.forEach((column) => io.out(describeColumn(column, apply)));
    summarize(report).forEach((line) => io.out(line));
    return !apply || report.complete ? 0 : 1;
  } catch (error) {
    io.err(`key rotation stopped: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await pool.end();
  }
}

function describeColumn(column: ColumnReport, applied: boolean): string {
  const keys = column.keys.map((k) => `"${k.keyId}" v${k.version}: ${count(k.rows)}`).join(', ') || 'no values';
  const done = applied ? `${count(column.reencrypted)} re-encrypted in ${column.seconds.toFixed(1)} s, ` : '';
  const unreadable = column.unreadable.length
    ? `; ${column.unreadable.length} will not open (left as they are): ${column.unreadable.slice(0, 10).join(', ')}`
    : '';
  return `  ${column.column}: ${done}${count(column.due)} ${applied ? 'still due' : 'to re-encrypt'} (${keys})${unreadable}`;
}

function summarize(report: RotationReport): string[] {
  const due = report.columns.reduce((sum, c) => sum + c.due, 0);
  const lines: string[] = [];
  if (report.applied) {
    const done = report.columns.reduce((sum, c) => sum + c.reencrypted, 0);
    lines.push(`re-encrypted ${count(done)} values; ${count(due)} still due`);
    if (due > 0) lines.push('values still due were held by a running service, written under another key meanwhile, or will not open: run again');
  } else {
    lines.push(`${count(due)} values to re-encrypt`);
  }
  if (due === 0 && report.unusedKeys.length > 0) {
    lines.push(
      `no value uses ${report.unusedKeys.map((k) => `"${k}"`).join(', ')} any more: remove ${report.unusedKeys.length > 1 ? 'them' : 'it'} from DATA_ENCRYPTION_KEYS ` +
        `once every instance of the service runs with "${report.activeKey}" active`,
    );
  }
  return lines;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A service's `keys/rotate-keys.ts` entry point: runs the command on this process's arguments and environment. */
export function keyRotationMain(service: RotatingService): void {
  runKeyRotationCommand(service, process.argv.slice(2), process.env, { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
