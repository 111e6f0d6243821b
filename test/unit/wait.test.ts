// Waits: the deadline poller, the acceptors, timeouts, waiters that wake together, and the learned first look.
import { AbortError, InvalidInputError, TimeoutError, WaitFailedError } from "../../providers/ecs/errors";
import type { ImageView, InstanceView } from "../../providers/ecs/types";
import {
  DEFAULT_TIMEOUTS,
  FirstLook,
  imageAvailable,
  imageGone,
  instanceGone,
  instanceInStatus,
  listedAfterCreate,
  type PollProgress,
  parseTimeout,
  poll,
  resolveTimeouts,
  sleepTogether,
} from "../../providers/ecs/wait";

const image = (over: Partial<ImageView> = {}): ImageView => ({
  id: "m-copy",
  name: "golden",
  description: "",
  ownerId: "1234567890123456",
  ownerAlias: "self",
  status: "Available",
  isCopied: true,
  size: 40,
  tags: {},
  encrypted: false,
  ...over,
});

const instance = (over: Partial<InstanceView> = {}): InstanceView => ({
  id: "i-1",
  status: "Running",
  imageId: "m-new",
  zoneId: "cn-hangzhou-h",
  instanceType: "ecs.g7.large",
  name: "web",
  hostName: "web",
  description: "",
  operationLocks: [],
  tags: {},
  ...over,
});

/** A fake clock that advances only when the poller sleeps. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

function sequence<T>(values: T[]): () => Promise<T> {
  let i = 0;
  return async () => values[Math.min(i++, values.length - 1)];
}

describe("poll", () => {
  it("returns the observation the acceptor accepts, reporting progress on the way", async () => {
    const time = fakeTime();
    const progress: PollProgress<ImageView | undefined>[] = [];
    const result = await poll({
      what: "image m-copy to become Available",
      describe: sequence<ImageView | undefined>([
        image({ status: "Waiting" }),
        image({ status: "Creating", progressPercent: 10 }),
        image({ status: "Creating", progressPercent: 45 }),
        image(),
      ]),
      acceptor: imageAvailable(),
      timeoutMs: 60_000,
      minDelayMs: 1000,
      maxDelayMs: 4000,
      random: () => 1,
      ...time,
      onProgress: (p) => progress.push(p),
    });
    expect(result?.status).toBe("Available");
    expect(progress.map((p) => p.reason)).toEqual(["Waiting", "Creating 10%", "Creating 45%"]);
    expect(time.sleeps).toEqual([1000, 2000, 4000]);
  });

  it("jitters each delay between minDelayMs and the exponential cap", async () => {
    const time = fakeTime();
    await poll({
      what: "x",
      describe: sequence([1, 2, 3, 4, 5]),
      acceptor: (n) => (n === 5 ? { state: "success", reason: "" } : { state: "retry", reason: `${n}` }),
      timeoutMs: 600_000,
      minDelayMs: 1000,
      maxDelayMs: 5000,
      random: () => 0.5,
      ...time,
    });
    expect(time.sleeps).toEqual([1000, 1500, 2500, 3000]);
  });

  it("throws WaitFailedError with the acceptor's reason when a failure state is reached", async () => {
    const run = poll({
      what: "image m-copy to become Available",
      describe: sequence([image({ status: "Creating" }), image({ status: "CreateFailed" })]),
      acceptor: imageAvailable(),
      timeoutMs: 60_000,
      ...fakeTime(),
    });
    await expect(run).rejects.toThrow(
      new WaitFailedError("image m-copy to become Available", "the image is CreateFailed"),
    );
  });

  it("never sleeps past the deadline and times out with the last reason", async () => {
    const time = fakeTime();
    const run = poll({
      what: "image m-copy to become Available",
      describe: async () => image({ status: "Creating", progressPercent: 10 }),
      acceptor: imageAvailable(),
      timeoutMs: 10_000,
      minDelayMs: 3000,
      maxDelayMs: 3000,
      random: () => 0,
      ...time,
    });
    await expect(run).rejects.toBeInstanceOf(TimeoutError);
    await expect(run).rejects.toMatchObject({ lastReason: "Creating 10%", timeoutMs: 10_000 });
    expect(time.sleeps).toEqual([3000, 3000, 3000, 1000]);
    expect(time.now()).toBe(10_000);
  });

  it("stops with AbortError when the signal aborts between polls", async () => {
    const controller = new AbortController();
    const run = poll({
      what: "instance i-1 to be Running",
      describe: async () => instance({ status: "Starting" }),
      acceptor: instanceInStatus("Running"),
      timeoutMs: 60_000,
      sleep: async () => controller.abort(),
      now: () => 0,
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow(new AbortError("instance i-1 to be Running", "Starting"));
  });

  it("stops with AbortError when aborted during a real sleep", async () => {
    const controller = new AbortController();
    const run = poll({
      what: "instance i-1 to be Running",
      describe: async () => instance({ status: "Pending" }),
      acceptor: instanceInStatus("Running"),
      timeoutMs: 60_000,
      minDelayMs: 30_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 5);
    await expect(run).rejects.toBeInstanceOf(AbortError);
  });

  it("lets describe errors through unchanged", async () => {
    const boom = new Error("describe failed");
    const run = poll({ what: "x", describe: () => Promise.reject(boom), acceptor: imageGone, timeoutMs: 1000 });
    await expect(run).rejects.toBe(boom);
  });

  it.each([
    [{ timeoutMs: 0 }, "options.timeoutMs must be a positive number of milliseconds, got 0"],
    [{ timeoutMs: 1000, minDelayMs: -5 }, "options.minDelayMs must be a positive number of milliseconds, got -5"],
    [{ timeoutMs: 1000, minDelayMs: 500, maxDelayMs: 100 }, "options.maxDelayMs must be >= minDelayMs (500), got 100"],
  ])("rejects invalid options %j naming the field", async (options, message) => {
    const describe = jest.fn(async () => undefined);
    await expect(poll({ what: "x", describe, acceptor: imageGone, ...options })).rejects.toThrow(message);
    expect(describe).not.toHaveBeenCalled();
  });
});

describe("acceptors", () => {
  it.each([
    ["missing (deleted)", undefined, "failure", "the image no longer exists"],
    ["Waiting", image({ status: "Waiting" }), "retry", "Waiting"],
    ["Creating with progress", image({ status: "Creating", progressPercent: 73 }), "retry", "Creating 73%"],
    ["Available", image(), "success", "Available"],
    ["CreateFailed", image({ status: "CreateFailed" }), "failure", "the image is CreateFailed"],
    ["UnAvailable", image({ status: "UnAvailable" }), "failure", "the image is UnAvailable"],
    ["Deprecated", image({ status: "Deprecated" }), "failure", "the image is Deprecated"],
  ] as const)("imageAvailable: %s -> %s", (_label, observed, state, reason) => {
    expect(imageAvailable()(observed)).toEqual({ state, reason });
  });

  it.each([
    [undefined, "success", "deleted"],
    [image(), "retry", "still Available"],
    [image({ status: "Deprecated" }), "retry", "still Deprecated"],
  ] as const)("imageGone: %j -> %s", (observed, state, reason) => {
    expect(imageGone(observed)).toEqual({ state, reason });
  });

  it.each([
    ["Running", instance({ status: "Pending" }), "retry", "Pending"],
    ["Running", instance({ status: "Starting" }), "retry", "Starting"],
    ["Running", instance(), "success", "Running"],
    ["Running", instance({ status: "Stopped" }), "retry", "Stopped, waiting for Running"],
    ["Stopped", instance({ status: "Stopping" }), "retry", "Stopping"],
    ["Stopped", instance({ status: "Stopped" }), "success", "Stopped"],
    ["Stopped", undefined, "failure", "the instance no longer exists"],
    [
      "Running",
      instance({ status: "Stopped", operationLocks: [{ lockReason: "financial" }] }),
      "failure",
      "the instance is locked (financial)",
    ],
  ] as const)("instanceInStatus(%s): %j -> %s", (target, observed, state, reason) => {
    expect(instanceInStatus(target)(observed)).toEqual({ state, reason });
  });

  it.each([
    [undefined, "success", "deleted"],
    [instance({ status: "Stopping" }), "retry", "still Stopping"],
  ] as const)("instanceGone: %j -> %s", (observed, state, reason) => {
    expect(instanceGone(observed)).toEqual({ state, reason });
  });
});

describe("parseTimeout", () => {
  it.each([
    ["45m", 45 * 60_000],
    ["2h", 7_200_000],
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    [" 10m ", 600_000],
    [120_000, 120_000],
  ])("parses %j as %d ms", (value, ms) => {
    expect(parseTimeout(value, "timeouts.create")).toBe(ms);
  });

  it.each([
    ["45", 'must be a duration like "45m", "2h", "90s" or "1h30m", or a number of milliseconds; got "45"'],
    ["1d", 'must be a duration like "45m", "2h", "90s" or "1h30m", or a number of milliseconds; got "1d"'],
    [true, 'must be a duration like "45m", "2h", "90s" or "1h30m", or a number of milliseconds; got true'],
    [0, "must be more than 0 and at most 168h; got 0"],
    ["0m", 'must be more than 0 and at most 168h; got "0m"'],
    ["200h", 'must be more than 0 and at most 168h; got "200h"'],
    [Number.NaN, "must be more than 0 and at most 168h; got null"],
  ])("refuses %j naming the property", (value, reason) => {
    expect(() => parseTimeout(value, "timeouts.create")).toThrow(new InvalidInputError("timeouts.create", reason));
    expect(() => parseTimeout(value, "timeouts.create")).toThrow(`timeouts.create: ${reason}`);
  });
});

describe("resolveTimeouts", () => {
  const defaults = { create: DEFAULT_TIMEOUTS.imageCopy, update: 60_000, delete: DEFAULT_TIMEOUTS.imageDelete };

  it("keeps defaults for unset fields and parses the rest", () => {
    expect(resolveTimeouts({ create: "8h" }, defaults)).toEqual({
      create: 8 * 3_600_000,
      update: 60_000,
      delete: 1_200_000,
    });
    expect(resolveTimeouts(undefined, defaults)).toEqual(defaults);
  });

  it("names the field of a bad or unknown timeout", () => {
    expect(() => resolveTimeouts({ delete: "soon" }, defaults)).toThrow(/^timeouts\.delete: must be a duration/);
    expect(() => resolveTimeouts({ craete: "1h" } as never, defaults)).toThrow(
      "timeouts.craete: is not a timeout; use create, update or delete",
    );
  });

  it("defaults image copies to hours, not minutes", () => {
    expect(DEFAULT_TIMEOUTS).toEqual({
      imageCopy: 6 * 3_600_000,
      imageDelete: 20 * 60_000,
      instanceCreate: 20 * 60_000,
      instanceDelete: 20 * 60_000,
      systemDiskReplacement: 30 * 60_000,
    });
  });
});

describe("listedAfterCreate", () => {
  function clock() {
    let t = 0;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    };
  }

  it("returns the resource as soon as it is listed, even after a few misses", async () => {
    const answers = [undefined, undefined, undefined, undefined, "i-1"];
    const c = clock();
    const found = await listedAfterCreate(async () => answers.shift(), { ...c, minWaitMs: 10_000 });
    expect(found).toBe("i-1");
  });

  it("calls it gone only after enough misses spanning the minimum wait", async () => {
    const c = clock();
    let calls = 0;
    const found = await listedAfterCreate(
      async () => {
        calls++;
        return undefined;
      },
      { ...c, misses: 3, minWaitMs: 30_000 },
    );
    expect(found).toBeUndefined();
    expect(c.now()).toBeGreaterThanOrEqual(30_000);
    expect(calls).toBeGreaterThanOrEqual(3);
  });
});

describe("sleepTogether", () => {
  const SLACK = 100;

  it("wakes a waiter that fell asleep a little later with the first, in one turn of the event loop", async () => {
    const started = Date.now();
    const woke: string[] = [];
    const first = sleepTogether(200, undefined, SLACK).then(() => {
      woke.push("first");
      setImmediate(() => woke.push("next turn"));
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = sleepTogether(200, undefined, SLACK).then(() => woke.push("second"));
    await Promise.all([first, second]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toEqual(["first", "second", "next turn"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(199);
  });

  it("sets a wake of its own when the others' are further off, and never sleeps longer than asked", async () => {
    const woke: string[] = [];
    const first = sleepTogether(100, undefined, SLACK).then(() => woke.push("first"));
    const started = Date.now();
    const second = sleepTogether(400, undefined, SLACK).then(() => woke.push("second"));
    await first;
    expect(woke).toEqual(["first"]);
    await second;
    expect(Date.now() - started).toBeGreaterThanOrEqual(399);
    expect(woke).toEqual(["first", "second"]);
  });

  it("stops at once when its signal aborts", async () => {
    const controller = new AbortController();
    const sleeping = sleepTogether(1_000, controller.signal, SLACK);
    controller.abort();
    await expect(sleeping).rejects.toThrow();
  });
});

describe("FirstLook", () => {
  it.each([
    ["a ready first look brings the next 5% sooner", [true], 1900],
    ["one that was not ready puts the next 30% later", [false], 2600],
    ["never sooner than the least", Array(14).fill(true), 1000],
    ["never later than the most", Array(10).fill(false), 20_000],
    ["a miss after hits overshoots a little, then comes back down", [true, true, false, true], 2229],
  ] as const)("%s", (_name, outcomes, expected) => {
    const look = new FirstLook(2000, 1000, 20_000);
    for (const ready of outcomes) look.record(look.delayMs, ready);
    expect(look.delayMs).toBeCloseTo(expected, 0);
  });

  it("counts a wave with one look not ready as a miss, whatever the others told first", () => {
    const look = new FirstLook(2000, 1000, 20_000);
    const wave = look.delayMs;
    for (const ready of [true, true, false, true, false]) look.record(wave, ready);
    expect(look.delayMs).toBe(2600);
    look.record(1000, false); // a look of an older wave
    expect(look.delayMs).toBe(2600);
  });

  it("counts one wave once: the looks after a delay no longer current do not move it", () => {
    const look = new FirstLook(2000, 1000, 20_000);
    const wave = look.delayMs;
    for (let i = 0; i < 8; i++) look.record(wave, false);
    expect(look.delayMs).toBe(2600);
  });
});
