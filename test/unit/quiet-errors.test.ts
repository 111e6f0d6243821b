// Provider errors shown once, as one sentence, without the SDK's stack traces.
import { quietErrors } from "../../providers/quiet-errors";

describe("quietErrors", () => {
  const printed: unknown[][] = [];
  const original = console.error;
  beforeAll(() => {
    console.error = (...args: unknown[]) => printed.push(args);
  });
  afterAll(() => {
    console.error = original;
  });
  beforeEach(() => {
    printed.length = 0;
  });

  const failure = new Error("DeleteImage failed: the copy m-1 is the image of i-1. Fix: keep the copy.");
  const provider = quietErrors({
    name: "kept as is",
    async ok(x: number) {
      return x + 1;
    },
    async fails() {
      throw failure;
    },
  });

  it("passes results, arguments and non-function properties through", async () => {
    expect(await provider.ok(1)).toBe(2);
    expect(provider.name).toBe("kept as is");
  });

  it("rejects with the very error, and drops the host's one line about it once", async () => {
    await expect(provider.fails()).rejects.toBe(failure);
    // What the dynamic provider host prints before handing the error to the engine.
    console.error(`${failure}: ${failure.stack}`);
    expect(printed).toEqual([]);
    console.error(`${failure}: ${failure.stack}`);
    console.error("something else the host says");
    expect(printed).toEqual([[`${failure}: ${failure.stack}`], ["something else the host says"]]);
  });
});
