import { randomBytes } from 'node:crypto';
import type { Caller } from '@keypool/platform';

export interface Session {
  /** The API key the console calls the services with: kept here, never sent to the browser. */
  key: string;
  caller: Caller;
  expiresAt: number;
}

export const SESSION_COOKIE = 'keypool_console';
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signed-in browsers, in memory: the browser holds only a random session id (an httpOnly
 * cookie), the key stays on the server. Bounded: past `max` sessions the oldest is dropped.
 * A console restart signs everyone out, which is fine for a tool people sign in to.
 */
export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  open(key: string, caller: Caller): string {
    const id = randomBytes(32).toString('base64url');
    while (this.byId.size >= this.max) this.byId.delete(this.byId.keys().next().value as string);
    this.byId.set(id, { key, caller, expiresAt: this.now() + this.ttlMs });
    return id;
  }

  find(id: string | undefined): Session | undefined {
    if (!id || !ID_PATTERN.test(id)) return undefined;
    const session = this.byId.get(id);
    if (session && session.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return session;
  }

  close(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** The value of one cookie of a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}
