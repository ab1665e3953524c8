/**
 * How many RPC requests may be in flight at once, adapted to what the node tolerates: additive
 * increase (one more after a run of successes as long as the current limit), multiplicative
 * decrease (halved on a 429, never below the floor). One limiter is shared by every upload of
 * the process, because a rate limit applies to the client, not to one file.
 *
 * A burst of 429s answered to requests sent together halves the limit once, not once per
 * answer: a permit remembers the generation it was granted in, and only a 429 of the current
 * generation decreases. A `Retry-After` also holds back every new request until it has passed.
 */

/** Settings of an {@link AimdLimiter}. */
export interface AimdLimiterOptions {
  /** Requests allowed at first (default 8). */
  initial?: number;
  /** Floor (default 1). */
  min?: number;
  /** Ceiling (default 32). */
  max?: number;
}

/** The right to send one request; report how it went, then release it. */
export interface LimiterPermit {
  /** The request succeeded (2xx). */
  succeeded(): void;
  /** The node answered 429; new requests wait `retryAfterMs` (when given) before going out. */
  rateLimited(retryAfterMs?: number): void;
  /** Frees the slot; call once, whatever the outcome. */
  release(): void;
}

interface Waiter {
  resolve: (permit: LimiterPermit) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** A shared concurrency limit with additive increase and multiplicative decrease. */
export class AimdLimiter {
  private current: number;
  private readonly min: number;
  private readonly max: number;
  private active = 0;
  private successes = 0;
  private generation = 0;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private readonly waiters: Waiter[] = [];

  constructor(options: AimdLimiterOptions = {}) {
    this.min = Math.max(1, options.min ?? 1);
    this.max = Math.max(this.min, options.max ?? 32);
    this.current = Math.min(this.max, Math.max(this.min, options.initial ?? 8));
  }

  /** Requests currently allowed in flight. */
  get limit(): number {
    return this.current;
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Waits for a free slot (and for any `Retry-After` pause to pass). */
  acquire(signal?: AbortSignal): Promise<LimiterPermit> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<LimiterPermit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, wait);
      return;
    }
    while (this.active < this.current && this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      this.active += 1;
      waiter.resolve(this.permit(this.generation));
    }
  }

  private permit(generation: number): LimiterPermit {
    let released = false;
    return {
      succeeded: () => {
        this.successes += 1;
        if (this.successes >= this.current) {
          this.successes = 0;
          this.current = Math.min(this.max, this.current + 1);
        }
      },
      rateLimited: (retryAfterMs) => {
        if (generation === this.generation) {
          this.generation += 1;
          this.successes = 0;
          this.current = Math.max(this.min, Math.floor(this.current / 2));
        }
        if (retryAfterMs !== undefined && retryAfterMs > 0) {
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryAfterMs);
        }
      },
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
        this.pump();
      },
    };
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** The limiter every upload of this process shares unless given its own. */
export const sharedRpcLimiter = new AimdLimiter();
