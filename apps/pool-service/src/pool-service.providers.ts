import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Topics } from '@keypool/contracts';
import { Messaging } from '@keypool/messaging';
import { SERVICE_CONFIG, SecretBox, TOPICS } from '@keypool/platform';
import { AllocateLicensesHandler } from './allocation/allocate-licenses.handler';
import { PoolQueue } from './stock/pool-queue';
import { RerouteHeldLines } from './allocation/reroute-held-lines';
import { PoolConfig, licenseHashKey } from './config';
import { HeldLinesHandler } from './held-lines/held-lines.handler';
import { ImportLicensesHandler } from './import/import-licenses.handler';
import { LicenseLedgerHandler } from './ledger/license-ledger.handler';
import { LicensesHandler } from './licenses/licenses.handler';
import { PoolConsumptionHandler } from './pools/pool-consumption.handler';
import { PoolsHandler } from './pools/pools.handler';
import { RefundAllocationsHandler } from './refunds/refund-allocations.handler';
import { PoolEvents } from './shared/pool-events';
import { UploadsHandler } from './uploads/uploads.handler';

/** The plain-TypeScript handlers, built once from the platform's pieces. */
export const poolServiceProviders: Provider[] = [
  { provide: PoolEvents, inject: [TOPICS], useFactory: (topics: Topics) => new PoolEvents(topics) },
  {
    provide: PoolQueue,
    inject: [SecretBox, PoolEvents, SERVICE_CONFIG],
    useFactory: (cipher: SecretBox, events: PoolEvents, config: PoolConfig) => new PoolQueue(cipher, events, config.HELD_LINE_RESERVE_AFTER),
  },
  {
    provide: RerouteHeldLines,
    inject: [PoolQueue, PoolEvents],
    useFactory: (queue: PoolQueue, events: PoolEvents) => new RerouteHeldLines(queue, events),
  },
  {
    provide: AllocateLicensesHandler,
    inject: [SecretBox, PoolEvents, PoolQueue],
    useFactory: (cipher: SecretBox, events: PoolEvents, queue: PoolQueue) => new AllocateLicensesHandler(cipher, events, queue),
  },
  {
    provide: PoolsHandler,
    inject: [DataSource, Messaging, PoolQueue, RerouteHeldLines],
    useFactory: (ds: DataSource, messaging: Messaging, queue: PoolQueue, reroute: RerouteHeldLines) =>
      new PoolsHandler(ds, messaging.transactions, queue, reroute),
  },
  {
    provide: ImportLicensesHandler,
    inject: [DataSource, SecretBox, SERVICE_CONFIG],
    useFactory: (ds: DataSource, cipher: SecretBox, config: PoolConfig) =>
      new ImportLicensesHandler(ds, cipher, licenseHashKey(config), config.IMPORT_BATCH_SIZE),
  },
  {
    provide: LicensesHandler,
    inject: [DataSource, Messaging, SecretBox, PoolQueue],
    useFactory: (ds: DataSource, messaging: Messaging, cipher: SecretBox, queue: PoolQueue) => new LicensesHandler(ds, messaging.transactions, cipher, queue),
  },
  {
    provide: RefundAllocationsHandler,
    inject: [PoolEvents, PoolQueue],
    useFactory: (events: PoolEvents, queue: PoolQueue) => new RefundAllocationsHandler(events, queue),
  },
  {
    provide: UploadsHandler,
    inject: [DataSource, Messaging, PoolQueue, SERVICE_CONFIG],
    useFactory: (ds: DataSource, messaging: Messaging, queue: PoolQueue, config: PoolConfig) =>
      new UploadsHandler(ds, messaging.transactions, queue, licenseHashKey(config)),
  },
  {
    provide: LicenseLedgerHandler,
    inject: [DataSource, SERVICE_CONFIG],
    useFactory: (ds: DataSource, config: PoolConfig) => new LicenseLedgerHandler(ds, licenseHashKey(config)),
  },
  { provide: HeldLinesHandler, inject: [DataSource], useFactory: (ds: DataSource) => new HeldLinesHandler(ds) },
  { provide: PoolConsumptionHandler, inject: [DataSource], useFactory: (ds: DataSource) => new PoolConsumptionHandler(ds) },
];
