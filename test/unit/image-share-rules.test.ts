// ImageShare's pure rules: how a share-list change is cut into calls of 10, what a change adds and removes given the
// list ECS reports, the diff (what replaces, what updates, which accounts lose the image), the input checks and the
// unshare warning. Tables for the named cases, generated lists for the invariants.
import fc from "fast-check";
import { DEMO } from "../../emulator/demo-credentials";
import { sharePermissionBatches } from "../../providers/ecs/shares";
import type { ImageView } from "../../providers/ecs/types";
import { unshareNotice } from "../../providers/notices";
import type { ImageShareInputs, ImageShareOutputs } from "../../providers/share/args";
import { diffImageShare } from "../../providers/share/diff";
import { afterPlan, planShares, shareOutputs } from "../../providers/share/plan";
import { accountIdsFailures, shareImageFailures, validateImageShareInputs } from "../../providers/share/validate";
import { UNKNOWN } from "../../providers/wire-values";
import { extraAccounts, shareInputs } from "../support/image-share";

const W = DEMO.workload.accountId;
const [A, B, C, D] = extraAccounts(4);
const accountList = (max: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 80 }), { maxLength: max })
    .map((ns) => ns.map((n) => extraAccounts(1, n)[0]));

describe("sharePermissionBatches", () => {
  it.each([
    [0, 0, 0],
    [1, 0, 1],
    [10, 0, 1],
    [11, 0, 2],
    [25, 3, 3],
    [0, 21, 3],
    [50, 50, 5],
  ])("adds %i and removes %i accounts in %i calls", (adds, removes, calls) => {
    expect(sharePermissionBatches(extraAccounts(adds), extraAccounts(removes, 100))).toHaveLength(calls);
  });

  it("sends every account once, at most 10 each way per call, in the fewest calls, never above the count before or after", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), accountList(60), accountList(60), (before, add, remove) => {
        const batches = sharePermissionBatches(add, remove);
        expect(batches.flatMap((b) => b.add)).toEqual(add);
        expect(batches.flatMap((b) => b.remove)).toEqual(remove);
        expect(batches.every((b) => b.add.length <= 10 && b.remove.length <= 10)).toBe(true);
        expect(batches).toHaveLength(Math.ceil(Math.max(add.length, remove.length) / 10));
        // The share count after each call, when every removed account was shared and no added one was.
        let count = before + remove.length;
        const after = count - remove.length + add.length;
        for (const b of batches) {
          count += b.add.length - b.remove.length;
          expect(count).toBeLessThanOrEqual(Math.max(before + remove.length, after));
        }
      }),
    );
  });
});

describe("planShares", () => {
  it.each([
    ["create, exclusive: takes over the list", [W, A], [B], [], true, { add: [B], remove: [W, A], kept: [] }],
    ["create, not exclusive: others stay", [W, A], [W, B], [], false, { add: [B], remove: [], kept: [W] }],
    ["update drops a managed account", [W, A], [W], [W, A], false, { add: [], remove: [A], kept: [W] }],
    ["update re-shares a missing account", [W], [W, A], [W, A], false, { add: [A], remove: [], kept: [W] }],
    ["a dropped account already gone", [W], [W], [W, A], true, { add: [], remove: [], kept: [W] }],
    ["nothing to do", [A, B], [B, A], [A, B], true, { add: [], remove: [], kept: [A, B] }],
  ])("%s", (_name, live, desired, before, exclusive, plan) => {
    expect(planShares(live, desired, before, exclusive)).toEqual(plan);
  });

  it("ends with exactly the desired list when exclusive, and never touches an unmanaged account otherwise", () => {
    fc.assert(
      fc.property(
        accountList(50),
        accountList(50),
        accountList(50),
        fc.boolean(),
        (live, desired, before, exclusive) => {
          const plan = planShares(live, desired, before, exclusive);
          const after = afterPlan(live, plan);
          expect(plan.add.filter((id) => plan.remove.includes(id))).toEqual([]);
          for (const id of desired) expect(after).toContain(id);
          if (exclusive) expect(after).toEqual([...desired].sort());
          else {
            const untouched = live.filter((id) => !before.includes(id) && !desired.includes(id));
            for (const id of untouched) expect(after).toContain(id);
          }
          // Carrying the plan out again changes nothing.
          expect(planShares(after, desired, desired, exclusive)).toEqual({
            add: [],
            remove: [],
            kept: [...desired].sort(),
          });
        },
      ),
    );
  });

  it("splits what ECS lists into managed, missing and unmanaged accounts", () => {
    const outs = shareOutputs(shareInputs(), { ownerId: DEMO.owner.accountId, name: "n" }, [W, C, A], [W, A, B], [W]);
    expect(outs).toEqual(
      expect.objectContaining({
        accountIds: [W, A],
        missingAccountIds: [B],
        unmanagedAccountIds: [C],
        adoptedAccountIds: [W],
      }),
    );
  });
});

describe("diffImageShare", () => {
  const olds = (over: Partial<ImageShareOutputs> = {}): ImageShareOutputs => ({
    ...shareInputs({ accountIds: [A, W] }),
    missingAccountIds: [],
    unmanagedAccountIds: [],
    adoptedAccountIds: [],
    ownerAccountId: DEMO.owner.accountId,
    imageName: "golden-base-2024-10",
    ...over,
  });
  const cases: [string, Partial<ImageShareOutputs>, Partial<ImageShareInputs>, string[], string[], string[]][] = [
    ["nothing changed (order aside)", {}, { accountIds: [W, A] }, [], [], []],
    ["another image", {}, { imageId: "m-other1", accountIds: [A, W] }, ["imageId"], [], [W, A]],
    ["another region", {}, { region: DEMO.otherRegion, accountIds: [A, W] }, ["region"], [], [W, A]],
    ["an account added", {}, { accountIds: [A, B, W] }, [], ["accountIds"], []],
    ["an account removed", {}, { accountIds: [W] }, [], ["accountIds"], [A]],
    [
      "a managed account unshared outside Pulumi",
      { accountIds: [W], missingAccountIds: [A] },
      { accountIds: [A, W] },
      [],
      ["accountIds", "missingAccountIds"],
      [],
    ],
    [
      "an account shared outside Pulumi, exclusive",
      { unmanagedAccountIds: [C] },
      { accountIds: [A, W] },
      [],
      ["unmanagedAccountIds"],
      [C],
    ],
    [
      "an account shared outside Pulumi, not exclusive",
      { unmanagedAccountIds: [C], exclusive: false },
      { accountIds: [A, W], exclusive: false },
      [],
      [],
      [],
    ],
    [
      "an outside account now listed",
      { unmanagedAccountIds: [C] },
      { accountIds: [A, C, W] },
      [],
      ["accountIds", "unmanagedAccountIds"],
      [],
    ],
    ["exclusive turned off", {}, { accountIds: [A, W], exclusive: false }, [], ["exclusive"], []],
    ["a timeout", {}, { accountIds: [A, W], timeouts: { update: "1m" } }, [], ["timeouts"], []],
  ];
  it.each(cases)("%s", (_name, old, news, replaces, updates, removed) => {
    const diff = diffImageShare(olds(old), shareInputs(news));
    expect(diff).toEqual({
      changes: replaces.length + updates.length > 0,
      replaces,
      updates,
      removedAccounts: removed,
    });
  });
});

describe("ImageShare input rules", () => {
  it.each([
    [
      "a number",
      [1234567890123456],
      "accountIds[0]",
      "must be a 16-digit account id (as a string), got 1234567890123456",
    ],
    [
      "15 digits",
      ["123456789012345"],
      "accountIds[0]",
      'must be a 16-digit account id (as a string), got "123456789012345"',
    ],
    ["a duplicate", [A, B, A], "accountIds[2]", `repeats ${A} (already accountIds[0]); list each account once`],
    ["not a list", A, "accountIds", `must be a list of 16-digit account ids (as strings), got "${A}"`],
  ])("refuses %s", (_name, value, property, reason) => {
    expect(accountIdsFailures(value, "accountIds")).toEqual([{ property, reason }]);
  });

  it("refuses the owner's own account once the owner is known, and more than 50", () => {
    expect(accountIdsFailures([W, D], "accountIds", D)).toEqual([
      {
        property: "accountIds[1]",
        reason: `${D} is the image owner's own account, which ECS does not share with (InvalidAccount.Forbbiden); remove it`,
      },
    ]);
    expect(accountIdsFailures(extraAccounts(51), "accountIds").map((f) => f.property)).toEqual(["accountIds"]);
    expect(accountIdsFailures([], "accountIds")).toEqual([]);
  });

  it("requires imageId and accountIds, refuses unknown inputs, and waits for unknown values", () => {
    expect(validateImageShareInputs({ identity: shareInputs().identity, accounts: [A] })).toEqual([
      {
        property: "accounts",
        reason: "is not an input of ImageShare; use imageId, region, accountIds, exclusive, timeouts",
      },
      { property: "imageId", reason: "is required: the id of a custom image of this account to share" },
      {
        property: "accountIds",
        reason: "is required: the 16-digit ids of the accounts to share the image with (may be empty)",
      },
    ]);
    expect(validateImageShareInputs({ ...shareInputs(), imageId: UNKNOWN, accountIds: UNKNOWN })).toEqual([]);
    expect(validateImageShareInputs({ ...shareInputs(), identity: undefined }).map((f) => f.property)).toEqual([
      "identity",
    ]);
  });
});

describe("shareImageFailures", () => {
  const image = (over: Partial<ImageView>): ImageView => ({
    id: "m-1",
    name: "golden",
    description: "",
    ownerId: DEMO.owner.accountId,
    ownerAlias: "self",
    status: "Available",
    isCopied: false,
    size: 40,
    tags: {},
    encrypted: false,
    ...over,
  });
  it.each<[string, Partial<ImageView>, boolean, string[]]>([
    ["an Available image of this account", {}, true, []],
    ["a Deprecated one that only loses accounts", { status: "Deprecated" }, false, []],
    [
      "a Deprecated one gaining accounts",
      { status: "Deprecated" },
      true,
      ['image m-1 ("golden") is Deprecated; ECS shares only Available images'],
    ],
    [
      "a copy still running",
      { status: "Creating" },
      false,
      ['image m-1 ("golden") is Creating; ECS shares only Available images'],
    ],
    [
      "an image another account shared with this one",
      { ownerAlias: "others", ownerId: "3333333333333333" },
      true,
      [
        'image m-1 ("golden") belongs to account 3333333333333333, not to this account; only an image\'s owner can share it',
      ],
    ],
    [
      "a public image",
      { ownerAlias: "system", ownerId: "", name: "" },
      true,
      ["image m-1 belongs to the system images, not to this account; only an image's owner can share it"],
    ],
  ])("%s", (_name, over, adds, reasons) => {
    expect(shareImageFailures(image(over), adds)).toEqual(reasons.map((reason) => ({ property: "imageId", reason })));
  });
});

describe("unshareNotice", () => {
  it("says what the ECS guide warns, and what ECS tells of the image's use", () => {
    expect(unshareNotice("m-1", [A, B], undefined)).toBe(
      `stops sharing image m-1 with accounts ${A}, ${B}: instances they created from the image keep running but can ` +
        "no longer re-initialize their system disks from it, and no new copy or instance can be made from it there",
    );
    expect(unshareNotice("m-1", [A], true)).toMatch(
      /; ECS reports instances created from m-1 \(it does not say whose: ask that account before going on\)$/,
    );
    expect(unshareNotice("m-1", [A], false)).toMatch(/; ECS reports no instance created from m-1$/);
  });
});
