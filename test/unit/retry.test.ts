// Retries: which failures are retried, full-jitter backoff, and deadlines.
import { EcsError } from "../../providers/ecs/errors";
import { backoffDelay, isRetryable, type RetryInfo, retryDelays, withRetry } from "../../providers/ecs/retry";

function ecsError(code: string, httpStatus?: number, retryAfterMs?: number): EcsError {
  return new EcsError({ action: "DescribeImages", code, httpStatus, sentence: "test", retryAfterMs });
}

describe("isRetryable", () => {
  it.each([
    ["Throttling", 400, true],
    ["Throttling.User", 403, true],
    ["Throttling.ConcurrentLimitExceeded", 400, true],
    ["Rejected.Throttling", 403, true],
    ["Throttling.SomethingNew", 400, true],
    ["ServiceUnavailable", 503, true],
    ["InternalError", 500, true],
    ["AnyServerFault", 502, true],
    ["IdempotentProcessing", 400, true],
    ["LastTokenProcessing", 400, true],
    ["OperationConflict", 409, true],
    ["InvalidOperation.Conflict", 400, true],
    ["IncorrectInstanceStatus.Initializing", 403, true],
    ["NetworkError", undefined, true],
    ["RequestTimeout", undefined, true],
    ["MalformedResponse", undefined, true],
    ["IdempotentParameterMismatch", 400, false],
    ["InvalidIdempotenceParameter.Mismatch", 500, false],
    ["InvalidImageId.NotFound", 404, false],
    ["Forbidden.RAM", 403, false],
    ["InvalidParameter", 400, false],
    ["EndpointNotFound", undefined, false],
    ["UnexpectedError", undefined, false],
  ])("classifies %s (HTTP %s) as retryable=%s", (code, status, expected) => {
    expect(isRetryable(ecsError(code, status))).toBe(expected);
  });

  it("never retries errors that are not EcsErrors (programmer errors)", () => {
    expect(isRetryable(new TypeError("boom"))).toBe(false);
    expect(isRetryable({ code: "Throttling", httpStatus: 400 })).toBe(false);
  });

  it("ignores message text that looks retryable", () => {
    const err = ecsError("InvalidParameter", 400);
    Object.defineProperty(err, "message", { value: "Throttling: please retry, service unavailable" });
    expect(isRetryable(err)).toBe(false);
  });
});

describe("backoffDelay", () => {
  const base = { baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    [1, 0.5, undefined, 50],
    [3, 0.5, undefined, 200],
    [10, 0.999, undefined, 999],
    [1, 0, 700, 700],
    [1, 0.5, 5000, 1000],
  ])("attempt %d with random %d and retryAfter %s waits %d ms", (attempt, r, retryAfterMs, expected) => {
    expect(backoffDelay(attempt, { ...base, random: () => r, retryAfterMs })).toBe(expected);
  });
});

describe("withRetry", () => {
  function failing(errors: unknown[], result = "ok") {
    let calls = 0;
    const fn = jest.fn(async () => {
      const err = errors[calls++];
      if (err !== undefined) throw err;
      return result;
    });
    return fn;
  }

  it("retries throttling and transient failures, then returns the result", async () => {
    const slept: number[] = [];
    const retries: RetryInfo[] = [];
    const fn = failing([ecsError("Throttling", 400), ecsError("NetworkError")]);
    const result = await withRetry(fn, {
      baseDelayMs: 100,
      random: () => 1,
      sleep: async (ms) => {
        slept.push(ms);
      },
      onRetry: (info) => retries.push(info),
    });
    expect(result).toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
    expect(slept).toEqual([100, 200]);
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [1, "Throttling"],
      [2, "NetworkError"],
    ]);
  });

  it("does not retry validation errors", async () => {
    const err = ecsError("InvalidImageId.NotFound", 404);
    const fn = failing([err]);
    await expect(withRetry(fn, { sleep: async () => {} })).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const last = ecsError("ServiceUnavailable", 503);
    const fn = failing([ecsError("InternalError", 500), ecsError("InternalError", 500), last, last]);
    const err = await withRetry(fn, { maxAttempts: 3, sleep: async () => {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: last.code, httpStatus: 503, hint: last.hint });
    // The message says the call was tried, and how often.
    expect((err as Error).message).toMatch(
      /^DescribeImages failed: test \(3 attempts over \d+ ms\) \(ServiceUnavailable/,
    );
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("waits at least what the server asked for, bounded by maxDelayMs", async () => {
    const slept: number[] = [];
    const fn = failing([ecsError("Throttling", 400, 3000), ecsError("Throttling", 400, 60_000)]);
    await withRetry(fn, {
      maxDelayMs: 10_000,
      random: () => 0,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(slept).toEqual([3000, 10_000]);
  });

  it("stops retrying when cancelled during the backoff, reporting the real failure", async () => {
    const controller = new AbortController();
    const err = ecsError("Throttling", 400);
    const fn = failing([err, err]);
    const run = withRetry(fn, { signal: controller.signal, baseDelayMs: 10_000, random: () => 1 });
    setTimeout(() => controller.abort(), 5);
    await expect(run).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it.each([
    [{ maxAttempts: 0 }, "options.maxAttempts must be an integer >= 1, got 0"],
    [{ maxAttempts: 1.5 }, "options.maxAttempts must be an integer >= 1, got 1.5"],
    [{ baseDelayMs: -1 }, "options.baseDelayMs must be a finite number >= 0, got -1"],
    [{ baseDelayMs: 500, maxDelayMs: 100 }, "options.maxDelayMs must be a finite number >= 500, got 100"],
  ])("rejects invalid options %j naming the field", async (options, message) => {
    const fn = jest.fn(async () => "ok");
    await expect(withRetry(fn, options)).rejects.toThrow(message);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("retryDelays", () => {
  it.each([
    [{}, { baseDelayMs: 500, maxDelayMs: 20_000 }],
    [{ ECS_SHARED_IMAGES_RETRY_DELAY: "20ms" }, { baseDelayMs: 20, maxDelayMs: 800 }],
    [{ ECS_SHARED_IMAGES_RETRY_DELAY: "5" }, { baseDelayMs: 5, maxDelayMs: 200 }],
    [{ ECS_SHARED_IMAGES_RETRY_DELAY: "1s" }, { baseDelayMs: 1000, maxDelayMs: 20_000 }],
  ])("reads %j as %j", (env, expected) => {
    expect(retryDelays(env)).toEqual(expected);
  });

  it("refuses a value that is not a duration, naming the variable", () => {
    expect(() => retryDelays({ ECS_SHARED_IMAGES_RETRY_DELAY: "soon" })).toThrow(
      'ECS_SHARED_IMAGES_RETRY_DELAY must be a duration like "20ms" or "1s", got "soon"',
    );
  });
});

describe("withRetry with a deadline", () => {
  const throttled = () => new EcsError({ action: "RunInstances", code: "Throttling", httpStatus: 400, sentence: "t" });
  const refused = () =>
    new EcsError({ action: "RunInstances", code: "NetworkError", httpStatus: undefined, sentence: "refused" });
  const unavailable = () =>
    new EcsError({ action: "RunInstances", code: "ServiceUnavailable", httpStatus: 503, sentence: "u" });

  function clocked() {
    const clock = { now: 0 };
    return {
      clock,
      options: {
        baseDelayMs: 100,
        maxDelayMs: 1000,
        random: () => 1,
        now: () => clock.now,
        sleep: async (ms: number) => {
          clock.now += ms;
        },
      },
    };
  }

  it.each([
    ["throttling", throttled],
    ["an unreachable endpoint", refused],
  ])("waits out %s past the attempt count, until the deadline", async (_what, error) => {
    const { clock, options } = clocked();
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls <= 20) throw error();
        return "ok";
      },
      { ...options, maxAttempts: 6, deadline: 60_000 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(21);
    expect(clock.now).toBeLessThanOrEqual(60_000);
  });

  it("gives up with the last error when the next backoff would end after the deadline", async () => {
    const { clock, options } = clocked();
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw throttled();
      },
      { ...options, deadline: 5_000 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcsError);
    expect((err as EcsError).code).toBe("Throttling");
    expect(clock.now).toBeLessThanOrEqual(5_000);
    expect(clock.now + 1000).toBeGreaterThan(5_000);
    expect(calls).toBeGreaterThan(6);
  });

  it("still stops other transient failures after maxAttempts", async () => {
    const { options } = clocked();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw unavailable();
        },
        { ...options, maxAttempts: 3, deadline: 600_000 },
      ),
    ).rejects.toMatchObject({ code: "ServiceUnavailable" });
    expect(calls).toBe(3);
  });

  it("without a deadline, throttling stops after maxAttempts as before", async () => {
    const { options } = clocked();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttled();
        },
        { ...options, maxAttempts: 4 },
      ),
    ).rejects.toMatchObject({ code: "Throttling" });
    expect(calls).toBe(4);
  });
});
