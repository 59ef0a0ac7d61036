import { typeOrmOptions } from './service-database.module';

describe('the service database settings', () => {
  it('never let TypeORM print queries or their parameters, failed ones included', () => {
    const options = typeOrmOptions({ DATABASE_URL: 'postgres://x@127.0.0.1/db', DATABASE_POOL_SIZE: 5 }, { entities: [], migrations: [] });
    expect(options.logging).toEqual(['migration']);
    expect(options.synchronize).toBe(false);
  });

  it('leave migrations to ServiceDatabaseModule, which runs them under an advisory lock', () => {
    const options = typeOrmOptions({ DATABASE_URL: 'postgres://x@127.0.0.1/db', DATABASE_POOL_SIZE: 5 }, { entities: [], migrations: [] });
    expect(options.migrationsRun).toBe(false);
  });
});
