// Values on the engine's wire: unknowns during preview, and no undefined sent back.
import { containsUnknown, dropUndefined, UNKNOWN } from "../../providers/wire-values";

describe("containsUnknown", () => {
  it.each([
    [UNKNOWN, true],
    [{ approval: { approvedOwners: ["1", UNKNOWN] } }, true],
    [[{ disk: UNKNOWN }], true],
    [{ imageId: "m-1", tags: { a: "b" } }, false],
    ["04da6b54", false],
    [null, false],
    [undefined, false],
  ])("%j -> %s", (value, expected) => {
    expect(containsUnknown(value)).toBe(expected);
  });
});

describe("dropUndefined", () => {
  it("removes undefined properties at every depth and keeps everything else", () => {
    const value = { a: undefined, b: 0, c: { d: undefined, e: [1, undefined, { f: undefined, g: "" }] }, h: null };
    expect(dropUndefined(value)).toEqual({ b: 0, c: { e: [1, null, { g: "" }] }, h: null });
    expect(JSON.stringify(dropUndefined(value))).not.toContain("undefined");
    expect(Object.keys(dropUndefined(value).c)).toEqual(["e"]);
  });

  it("leaves primitives alone", () => {
    expect(dropUndefined("x")).toBe("x");
    expect(dropUndefined(3)).toBe(3);
    expect(dropUndefined(undefined)).toBeUndefined();
  });
});
