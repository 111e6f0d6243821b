// One request budget per connection (region and credentials) and API action, shared by every resource in the
// provider process. ECS limits each API per account; resources that each retry on their own keep hitting the limit
// together (every throttled answer is a wasted call, and a resource whose retries run out fails the up). The budget
// instead paces the whole process: no limit until ECS first throttles an action, then a rate that halves on every
// throttled answer and grows back a little with every accepted one (additive increase, multiplicative decrease),
// with calls spaced evenly at that rate. A storm then costs waiting, not failures.

/** The least rate the budget goes down to (calls per second per action). */
export const MIN_RATE = 0.2;
/** Above this rate the action is unlimited again (ECS has not throttled it for a long while). */
export const MAX_RATE = 50;
/** Each accepted call while limited raises the rate by this much (calls per second). */
export const RATE_STEP = 0.1;
/**
 * After this long without a throttled answer, each accepted call doubles the rate instead: the limit met earlier may
 * have been another burst's, and a process that stays paced for the rest of a long run wastes time. (While ECS keeps
 * throttling, the rate climbs from half the limit back to it in well under this.)
 */
export const QUIET_MS = 30_000;
/** Each throttled answer multiplies the rate by this. */
export const BACKOFF = 0.5;
/** The window over which the sending rate is measured, to start limiting from what was actually sent. */
const MEASURE_WINDOW_MS = 2_000;

interface ActionState {
  /** Calls per second; undefined: unlimited. */
  rate: number | undefined;
  /** When the next call may go (ms, on the budget's clock). */
  nextAt: number;
  /** Send times within the measuring window. */
  sent: number[];
  /** When ECS last throttled the action. */
  throttledAt: number;
}

export class RequestBudget {
  private readonly actions = new Map<string, ActionState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(action: string): ActionState {
    let state = this.actions.get(action);
    if (state === undefined) {
      state = { rate: undefined, nextAt: Number.NEGATIVE_INFINITY, sent: [], throttledAt: Number.NEGATIVE_INFINITY };
      this.actions.set(action, state);
    }
    return state;
  }

  /** The current rate of `action` (undefined: unlimited). */
  rate(action: string): number | undefined {
    return this.actions.get(action)?.rate;
  }

  /** Takes the next slot for a call of `action`; returns how long to wait before sending it (ms). */
  reserve(action: string): number {
    const state = this.state(action);
    const now = this.now();
    state.sent = state.sent.filter((at) => now - at < MEASURE_WINDOW_MS);
    if (state.rate === undefined) {
      state.sent.push(now);
      return 0;
    }
    const at = Math.max(now, state.nextAt);
    state.nextAt = at + 1000 / state.rate;
    state.sent.push(at);
    return at - now;
  }

  /** ECS throttled a call of `action`. */
  throttled(action: string): void {
    const state = this.state(action);
    const now = this.now();
    const measured = state.sent.filter((at) => now - at < MEASURE_WINDOW_MS).length / (MEASURE_WINDOW_MS / 1000);
    const from = state.rate === undefined ? measured : Math.min(state.rate, Math.max(measured, MIN_RATE));
    state.rate = Math.max(MIN_RATE, from * BACKOFF);
    state.throttledAt = now;
    // Slots handed out at the old rate are not honoured: the next call waits one interval of the new rate.
    state.nextAt = Math.max(state.nextAt, now + 1000 / state.rate);
  }

  /** ECS accepted a call of `action`. */
  accepted(action: string): void {
    const state = this.actions.get(action);
    if (state?.rate === undefined) return;
    state.rate = this.now() - state.throttledAt > QUIET_MS ? state.rate * 2 : state.rate + RATE_STEP;
    if (state.rate > MAX_RATE) state.rate = undefined;
  }
}
