// Adoption after a crash: which instance or copy an earlier run made a create claims, and what it leaves alone.
import {
  type Made,
  noteCheck,
  noteDiff,
  planAdoption,
  recentScan,
  takeReplaced,
  unclaimedBesides,
} from "../../providers/adoption";
import { createTagValue, RESERVED_TAGS } from "../../providers/tags";

const CREATE = RESERVED_TAGS.create;

function made(id: string, over: Partial<Omit<Made<string>, "id" | "item">> = {}): Made<string> {
  return { id, handedOver: false, sameInputs: true, usable: true, item: id, ...over };
}

describe("planAdoption", () => {
  it.each<[string, Made<string>[], string | undefined, { adopt?: string; leftovers: string[]; kept: string[] }]>([
    ["nothing made: make a new one", [], undefined, { leftovers: [], kept: [] }],
    ["one never handed over, same inputs: adopted", [made("a")], undefined, { adopt: "a", leftovers: [], kept: [] }],
    [
      "two never handed over: the first is adopted, the other is a leftover",
      [made("a"), made("b")],
      undefined,
      { adopt: "a", leftovers: ["b"], kept: [] },
    ],
    [
      "never handed over with other inputs: a leftover, and a new one is made",
      [made("a", { sameInputs: false })],
      undefined,
      { leftovers: ["a"], kept: [] },
    ],
    [
      "never handed over and failed: a leftover",
      [made("a", { usable: false }), made("b")],
      undefined,
      { adopt: "b", leftovers: ["a"], kept: [] },
    ],
    [
      "handed over, nobody said what is replaced: may be the engine's, kept",
      [made("a", { handedOver: true })],
      undefined,
      { leftovers: [], kept: ["a"] },
    ],
    [
      "handed over with other inputs, nobody said what is replaced: kept",
      [made("a", { handedOver: true, sameInputs: false })],
      undefined,
      { leftovers: [], kept: ["a"] },
    ],
    [
      "handed over and failed: a leftover even when the engine may hold it",
      [made("a", { handedOver: true, usable: false })],
      undefined,
      { leftovers: ["a"], kept: [] },
    ],
    [
      "the replaced resource is never touched, whatever it is",
      [made("old", { handedOver: true }), made("old2", { handedOver: true, usable: false })],
      "old",
      { leftovers: ["old2"], kept: [] },
    ],
    [
      "the replaced one is skipped even when it matches and was never handed over",
      [made("old"), made("new")],
      "old",
      { adopt: "new", leftovers: [], kept: [] },
    ],
    [
      "with the replaced id known, a handed-over one is still kept: it may be a delete the engine left pending",
      [made("old", { handedOver: true }), made("pendingDelete", { handedOver: true })],
      "old",
      { leftovers: [], kept: ["pendingDelete"] },
    ],
    [
      "with the replaced id known, a handed-over one with other inputs is kept too",
      [made("old", { handedOver: true }), made("stale", { handedOver: true, sameInputs: false })],
      "old",
      { leftovers: [], kept: ["stale"] },
    ],
    [
      "the replaced one in partial state, never handed over (its hand-over failed), is not adopted",
      [made("partial")],
      "partial",
      { leftovers: [], kept: [] },
    ],
    [
      "a pending one is adopted before a kept one, whatever the order",
      [made("done", { handedOver: true }), made("pending")],
      undefined,
      { adopt: "pending", leftovers: [], kept: ["done"] },
    ],
  ])("%s", (_, list, replacedId, expected) => {
    const plan = planAdoption(list, replacedId);
    expect({ adopt: plan.adopt, leftovers: plan.leftovers, kept: plan.kept }).toEqual({
      adopt: expected.adopt,
      leftovers: expected.leftovers,
      kept: expected.kept,
    });
  });

  it("accounts for every made resource but the replaced one exactly once", () => {
    const list = [
      made("a", { handedOver: true }),
      made("b"),
      made("c", { sameInputs: false }),
      made("d", { usable: false }),
      made("e", { handedOver: true, usable: false }),
      made("f"),
    ];
    for (const replacedId of [undefined, "a", "b", "z"]) {
      const plan = planAdoption(list, replacedId);
      const seen = [...(plan.adopt === undefined ? [] : [plan.adopt]), ...plan.leftovers, ...plan.kept].sort();
      expect(seen).toEqual(list.map((m) => m.id).filter((id) => id !== replacedId));
    }
  });
});

describe("what diff and check tell a create", () => {
  const urn = "urn:pulumi:s::p::t::adoption-memory";

  afterEach(() => {
    takeReplaced(urn);
    noteCheck(urn, true);
  });

  it("a replacement diff followed by the check without old inputs names the replaced id, once", () => {
    noteCheck(urn, true);
    noteDiff(urn, "i-old", true);
    noteCheck(urn, false);
    expect(takeReplaced(urn)).toBe("i-old");
    expect(takeReplaced(urn)).toBeUndefined();
  });

  it("a diff that does not replace names nothing", () => {
    noteCheck(urn, true);
    noteDiff(urn, "i-old", false);
    noteCheck(urn, false);
    expect(takeReplaced(urn)).toBeUndefined();
  });

  it("a check without a diff before it (up --replace, a new resource) names nothing", () => {
    noteCheck(urn, false);
    expect(takeReplaced(urn)).toBeUndefined();
  });

  it("a replacement diff of an earlier run does not leak into a later --replace", () => {
    noteDiff(urn, "i-old", true);
    // The earlier run ended after its diff (preview, or an error); the next run checks with old inputs first.
    noteCheck(urn, true);
    noteCheck(urn, false);
    expect(takeReplaced(urn)).toBeUndefined();
  });

  it("a replaced id not taken by a create is forgotten by the next check with old inputs", () => {
    noteDiff(urn, "i-old", true);
    noteCheck(urn, false);
    noteCheck(urn, true);
    noteCheck(urn, false);
    expect(takeReplaced(urn)).toBeUndefined();
  });

  it("keeps resources apart", () => {
    const other = `${urn}-other`;
    noteDiff(urn, "i-old", true);
    noteDiff(other, "i-other", true);
    noteCheck(urn, false);
    noteCheck(other, false);
    expect(takeReplaced(other)).toBe("i-other");
    expect(takeReplaced(urn)).toBe("i-old");
  });
});

describe("unclaimedBesides", () => {
  const tagged = (id: string, state: "pending" | "done", resourceKey = "aaaa") => ({
    id,
    tags: { [CREATE]: createTagValue({ state, resourceKey, fingerprint: "f" }), team: "a" },
  });

  it.each<[string, { id: string; tags: Record<string, string> }[], string[]]>([
    ["none made", [], []],
    ["only the one in state", [tagged("i-1", "pending")], []],
    ["a pending one besides it", [tagged("i-1", "done"), tagged("i-2", "pending")], ["i-2"]],
    ["a handed-over one besides it may be a pending delete: not named", [tagged("i-2", "done")], []],
    ["another resource's pending one", [tagged("i-2", "pending", "bbbb")], []],
    ["an untagged one", [{ id: "i-2", tags: { team: "a" } }], []],
  ])("%s", (_, found, expected) => {
    expect(unclaimedBesides("i-1", "aaaa", found)).toEqual(expected);
  });
});

describe("recentScan", () => {
  it("serves one listing to every read within a minute, then lists again", async () => {
    let listings = 0;
    const list = async () => [++listings];
    const key = "test:one";
    expect(await recentScan(key, list, 1_000)).toEqual([1]);
    expect(await recentScan(key, list, 60_999)).toEqual([1]);
    expect(await recentScan(key, list, 61_000)).toEqual([2]);
    expect(await recentScan("test:other", list, 61_000)).toEqual([3]);
  });

  it("does not keep a failed listing", async () => {
    const key = "test:failing";
    await expect(recentScan(key, () => Promise.reject(new Error("throttled")), 0)).rejects.toThrow("throttled");
    await new Promise((r) => setImmediate(r));
    expect(await recentScan(key, async () => ["ok"], 1)).toEqual(["ok"]);
  });
});
