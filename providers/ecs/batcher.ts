// Coalesces lookups by id from many resources in one provider process into few Describe* calls: the engine runs
// resources in parallel in one process, and DescribeInstances / DescribeImages accept up to 100 ids per call, so N
// waiting resources cost about N/100 calls per poll round instead of N.

export interface BatcherOptions<K, V> {
  /** Looks up to maxBatch distinct keys at once; keys absent from the result resolve to undefined. */
  readonly fetch: (keys: K[]) => Promise<ReadonlyMap<K, V>>;
  /** Default 100 (the ECS limit for id lists). */
  readonly maxBatch?: number;
  /**
   * The least time between the starts of two fetches. Keys asked for while the batcher is idle (its last fetch began
   * at least this long ago) are fetched at the end of the current turn of the event loop, so a lone lookup is never
   * delayed; keys asked for sooner wait until the window since the last fetch has passed and go out together. Pollers
   * sleep with jitter and rarely ask in the same turn, so this is what batches N pollers into ~N/100 calls per
   * window. 0 (default): every turn's keys go out at the end of that turn.
   */
  readonly windowMs?: number;
  /** Clock for the window (milliseconds); default `performance.now`. */
  readonly now?: () => number;
}

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(reason: unknown): void;
}

export class Batcher<K, V> {
  private readonly fetch: (keys: K[]) => Promise<ReadonlyMap<K, V>>;
  private readonly maxBatch: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private pending = new Map<K, Waiter<V>[]>();
  private cancelTimer: (() => void) | undefined;
  private lastFetchAt = Number.NEGATIVE_INFINITY;

  constructor(options: BatcherOptions<K, V>) {
    const maxBatch = options.maxBatch ?? 100;
    const windowMs = options.windowMs ?? 0;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`Batcher: options.maxBatch must be an integer >= 1, got ${String(maxBatch)}`);
    }
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`Batcher: options.windowMs must be a finite number >= 0, got ${String(windowMs)}`);
    }
    this.fetch = options.fetch;
    this.maxBatch = maxBatch;
    this.windowMs = windowMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Resolves with the value fetched for `key`, or undefined when the fetch did not return it. */
  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters !== undefined) {
        waiters.push({ resolve, reject });
        return;
      }
      this.pending.set(key, [{ resolve, reject }]);
      if (this.pending.size >= this.maxBatch) {
        this.flush();
      } else if (this.cancelTimer === undefined) {
        this.cancelTimer = this.schedule();
      }
    });
  }

  private schedule(): () => void {
    const wait = this.lastFetchAt + this.windowMs - this.now();
    if (wait <= 0) {
      const immediate = setImmediate(() => this.flush());
      return () => clearImmediate(immediate);
    }
    const timeout = setTimeout(() => this.flush(), wait);
    return () => clearTimeout(timeout);
  }

  private flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.lastFetchAt = this.now();
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) void this.run(batch);
  }

  private async run(batch: Map<K, Waiter<V>[]>): Promise<void> {
    try {
      const found = await this.fetch([...batch.keys()]);
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  }
}
