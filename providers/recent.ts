// Answers that every resource of one provider process may share for a while instead of asking ECS again: the engine
// checks and reads a fleet's resources one after another in the same process, and most of them ask the same thing
// (the same image, the same launch shape, the same listing). A failed lookup is not kept: the next caller asks again.

export class Recent<T> {
  private readonly entries = new Map<string, { readonly at: number; readonly value: Promise<T> }>();

  /** `maxAgeMs`: how long an answer serves later callers, from when it was asked for. */
  constructor(private readonly maxAgeMs: number) {}

  /**
   * The answer for `key` asked for less than maxAgeMs (or this caller's `maxAgeMs`) before `now`, else `fetch()`'s,
   * shared by concurrent callers.
   */
  get(key: string, fetch: () => Promise<T>, now: number = Date.now(), maxAgeMs = this.maxAgeMs): Promise<T> {
    const kept = this.entries.get(key);
    if (kept !== undefined && now - kept.at < maxAgeMs) return kept.value;
    const entry = { at: now, value: fetch() };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }
}
