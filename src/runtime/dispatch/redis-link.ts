/**
 * Whether Redis answers, as one side (a submitter or a worker host) sees it: `connected`, or
 * `unreachable` since a time, with the last reason. Each change is told to the listeners once
 * (they log it), so an outage is seen within the period of the calls that feed it, and its end too.
 */
export interface RedisLinkStatus {
  readonly state: 'connected' | 'unreachable';
  /** Wall-clock ms of the change to this state. */
  readonly since: number;
  /** Why it is unreachable (the last failure, redacted by its writer). */
  readonly reason?: string;
}

export interface RedisLinkChange extends RedisLinkStatus {
  /** On a return to `connected`: how long it was unreachable. */
  readonly downMs?: number;
}

export class RedisLink {
  #status: RedisLinkStatus = { state: 'connected', since: Date.now() };
  readonly #listeners = new Set<(change: RedisLinkChange) => void>();

  status(): RedisLinkStatus {
    return this.#status;
  }

  /** A call to Redis succeeded. */
  ok(): void {
    if (this.#status.state === 'connected') return;
    const now = Date.now();
    const downMs = now - this.#status.since;
    this.#status = { state: 'connected', since: now };
    this.#tell({ ...this.#status, downMs });
  }

  /** A call to Redis failed or missed its deadline. */
  failed(error: unknown): void {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    if (this.#status.state === 'unreachable') {
      this.#status = { ...this.#status, reason };
      return;
    }
    this.#status = { state: 'unreachable', since: Date.now(), reason };
    this.#tell(this.#status);
  }

  on(listener: (change: RedisLinkChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tell(change: RedisLinkChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

/** "redis: unreachable since 2026-12-07T10:21:03.000Z (reason)", or "redis: connected". */
export function describeRedisLink(s: RedisLinkStatus): string {
  return s.state === 'connected'
    ? 'redis: connected'
    : `redis: unreachable since ${new Date(s.since).toISOString()}${s.reason ? ` (${s.reason})` : ''}`;
}
