import { Type } from '@sinclair/typebox';

/** `limit` of a page: a whole number from 1 to `max`, `fallback` when absent. */
export function pageLimit(fallback: number, max: number) {
  return Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: fallback, description: `1–${max.toLocaleString('en')}, default ${fallback}` }));
}

/** `after` of a keyset page on a bigint seq: the nextCursor of the previous page. */
export const SeqCursor = Type.Optional(Type.String({ pattern: '^\\d{1,18}$', description: 'nextCursor of the previous page' }));
