// The request budget that paces ECS calls per connection.
import { BACKOFF, MAX_RATE, MIN_RATE, QUIET_MS, RATE_STEP, RequestBudget } from "../../providers/ecs/budget";
import { backoffDelay } from "../../providers/ecs/retry";

function budgetAt(start = 0) {
  const clock = { now: start };
  return { clock, budget: new RequestBudget(() => clock.now) };
}

/**
 * N callers at once against a simulated ECS token bucket (`limit` per second, burst = limit), each doing what
 * EcsApi.call does: ask the budget until it may send, send, and on a throttled answer tell the budget and back off as
 * withRetry does (full jitter, here at its mean). Simulated time: no test waits.
 */
function storm(callers: number, limit: number) {
  const { clock, budget } = budgetAt();
  let tokens = limit;
  let refilledAt = 0;
  const serverAccepts = () => {
    tokens = Math.min(limit, tokens + ((clock.now - refilledAt) / 1000) * limit);
    refilledAt = clock.now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const queue = Array.from({ length: callers }, (_, id) => ({ id, at: 0, attempt: 1 }));
  let sent = 0;
  let throttled = 0;
  let finishedAt = 0;
  while (queue.length > 0) {
    queue.sort((a, b) => a.at - b.at);
    const next = queue.shift() as (typeof queue)[number];
    clock.now = Math.max(clock.now, next.at);
    const wait = budget.reserve("RunInstances");
    if (wait > 0) {
      queue.push({ ...next, at: clock.now + wait });
      continue;
    }
    sent++;
    if (serverAccepts()) {
      budget.accepted("RunInstances");
      finishedAt = clock.now;
    } else {
      throttled++;
      budget.throttled("RunInstances", clock.now);
      const delay = backoffDelay(next.attempt, { baseDelayMs: 500, maxDelayMs: 20_000, random: () => 0.5 });
      queue.push({ id: next.id, at: clock.now + delay, attempt: next.attempt + 1 });
    }
  }
  return { sent, throttled, finishedAt, ideal: ((callers - limit) / limit) * 1000 };
}

describe("RequestBudget", () => {
  it("is unlimited until ECS first throttles an action", () => {
    const { budget } = budgetAt();
    expect(Array.from({ length: 50 }, () => budget.reserve("DescribeInstances"))).toEqual(Array(50).fill(0));
    expect(budget.rate("DescribeInstances")).toBeUndefined();
  });

  it("on the first throttle, limits the action to half of what was sent in the last two seconds", () => {
    const { clock, budget } = budgetAt();
    for (let i = 0; i < 40; i++) {
      clock.now = i * 50; // 20 calls per second
      budget.reserve("RunInstances");
    }
    budget.throttled("RunInstances", clock.now);
    expect(budget.rate("RunInstances")).toBeCloseTo(20 * BACKOFF);
    expect(budget.rate("DescribeImages")).toBeUndefined(); // per action
  });

  it("cuts once for the throttled answers to calls sent before the cut (a burst halves the rate once)", () => {
    const { clock, budget } = budgetAt(1000);
    for (let i = 0; i < 30; i++) budget.reserve("DescribeImages");
    for (let i = 0; i < 28; i++) budget.throttled("DescribeImages", 1000);
    expect(budget.rate("DescribeImages")).toBeCloseTo((30 / 2) * BACKOFF);
    clock.now += 500;
    budget.throttled("DescribeImages", clock.now); // a call sent at the new rate: cut again
    expect(budget.rate("DescribeImages")).toBeCloseTo((30 / 2) * BACKOFF * BACKOFF);
  });

  it("spaces calls at the current rate and books nothing ahead: a rate that grew serves waiters sooner", () => {
    const { clock, budget } = budgetAt(10_000);
    budget.reserve("StartInstance");
    budget.throttled("StartInstance", clock.now); // 1 call in 2 s: 0.5/s, halved
    const rate = budget.rate("StartInstance") as number;
    expect(budget.reserve("StartInstance")).toBeCloseTo(1000 / rate);
    expect(budget.reserve("StartInstance")).toBeCloseTo(1000 / rate); // asking again books nothing
    clock.now += 1000 / rate;
    expect(budget.reserve("StartInstance")).toBe(0);
    for (let i = 0; i < 20; i++) budget.accepted("StartInstance");
    expect(budget.reserve("StartInstance")).toBeCloseTo(1000 / (rate + 20 * RATE_STEP));
  });

  it("halves the rate on throttled answers to calls sent at it, never below the floor", () => {
    const { clock, budget } = budgetAt();
    budget.reserve("TagResources");
    const rates: number[] = [];
    for (let i = 0; i < 12; i++) {
      clock.now += 10;
      budget.throttled("TagResources", clock.now);
      rates.push(budget.rate("TagResources") as number);
    }
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]);
    expect(rates.at(-1)).toBe(MIN_RATE);
  });

  it("grows back by a step per accepted call and becomes unlimited above the ceiling", () => {
    const { budget } = budgetAt();
    budget.reserve("DeleteInstance");
    budget.throttled("DeleteInstance", 0);
    const start = budget.rate("DeleteInstance") as number;
    budget.accepted("DeleteInstance");
    expect(budget.rate("DeleteInstance")).toBeCloseTo(start + RATE_STEP);
    const steps = Math.ceil((MAX_RATE - start) / RATE_STEP) + 1;
    for (let i = 0; i < steps; i++) budget.accepted("DeleteInstance");
    expect(budget.rate("DeleteInstance")).toBeUndefined();
  });

  it("recovers fast once ECS has not throttled the action for a while", () => {
    const { clock, budget } = budgetAt();
    budget.reserve("RunInstances");
    budget.throttled("RunInstances", 0);
    clock.now += QUIET_MS + 1;
    let accepted = 0;
    while (budget.rate("RunInstances") !== undefined) {
      budget.accepted("RunInstances");
      accepted++;
    }
    expect(accepted).toBeLessThanOrEqual(Math.ceil(Math.log2(MAX_RATE / MIN_RATE)) + 1);
  });

  it("an action left alone for a while is unlimited again: a later burst does not queue behind an old throttle", () => {
    const { clock, budget } = budgetAt();
    budget.reserve("StopInstance");
    budget.throttled("StopInstance", 0);
    clock.now += 5000;
    budget.reserve("StopInstance");
    budget.accepted("StopInstance");
    clock.now += 600_000;
    expect(Array.from({ length: 30 }, () => budget.reserve("StopInstance"))).toEqual(Array(30).fill(0));
  });

  it.each([
    [30, 2],
    [30, 5],
    [64, 10],
    [100, 2],
  ])(
    "%d callers at once against a limit of %d/s: within 2x the calls, and near the time the limit allows",
    (n, limit) => {
      const result = storm(n, limit);
      expect(result.sent).toBe(n + result.throttled);
      expect(result.sent).toBeLessThanOrEqual(2 * n); // the bound: within 2x the calm figure
      // Simulated time: the limit itself allows (n - burst) / limit seconds; the budget may not take much longer.
      expect(result.finishedAt).toBeLessThanOrEqual(3 * result.ideal + 10_000);
    },
  );
});
