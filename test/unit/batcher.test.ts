// The batcher that groups concurrent lookups into one ECS call.
import { Batcher } from "../../providers/ecs/batcher";

function recordingFetch(fail?: (keys: string[]) => boolean) {
  const calls: string[][] = [];
  const fetch = async (keys: string[]) => {
    calls.push(keys);
    if (fail?.(keys)) throw new Error(`fetch of ${keys.length} failed`);
    return new Map(keys.filter((k) => !k.startsWith("gone")).map((k) => [k, `value of ${k}`]));
  };
  return { calls, fetch };
}

const ids = (n: number, prefix = "i-") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("Batcher", () => {
  it.each([
    [1, 1],
    [99, 1],
    [100, 1],
    [101, 2],
    [250, 3],
    [1000, 10],
  ])("serves %d concurrent gets with %d fetches of at most 100 keys", async (n, fetches) => {
    const { calls, fetch } = recordingFetch();
    const batcher = new Batcher({ fetch });
    const values = await Promise.all(ids(n).map((id) => batcher.get(id)));
    expect(values).toEqual(ids(n).map((id) => `value of ${id}`));
    expect(calls.length).toBe(fetches);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(100);
  });

  it("asks for a key once however many callers want it", async () => {
    const { calls, fetch } = recordingFetch();
    const batcher = new Batcher({ fetch });
    const values = await Promise.all([batcher.get("i-1"), batcher.get("i-1"), batcher.get("i-2")]);
    expect(values).toEqual(["value of i-1", "value of i-1", "value of i-2"]);
    expect(calls).toEqual([["i-1", "i-2"]]);
  });

  it("resolves keys the fetch did not return to undefined", async () => {
    const batcher = new Batcher({ fetch: recordingFetch().fetch });
    await expect(Promise.all([batcher.get("gone-1"), batcher.get("i-1")])).resolves.toEqual([
      undefined,
      "value of i-1",
    ]);
  });

  it("rejects only the callers of the batch whose fetch failed", async () => {
    const { fetch } = recordingFetch((keys) => keys.includes("i-0"));
    const batcher = new Batcher({ fetch, maxBatch: 2 });
    const results = await Promise.allSettled(ids(4).map((id) => batcher.get(id)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled", "fulfilled"]);
  });

  it("starts a new batch for gets made after a fetch went out", async () => {
    const { calls, fetch } = recordingFetch();
    const batcher = new Batcher({ fetch });
    await batcher.get("i-1");
    await batcher.get("i-1");
    expect(calls).toEqual([["i-1"], ["i-1"]]);
  });

  it("fetches a lone get at once, however long the window", async () => {
    const { calls, fetch } = recordingFetch();
    const batcher = new Batcher({ fetch, windowMs: 60_000 });
    const started = performance.now();
    await expect(batcher.get("i-1")).resolves.toBe("value of i-1");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls).toEqual([["i-1"]]);
  });

  it("gathers the gets that arrive within a window of the last fetch into one fetch", async () => {
    const { calls, fetch } = recordingFetch();
    let clock = 0;
    const batcher = new Batcher({ fetch, windowMs: 30, now: () => clock });
    await batcher.get("i-1");
    clock = 5;
    const second = batcher.get("i-2");
    clock = 20;
    const third = batcher.get("i-3");
    await Promise.all([second, third]);
    expect(calls).toEqual([["i-1"], ["i-2", "i-3"]]);
  });

  it("fetches at once again once a window has passed since the last fetch", async () => {
    const { calls, fetch } = recordingFetch();
    let clock = 0;
    const batcher = new Batcher({ fetch, windowMs: 60_000, now: () => clock });
    await batcher.get("i-1");
    clock = 60_000;
    const started = performance.now();
    await batcher.get("i-2");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls).toEqual([["i-1"], ["i-2"]]);
  });

  it.each([
    [{ maxBatch: 0 }, "Batcher: options.maxBatch must be an integer >= 1, got 0"],
    [{ windowMs: -1 }, "Batcher: options.windowMs must be a finite number >= 0, got -1"],
  ])("rejects invalid options %j naming the field", (options, message) => {
    expect(() => new Batcher({ fetch: recordingFetch().fetch, ...options })).toThrow(message);
  });
});
