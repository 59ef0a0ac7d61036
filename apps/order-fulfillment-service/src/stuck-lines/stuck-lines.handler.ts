import { Inject, Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, SERVICE_CONFIG, succeed } from '@keypool/platform';
import type { FulfillmentConfig } from '../config';
import { type StuckLinesParams, type StuckLinesQuery, type StuckStatus, encodeStuckCursor, stuckLinesQueryOf, stuckStatuses } from './stuck-lines-query';

export interface StuckLine {
  orderId: string;
  lineId: string;
  merchantId: string;
  productId: string;
  status: StuckStatus;
  /** When the line entered its status. */
  since: Date;
  stuckSeconds: number;
  test: boolean;
}

export interface StuckLinesPage {
  olderThanSeconds: number;
  lines: StuckLine[];
  /** Present when more lines follow: pass it as ?cursor= for the next page. */
  nextCursor?: string;
}

/**
 * Lines still received (no answer from the pool) or allocated (no word from notification)
 * after the age, oldest first. Each status is one range of order_lines_by_status_since, and in
 * a healthy system the range is empty: a line leaves those statuses within seconds. Ages are
 * measured with the database's clock, the one that wrote status_at.
 */
@Injectable()
export class ListStuckLines {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: FulfillmentConfig,
  ) {}

  async list(caller: Caller, params: Static<typeof StuckLinesParams>): Promise<Result<StuckLinesPage, 'invalid' | 'not_found'>> {
    const query = stuckLinesQueryOf(caller, params, this.config.STUCK_LINE_AGE_MS);
    return query.ok ? succeed(await this.page(query.value)) : query;
  }

  private async page(query: StuckLinesQuery): Promise<StuckLinesPage> {
    const rows: {
      order_id: string;
      line_id: string;
      merchant_id: string;
      product_id: string;
      status: StuckStatus;
      status_at: Date;
      since_micros: string;
      stuck_seconds: number;
      test: boolean;
    }[] = await this.dataSource.query(
      `SELECT l.order_id, l.line_id, o.merchant_id, l.product_id, l.status, l.status_at, o.test,
              (extract(epoch FROM l.status_at) * 1000000)::bigint::text AS since_micros,
              floor(extract(epoch FROM now() - l.status_at))::int AS stuck_seconds
         FROM order_lines l JOIN orders o ON o.order_id = l.order_id
        WHERE l.status = ANY($1::text[])
          AND l.status_at < now() - $2::int * interval '1 second'
          AND ($3::text IS NULL OR o.merchant_id = $3)
          AND ($4::bigint IS NULL OR (l.status_at, l.order_id, l.line_id) > (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::text, $6::text))
        ORDER BY l.status_at, l.order_id, l.line_id
        LIMIT $7`,
      [
        query.status ? [query.status] : [...stuckStatuses],
        query.olderThanSeconds,
        query.merchantId ?? null,
        query.after?.sinceMicros ?? null,
        query.after?.orderId ?? null,
        query.after?.lineId ?? null,
        query.limit + 1,
      ],
    );
    const page = rows.slice(0, query.limit);
    const lines = page.map((r) => ({
      orderId: r.order_id,
      lineId: r.line_id,
      merchantId: r.merchant_id,
      productId: r.product_id,
      status: r.status,
      since: r.status_at,
      stuckSeconds: r.stuck_seconds,
      test: r.test,
    }));
    const last = page[page.length - 1];
    return {
      olderThanSeconds: query.olderThanSeconds,
      lines,
      ...(rows.length > query.limit ? { nextCursor: encodeStuckCursor({ sinceMicros: last.since_micros, orderId: last.order_id, lineId: last.line_id }) } : {}),
    };
  }
}

/** Stuck lines per status, for the gauge: two index range counts. */
export async function countStuckLines(manager: EntityManager, olderThanMs: number): Promise<Record<StuckStatus, number>> {
  const rows: { status: StuckStatus; count: number }[] = await manager.query(
    `SELECT status, count(*)::int AS count FROM order_lines
      WHERE status = ANY($1::text[]) AND status_at < now() - $2::bigint * interval '1 millisecond'
      GROUP BY status`,
    [[...stuckStatuses], olderThanMs],
  );
  return { received: rows.find((r) => r.status === 'received')?.count ?? 0, allocated: rows.find((r) => r.status === 'allocated')?.count ?? 0 };
}
