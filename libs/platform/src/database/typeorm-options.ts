import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface ServiceDatabase {
  url: string;
  poolSize: number;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
}

/** Schema changes only ever come from migrations, run before the service takes traffic. */
export function typeOrmOptions(db: ServiceDatabase): DataSourceOptions {
  return {
    type: 'postgres',
    url: db.url,
    entities: db.entities,
    migrations: db.migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    extra: { max: db.poolSize, application_name: 'keypool' },
  };
}
