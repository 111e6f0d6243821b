// Clocks: the wall clock, a manual clock for tests, and the emulated clock (scaled and advanced) models read.
/** A source of time in milliseconds since the epoch. Models never call Date.now() directly. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; handy as the base clock of deterministic tests. */
export class ManualClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Emulated time: the base clock scaled by `timeScale`, plus explicit advances. State machines (copies, instance
 * transitions) run on this clock; authentication (timestamp windows, throttling) runs on the base clock, because the
 * SDK stamps requests with real time.
 */
export class EmulatedClock implements Clock {
  private readonly baseStart: number;
  private emulatedStart: number;
  private offset = 0;

  constructor(
    private readonly base: Clock,
    private timeScale = 1,
    startAt?: number,
  ) {
    this.baseStart = base.now();
    this.emulatedStart = startAt ?? this.baseStart;
  }

  now(): number {
    return Math.floor(this.emulatedStart + (this.base.now() - this.baseStart) * this.timeScale + this.offset);
  }

  /** Moves emulated time forward by `ms` emulated milliseconds. */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Restarts emulated time at `at` (used when state is reloaded from disk). */
  resetTo(at: number): void {
    this.offset = 0;
    this.emulatedStart = at - (this.base.now() - this.baseStart) * this.timeScale;
  }

  get scale(): number {
    return this.timeScale;
  }
}
