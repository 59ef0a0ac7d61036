/**
 * Failed attempts per client within a fixed window: enough to slow a key guesser down without
 * a store. Bounded: past `maxClients` the oldest client's count is dropped.
 */
export class FailureWindow {
  private readonly byClient = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(client: string): void {
    const entry = this.current(client) ?? { count: 0, until: this.now() + this.windowMs };
    entry.count++;
    this.byClient.delete(client);
    while (this.byClient.size >= this.maxClients) this.byClient.delete(this.byClient.keys().next().value as string);
    this.byClient.set(client, entry);
  }

  blocked(client: string): boolean {
    return (this.current(client)?.count ?? 0) >= this.limit;
  }

  private current(client: string): { count: number; until: number } | undefined {
    const entry = this.byClient.get(client);
    if (entry && entry.until <= this.now()) {
      this.byClient.delete(client);
      return undefined;
    }
    return entry;
  }
}
