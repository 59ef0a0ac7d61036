import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadinessRegistry, type ReadinessProbe } from '../health/readiness';
import { describeError } from '../retry/backoff';

/** A readiness check answers within this, so a hung connection reads as down, not as a hung probe. */
export const DATABASE_PROBE_TIMEOUT_MS = 3000;

/** Why the service's database does not answer a trivial query in time, or undefined when it does. */
export async function databaseDown(dataSource: DataSource, timeoutMs = DATABASE_PROBE_TIMEOUT_MS): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([dataSource.query('SELECT 1'), timeout])
    .finally(() => clearTimeout(timer))
    .then(
      () => undefined,
      (error) => `database unreachable: ${describeError(error)}`,
    );
}

/** The readiness probe named `database`: red, with the reason, while the database does not answer. */
export function databaseProbe(dataSource: DataSource): ReadinessProbe {
  return {
    name: 'database',
    check: async () => {
      const down = await databaseDown(dataSource);
      return { up: !down, detail: down };
    },
  };
}

/** Registered by ServiceDatabaseModule: whoever owns the database owns its readiness probe. */
@Injectable()
export class DatabaseReadiness implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register(databaseProbe(this.dataSource));
  }
}
