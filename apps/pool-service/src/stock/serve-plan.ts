/** A held line as the queue reads it, oldest first. */
export interface HeldLine {
  license_count: number;
  /** Licenses later lines of its pool took while this line waited. */
  overtaken: number;
}

export interface ServePolicy {
  /** Licenses later lines may take ahead of a held line before new stock is kept for it (0: strict FIFO). */
  reserveAfter: number;
  /** The most licenses one line may take; a bigger line is never served automatically, so stock is never kept for it. */
  maxLine: number;
}

/** Available licenses as counted: `exact`, or a lower bound when the count stopped at its cap. */
export interface Stock {
  count: number;
  exact: boolean;
}

export interface ServePlan<L> {
  serve: L[];
  used: number;
  /** Lines passed over, with the licenses later lines of this plan take ahead of each. */
  overtaken: { line: L; licenses: number }[];
  /**
   * `kept`: the oldest line stock is kept for does not fit yet, so no later line is served.
   * `recount`: a line did not fit a lower-bound count; count again before deciding on it.
   */
  stop?: 'kept' | 'recount';
}

/**
 * Which held lines the stock serves: oldest first, each line whole, and a line that does not fit
 * is passed over so later lines that fit are served (no head-of-line blocking). A line passed
 * over until later lines took `reserveAfter` licenses ahead of it gets the stock kept for it:
 * nothing behind it is served until it is, so no line starves.
 */
export function chooseLinesToServe<L extends HeldLine>(queue: L[], stock: Stock, policy: ServePolicy): ServePlan<L> {
  const serve: L[] = [];
  const passed: { line: L; usedBefore: number }[] = [];
  let used = 0;
  let stop: ServePlan<L>['stop'];
  for (const line of queue) {
    if (line.license_count > policy.maxLine) {
      passed.push({ line, usedBefore: used });
    } else if (used + line.license_count <= stock.count) {
      serve.push(line);
      used += line.license_count;
    } else if (!stock.exact) {
      stop = 'recount';
      break;
    } else if (line.overtaken >= policy.reserveAfter) {
      stop = 'kept';
      break;
    } else {
      passed.push({ line, usedBefore: used });
    }
  }
  const overtaken = passed.map(({ line, usedBefore }) => ({ line, licenses: used - usedBefore })).filter((o) => o.licenses > 0);
  return { serve, used, overtaken, stop };
}
