import { createHash, timingSafeEqual } from 'node:crypto';
import { Caller, KeyHolder } from './caller';

/**
 * Parses API_KEYS: `<key>=support`, `<key>=merchant:<merchantId>` or `<key>=checkout:<merchantId>`,
 * comma-separated.
 * Keys are kept only as SHA-256 digests so a heap dump or log line never shows one.
 */
export class ApiKeyRegistry {
  private readonly byDigest = new Map<string, KeyHolder>();

  static parse(spec: string): ApiKeyRegistry {
    const registry = new ApiKeyRegistry();
    spec
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .forEach((entry, index) => registry.add(entry, index + 1));
    return registry;
  }

  private add(entry: string, position: number): void {
    const eq = entry.indexOf('=');
    const key = entry.slice(0, eq);
    const role = entry.slice(eq + 1);
    if (eq <= 0 || key.length < 8) throw new Error(`API_KEYS entry ${position}: expected <key>=<role> with a key of 8+ characters`);
    const hash = digest(key);
    this.byDigest.set(hash, { ...parseRole(role, position), keyId: keyIdOf(hash) });
  }

  /** The merchant or support behind a key; undefined for unknown keys and for checkout keys. */
  resolve(key: string): Caller | undefined {
    const holder = this.resolveHolder(key);
    return holder?.kind === 'checkout' ? undefined : holder;
  }

  /** Whoever holds the key, a checkout included; only ApiKeyGuard should need this. */
  resolveHolder(key: string): KeyHolder | undefined {
    const wanted = Buffer.from(digest(key), 'hex');
    for (const [known, caller] of this.byDigest) {
      if (timingSafeEqual(Buffer.from(known, 'hex'), wanted)) return caller;
    }
    return undefined;
  }
}

function parseRole(role: string, position: number): KeyHolder {
  if (role === 'support') return { kind: 'support' };
  const match = /^(merchant|checkout):([\w.-]{1,200})$/.exec(role);
  if (!match) throw new Error(`API_KEYS entry ${position}: role must be "support", "merchant:<merchantId>" or "checkout:<merchantId>"`);
  return { kind: match[1] as 'merchant' | 'checkout', merchantId: match[2] };
}

/**
 * A key's name in audit records: `key_` and the first 12 hex digits of its SHA-256 digest.
 * Stable while the key lives, different for every key, and of no use for guessing a key of
 * 8+ random characters.
 */
function keyIdOf(hash: string): string {
  return `key_${hash.slice(0, 12)}`;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
