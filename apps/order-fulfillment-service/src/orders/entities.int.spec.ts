import { DataSource } from 'typeorm';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { ProductDeliveryEntity } from '../delivery/product-delivery.entity';
import { fulfillmentMigrations } from '../migrations';
import { fulfillmentEntities } from './order.entity';

/** TypeORM's column types as information_schema names them. */
const sqlType: Record<string, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  jsonb: 'jsonb',
  bytea: 'bytea',
  timestamptz: 'timestamp with time zone',
};

describe('order-fulfillment entities match the tables the migrations make (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('fulfil_entities');
    dataSource = new DataSource({
      type: 'postgres',
      url: db.url,
      migrations: fulfillmentMigrations,
      migrationsRun: true,
      entities: [...fulfillmentEntities, ProductDeliveryEntity],
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('names every column of each entity table, with its type and nullability, and no column the table lacks', async () => {
    expect(dataSource.entityMetadatas.map((m) => m.tableName).sort()).toEqual(['email_history', 'order_lines', 'orders', 'product_delivery', 'status_history']);
    for (const entity of dataSource.entityMetadatas) {
      const rows: { column_name: string; data_type: string; udt_name: string; is_nullable: 'YES' | 'NO' }[] = await dataSource.query(
        `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [entity.tableName],
      );
      const table = rows.map((r) => ({
        column: r.column_name,
        type: r.data_type === 'ARRAY' ? `${r.udt_name.replace(/^_/, '')}[]` : r.data_type,
        nullable: r.is_nullable === 'YES',
      }));
      const mapped = entity.columns.map((c) => {
        const type = sqlType[String(c.type)] ?? String(c.type);
        return { column: c.databaseName, type: c.isArray ? `${type}[]` : type, nullable: c.isNullable };
      });
      const byColumn = (a: { column: string }, b: { column: string }) => a.column.localeCompare(b.column);
      expect({ table: entity.tableName, columns: mapped.sort(byColumn) }).toEqual({ table: entity.tableName, columns: table.sort(byColumn) });
    }
  });
});
