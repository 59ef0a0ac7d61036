import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Messaging } from '@keypool/messaging';
import { SERVICE_CONFIG } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { PoolQueue } from '../stock/pool-queue';

/**
 * Imports serve held lines right after they commit; this sweep is the safety net for an
 * instance that stopped in between, so a held line is served even if nothing else happens.
 */
@Injectable()
export class HeldLineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeldLineSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
    @Inject(SERVICE_CONFIG) private readonly config: PoolConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((error: unknown) => this.logger.error({ err: error }, 'held-line sweep failed; the next one retries'))
        .finally(() => (this.running = undefined));
    }, this.config.HELD_LINE_SWEEP_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Serves every pool that has held lines and available licenses. */
  async sweep(): Promise<void> {
    // Per pool, two index probes (partial indexes): never a scan of every held line.
    const pools: { id: string }[] = await this.dataSource.query(
      `SELECT p.id FROM pool p
        WHERE p.archived_at IS NULL
          AND EXISTS (SELECT 1 FROM allocation a WHERE a.pool_id = p.id AND a.status = 'awaiting_stock')
          AND EXISTS (SELECT 1 FROM license l WHERE l.pool_id = p.id AND l.status = 'available')`,
    );
    for (const { id } of pools) await this.messaging.transactions.run((tx) => this.queue.serve(tx, [id]));
  }
}
