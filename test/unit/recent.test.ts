// Short-lived memos of ECS answers, and one shim object per provider module.
import { Recent } from "../../providers/recent";
import { thinProvider } from "../../providers/shim";

describe("Recent", () => {
  it("serves an answer for maxAgeMs from when it was asked for, then asks again", async () => {
    const recent = new Recent<number>(1_000);
    let asked = 0;
    const fetch = async () => ++asked;
    expect(await recent.get("k", fetch, 0)).toBe(1);
    expect(await recent.get("k", fetch, 999)).toBe(1);
    expect(await recent.get("other", fetch, 999)).toBe(2);
    expect(await recent.get("k", fetch, 1_000)).toBe(3);
  });

  it("serves a caller that asks for a fresher answer only an answer that fresh", async () => {
    const recent = new Recent<number>(60_000);
    let asked = 0;
    const fetch = async () => ++asked;
    expect(await recent.get("k", fetch, 0)).toBe(1);
    expect(await recent.get("k", fetch, 4_000, 5_000)).toBe(1);
    expect(await recent.get("k", fetch, 6_000, 5_000)).toBe(2);
    expect(await recent.get("k", fetch, 7_000)).toBe(2);
  });

  it("shares one lookup between concurrent callers", async () => {
    const recent = new Recent<string>(1_000);
    let asked = 0;
    const fetch = () => new Promise<string>((resolve) => setImmediate(() => resolve(`answer ${++asked}`)));
    expect(await Promise.all([recent.get("k", fetch, 0), recent.get("k", fetch, 1)])).toEqual(["answer 1", "answer 1"]);
  });

  it("does not keep a failure: the next caller asks again", async () => {
    const recent = new Recent<string>(1_000);
    await expect(recent.get("k", () => Promise.reject(new Error("throttled")), 0)).rejects.toThrow("throttled");
    await new Promise((resolve) => setImmediate(resolve));
    expect(await recent.get("k", async () => "fine", 1)).toBe("fine");
  });
});

describe("thinProvider", () => {
  // The SDK serializes a provider once per object; one object per module keeps that once per program.
  it("gives one shim object per implementation module", () => {
    expect(thinProvider("module-a")).toBe(thinProvider("module-a"));
    expect(thinProvider("module-a")).not.toBe(thinProvider("module-b"));
  });
});
