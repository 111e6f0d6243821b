// One request budget per connection (region and credentials) and API action, shared by every resource in the
// provider process. ECS limits each API per account; resources that each retry on their own keep hitting the limit
// together (every throttled answer is a wasted call, and a resource whose retries run out fails the up). The budget
// instead paces the whole process: no limit until ECS first throttles an action, then a rate that halves when ECS
// throttles a call sent at the current rate and grows back a little with every accepted one (additive increase,
// multiplicative decrease). Calls are spaced at the rate in force when they go, not booked ahead: a waiter looks
// again when it wakes, so a rate that grew meanwhile serves the whole queue sooner. A storm costs waiting, not failures.

/** The least rate the budget goes down to (calls per second per action). */
export const MIN_RATE = 0.2;
/** Above this rate the action is unlimited again. */
export const MAX_RATE = 50;
/** Each accepted call while limited raises the rate by this much (calls per second). */
export const RATE_STEP = 0.1;
/** A cut multiplies the rate by this. */
export const BACKOFF = 0.5;
/**
 * After this long without a throttled answer, each accepted call doubles the rate instead (the limit met may have been
 * another burst's; while ECS keeps throttling, the rate climbs from half the limit back to it in well under this); and
 * an action not called at all for this long is unlimited again.
 */
export const QUIET_MS = 30_000;
/** The window over which the sending rate is measured, to start limiting from what was actually sent. */
const MEASURE_WINDOW_MS = 2_000;

interface ActionState {
  /** Calls per second; undefined: unlimited. */
  rate: number | undefined;
  /** When the last call went (ms, on the budget's clock). */
  lastSentAt: number;
  /** Send times within the measuring window. */
  sent: number[];
  /** When the rate was last cut: throttled answers to calls sent until then were answers to the old rate. */
  cutAt: number;
}

export class RequestBudget {
  private readonly actions = new Map<string, ActionState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(action: string): ActionState {
    let state = this.actions.get(action);
    if (state === undefined) {
      const never = Number.NEGATIVE_INFINITY;
      state = { rate: undefined, lastSentAt: never, sent: [], cutAt: never };
      this.actions.set(action, state);
    }
    return state;
  }

  /** The current rate of `action` (undefined: unlimited). */
  rate(action: string): number | undefined {
    return this.actions.get(action)?.rate;
  }

  /**
   * A call of `action` wants to go now: 0 when it may (the send is recorded, at `now()`), else how long to wait
   * before asking again (nothing is booked).
   */
  reserve(action: string): number {
    const state = this.state(action);
    const now = this.now();
    if (state.rate !== undefined && now - state.lastSentAt > QUIET_MS && now - state.cutAt > QUIET_MS) {
      state.rate = undefined;
    }
    if (state.rate !== undefined) {
      const next = state.lastSentAt + 1000 / state.rate;
      if (next > now) return next - now;
    }
    state.lastSentAt = now;
    state.sent = state.sent.filter((at) => now - at < MEASURE_WINDOW_MS);
    state.sent.push(now);
    return 0;
  }

  /** ECS throttled a call of `action` that was sent at `sentAt`. */
  throttled(action: string, sentAt: number): void {
    const state = this.state(action);
    if (sentAt <= state.cutAt) return;
    const now = this.now();
    const measured = state.sent.filter((at) => now - at < MEASURE_WINDOW_MS).length / (MEASURE_WINDOW_MS / 1000);
    const from = state.rate === undefined ? measured : Math.min(state.rate, Math.max(measured, MIN_RATE));
    state.rate = Math.max(MIN_RATE, from * BACKOFF);
    state.cutAt = now;
  }

  /** ECS accepted a call of `action`. */
  accepted(action: string): void {
    const state = this.actions.get(action);
    if (state?.rate === undefined) return;
    state.rate = this.now() - state.cutAt > QUIET_MS ? state.rate * 2 : state.rate + RATE_STEP;
    if (state.rate > MAX_RATE) state.rate = undefined;
  }
}
