import type { EntityManager } from 'typeorm';
import { unnestRows } from '@keypool/platform';
import type { HeldLine } from './serve-plan';

/**
 * The statements of one round of serving a pool's queue, each one round trip, all under the
 * pool's row lock: what a hop's latency is made of on a busy machine is round trips, so every
 * figure a round needs is read in one statement and everything it changes is written in one.
 */

export interface QueuedLine extends HeldLine {
  id: string;
  seq: string;
}

export interface PickedLicense {
  id: string;
  value: Buffer;
}

/** The licenses a round takes, locked, oldest first, and the sealed requests of the lines they serve. */
export interface Picked {
  licenses: PickedLicense[];
  requests: Map<string, Buffer>;
}

export interface RoundBounds {
  pageSize: number;
  /** The most licenses one line may take, and one round may count or pick. */
  maxPick: number;
  /** Licenses counted beyond what the page can use, so the count also tells whether stock is below the pool's threshold after serving. */
  margin: number;
}

export interface RoundRead {
  queue: QueuedLine[];
  /** Available licenses, counted up to `cap`: exact below it. Locked rows count too. */
  counted: number;
  cap: number;
  /** Lines of the pool awaiting stock, those of this page included. */
  waiting: number;
  /** Present when the stock covers every line of the page that may be served: their licenses, already picked. */
  picked?: Picked;
}

/** Rows as JSON (parsed natively; bytea as hex, which Buffer reads natively too, where text arrays are parsed a character at a time). */
interface RoundRow {
  cap: number;
  counted: number;
  waiting: number;
  queue: (QueuedLine & { request: string | null })[];
  picked: { id: string; value: string }[];
}

/**
 * One page of held lines after `after` (by seq), the stock counted up to what the page can use
 * plus the margin, the pool's backorder, and, when that stock covers every line the page may serve
 * (the usual case), the licenses for all of them (FOR UPDATE SKIP LOCKED) with the lines'
 * requests: in that case the plan is known to take them all, so no second round trip picks them.
 * The requests of `recorded` lines (inserted by this transaction, whose requests the caller holds)
 * are not read: each is a kilobyte or more of hex the server would encode and the client decode.
 */
export async function readRound(manager: EntityManager, poolId: string, after: string, bounds: RoundBounds, recorded: readonly string[]): Promise<RoundRead> {
  const [row] = await manager.query<RoundRow[]>(
    `WITH page AS (
            SELECT id, seq, license_count, overtaken, request FROM allocation
             WHERE pool_id = $1 AND status = 'awaiting_stock' AND seq > $2 ORDER BY seq LIMIT $3),
          demand AS (
            SELECT coalesce(sum(license_count) FILTER (WHERE license_count <= $4), 0) AS need FROM page),
          bound AS (SELECT need, least(need, $4) + $5 AS cap FROM demand),
          stock AS (
            -- In index order: the planner cannot know the LIMIT, and a scan in table order would pass other pools' rows.
            SELECT count(*) AS counted FROM (
              SELECT 1 FROM license WHERE pool_id = $1 AND status = 'available' ORDER BY seq LIMIT (SELECT cap FROM bound)) s),
          fits AS (SELECT counted >= need AND need <= $4 AS whole, need FROM stock, bound),
          picked AS (
            SELECT id, value, seq FROM license WHERE pool_id = $1 AND status = 'available' ORDER BY seq
             LIMIT (SELECT CASE WHEN whole THEN need ELSE 0 END FROM fits) FOR UPDATE SKIP LOCKED)
     SELECT b.cap::int AS cap, s.counted::int AS counted,
            (SELECT count(*)::int FROM allocation WHERE pool_id = $1 AND status = 'awaiting_stock') AS waiting,
            (SELECT coalesce(json_agg(json_build_object('id', id, 'seq', seq::text, 'license_count', license_count, 'overtaken', overtaken,
                                                        'request', CASE WHEN f.whole AND license_count <= $4 AND id <> ALL($6::uuid[])
                                                                        THEN encode(request, 'hex') END) ORDER BY seq), '[]')
               FROM page) AS queue,
            (SELECT coalesce(json_agg(json_build_object('id', id, 'value', encode(value, 'hex')) ORDER BY seq), '[]') FROM picked) AS picked
       FROM bound b, stock s, fits f`,
    [poolId, after, bounds.pageSize, bounds.maxPick, bounds.margin, recorded],
  );
  const queue = row.queue.map(({ id, seq, license_count, overtaken }) => ({ id, seq, license_count, overtaken }));
  const read: RoundRead = { queue, counted: row.counted, cap: row.cap, waiting: row.waiting };
  if (row.picked.length === 0) return read;
  const requests = new Map(row.queue.filter((l) => l.request !== null).map((l) => [l.id, Buffer.from(l.request!, 'hex')]));
  return { ...read, picked: { licenses: licensesOf(row.picked), requests } };
}

/** The `count` oldest available licenses, locked, and the requests of the lines they are for. */
export async function pickLicenses(manager: EntityManager, poolId: string, count: number, lineIds: string[]): Promise<Picked> {
  const [row] = await manager.query<{ picked: RoundRow['picked']; requests: { id: string; request: string }[] }[]>(
    `WITH picked AS (
            SELECT id, value, seq FROM license WHERE pool_id = $1 AND status = 'available' ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
     SELECT (SELECT coalesce(json_agg(json_build_object('id', id, 'value', encode(value, 'hex')) ORDER BY seq), '[]') FROM picked) AS picked,
            (SELECT coalesce(json_agg(json_build_object('id', id, 'request', encode(request, 'hex'))), '[]') FROM allocation WHERE id = ANY($3::uuid[])) AS requests`,
    [poolId, count, lineIds],
  );
  return { licenses: licensesOf(row.picked), requests: new Map(row.requests.map((r) => [r.id, Buffer.from(r.request, 'hex')])) };
}

/** Sealed requests of lines, for lines a round serves that it has not read yet. */
export async function readRequests(manager: EntityManager, lineIds: string[]): Promise<Map<string, Buffer>> {
  const rows = await manager.query<{ id: string; request: Buffer }[]>(`SELECT id, request FROM allocation WHERE id = ANY($1::uuid[])`, [lineIds]);
  return new Map(rows.map((r) => [r.id, r.request]));
}

export interface RoundWrite {
  /** Each license taken and the line it goes to. */
  owners: { licenseId: string; allocationId: string }[];
  /** Each line served, with its LicenseAllocated event id and sealed envelope. */
  served: { id: string; eventId: string; event: Buffer }[];
  /** Lines passed over, with the licenses later lines took ahead of them. */
  overtaken: { id: string; licenses: number }[];
  /** The PoolLow flags, when the round changed them. */
  arming?: { lowArmed: boolean; emptyArmed: boolean };
}

/**
 * Everything a round changes, in one statement: the licenses taken (the license ledger's trigger
 * records each), the lines served and passed over, and the pool's running totals and alert flags.
 * Nothing is sent when the round changed nothing.
 *
 * The sealed events go as one bytea parameter each, not as a bytea[] column of the unnest:
 * node-postgres sends a Buffer parameter as binary, copied as it is, where an array parameter is
 * spelled in text, each element as its hex, which made the events most of this statement's
 * allocation (an event is about a kilobyte). A round serves at most a page of lines (1,000), well
 * under the protocol's 65,535 parameters.
 */
export async function writeRound(manager: EntityManager, poolId: string, write: RoundWrite): Promise<void> {
  if (write.served.length === 0 && write.overtaken.length === 0 && !write.arming) return;
  const o = unnestRows(write.owners, { license_id: ['uuid', (r) => r.licenseId], allocation_id: ['uuid', (r) => r.allocationId] }, { alias: 'o', first: 2 });
  const p = unnestRows(write.overtaken, { id: ['uuid', (r) => r.id], n: ['int', (r) => r.licenses] }, { alias: 'p', first: 6 });
  const parameters: unknown[] = [
    poolId,
    ...o.parameters,
    write.served.map((r) => r.id),
    write.served.map((r) => r.eventId),
    ...p.parameters,
    write.owners.length,
    write.served.length,
    write.arming?.lowArmed ?? null,
    write.arming?.emptyArmed ?? null,
  ];
  // $12, $13, … in the order of write.served, so unnest pairs each event with its line's ids ($4, $5).
  let events = '';
  for (const line of write.served) {
    parameters.push(line.event);
    events += `${events === '' ? '' : ', '}$${parameters.length}::bytea`;
  }
  await manager.query(
    `WITH licensed AS (
            UPDATE license l SET status = 'allocated', allocation_id = o.allocation_id, allocated_at = now()
              FROM ${o.from} WHERE l.id = o.license_id),
          allocated AS (
            UPDATE allocation a SET status = 'allocated', reason = NULL, event_id = s.event_id, event = s.event, allocated_at = now()
              FROM unnest($4::uuid[], $5::uuid[], ARRAY[${events}]::bytea[]) AS s(id, event_id, event) WHERE a.id = s.id),
          passed AS (
            UPDATE allocation a SET overtaken = LEAST(a.overtaken::bigint + p.n, 2147483647)
              FROM ${p.from} WHERE a.id = p.id)
     UPDATE pool SET allocated_licenses = allocated_licenses + $8::int, allocated_lines = allocated_lines + $9::int,
                     low_armed = coalesce($10::boolean, low_armed), empty_armed = coalesce($11::boolean, empty_armed)
      WHERE id = $1 AND ($9::int > 0 OR $10::boolean IS NOT NULL)`,
    parameters,
  );
}

function licensesOf(picked: RoundRow['picked']): PickedLicense[] {
  return picked.map(({ id, value }) => ({ id, value: Buffer.from(value, 'hex') }));
}
