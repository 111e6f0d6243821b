import { BACKOFF, MAX_RATE, MIN_RATE, QUIET_MS, RATE_STEP, RequestBudget } from "../../providers/ecs/budget";

function budgetAt(start = 0) {
  const clock = { now: start };
  return { clock, budget: new RequestBudget(() => clock.now) };
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
    budget.throttled("RunInstances");
    expect(budget.rate("RunInstances")).toBeCloseTo(20 * BACKOFF);
    expect(budget.rate("DescribeImages")).toBeUndefined(); // per action
  });

  it("spaces calls evenly at the rate, however many ask at once", () => {
    const { clock, budget } = budgetAt(10_000);
    budget.reserve("StartInstance");
    budget.throttled("StartInstance"); // 1 call in 2 s: 0.5/s, halved: MIN_RATE floor applies below 0.25
    const rate = budget.rate("StartInstance") as number;
    const waits = Array.from({ length: 4 }, () => budget.reserve("StartInstance"));
    const gap = 1000 / rate;
    expect(waits.map((w) => Math.round(w))).toEqual([1, 2, 3, 4].map((n) => Math.round(n * gap)));
    clock.now += 10 * gap;
    expect(budget.reserve("StartInstance")).toBe(0);
  });

  it("halves the rate on every throttled answer, never below the floor", () => {
    const { budget } = budgetAt();
    budget.reserve("TagResources");
    const rates: number[] = [];
    for (let i = 0; i < 12; i++) {
      budget.throttled("TagResources");
      rates.push(budget.rate("TagResources") as number);
    }
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]);
    expect(rates.at(-1)).toBe(MIN_RATE);
  });

  it("grows back by a step per accepted call and becomes unlimited above the ceiling", () => {
    const { budget } = budgetAt();
    budget.reserve("DeleteInstance");
    budget.throttled("DeleteInstance");
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
    budget.throttled("RunInstances");
    clock.now += QUIET_MS + 1;
    let accepted = 0;
    while (budget.rate("RunInstances") !== undefined) {
      budget.accepted("RunInstances");
      accepted++;
    }
    expect(accepted).toBeLessThanOrEqual(Math.ceil(Math.log2(MAX_RATE / MIN_RATE)) + 1);
  });

  it("converges near the server's limit: a simulated bucket of 2 calls/s throttles only a few calls", () => {
    // The server: a token bucket of 2 per second, burst 2 (what the storm scenario sets). 30 callers ask at once
    // and each retries (as EcsApi does) until accepted; time advances by the waits the budget hands out.
    const { clock, budget } = budgetAt();
    let tokens = 2;
    let refilledAt = 0;
    const serverAccepts = () => {
      tokens = Math.min(2, tokens + ((clock.now - refilledAt) / 1000) * 2);
      refilledAt = clock.now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };
    const queue = Array.from({ length: 30 }, (_, i) => ({ id: i, at: 0 }));
    let sent = 0;
    let throttled = 0;
    while (queue.length > 0) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue.shift() as { id: number; at: number };
      clock.now = Math.max(clock.now, next.at);
      const wait = budget.reserve("RunInstances");
      clock.now += wait;
      sent++;
      if (serverAccepts()) budget.accepted("RunInstances");
      else {
        throttled++;
        budget.throttled("RunInstances");
        queue.push({ id: next.id, at: clock.now + 100 });
      }
    }
    expect(sent).toBe(30 + throttled);
    expect(sent).toBeLessThanOrEqual(2 * 30); // the bound: within 2x the calm figure
  });
});
