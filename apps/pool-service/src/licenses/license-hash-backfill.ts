import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG, SecretBox } from '@keypool/platform';
import { PoolConfig, licenseHashKey } from '../config';
import { LicenseHashUpgrade } from './license-hash-upgrade';

const BATCH_ROWS = 1000;

/**
 * Brings licenses stored under an older hash rule to the current one, in the background from
 * start-up, a short transaction per batch so imports and allocation never wait on it for long.
 * Correctness does not depend on it finishing: each import first upgrades its own merchant's
 * rows (ImportLicensesHandler). Several instances share the work (SKIP LOCKED).
 */
@Injectable()
export class LicenseHashBackfill implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LicenseHashBackfill.name);
  private readonly upgrade: LicenseHashUpgrade;
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    cipher: SecretBox,
    @Inject(SERVICE_CONFIG) config: PoolConfig,
  ) {
    this.upgrade = new LicenseHashUpgrade(cipher, licenseHashKey(config));
  }

  onApplicationBootstrap(): void {
    this.running = this.runUntilDone().then(
      () => undefined,
      (error: unknown) => this.logger.error({ err: error }, 'license hash upgrade stopped; it resumes at the next start'),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Upgrades batch after batch until no outdated row is left (or the service stops). */
  async runUntilDone(): Promise<{ upgraded: number; rehashed: number; twins: number }> {
    const total = { upgraded: 0, rehashed: 0, twins: 0 };
    while (!this.stopping) {
      const batch = await this.dataSource.transaction((manager) => this.upgrade.upgrade(manager, { limit: BATCH_ROWS, skipLocked: true }));
      if (batch.upgraded === 0) break;
      total.upgraded += batch.upgraded;
      total.rehashed += batch.rehashed;
      total.twins += batch.twins;
    }
    if (total.upgraded > 0) this.logger.log(total, 'licenses brought to the NFKC duplicate hash');
    return total;
  }
}
