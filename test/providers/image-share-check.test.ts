// ImageShare's check and diff (what `pulumi preview` shows), called directly against the in-process emulator through
// the real SDK: read-only calls and DryRuns only, every refusal naming the property, and the unshare warning.
import { provider } from "../../providers/image-share";
import type { ImageShareOutputs } from "../../providers/share/args";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO } from "../support/emulator";
import { runInstance } from "../support/emulator-sdk";
import { extraAccounts, modifyShares, sharedWith, shareInputs, useShareEmulator } from "../support/image-share";

const env = useShareEmulator();
const REQUEST_ID = "RequestId [0-9A-F-]{36}";

/** What a share of the plain image with `accountIds` stores after create. */
const stored = (over: Partial<ImageShareOutputs> = {}): ImageShareOutputs => ({
  ...shareInputs(),
  missingAccountIds: [],
  unmanagedAccountIds: [],
  adoptedAccountIds: [DEMO.workload.accountId],
  ownerAccountId: DEMO.owner.accountId,
  imageName: "golden-base-2024-10",
  ...over,
});

describe("ImageShare check (read-only, runs during preview)", () => {
  it("accepts the owner's image and accounts, defaulting region and exclusive, with no mutating call", async () => {
    const { identity, imageId, accountIds } = shareInputs({ accountIds: extraAccounts(12) });
    const result = await provider.check({}, { identity, imageId, accountIds });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual(shareInputs({ accountIds: extraAccounts(12) }));
    // The 12 accounts to add are tried in two DryRuns of at most 10; the workload's share is removed (exclusive).
    expect(env.modifyCalls()).toEqual([
      { add: extraAccounts(10), remove: [], dryRun: true },
      { add: extraAccounts(2, 11), remove: [], dryRun: true },
    ]);
    expect(env.emu.admin.requests().filter((r) => r.mutating)).toEqual([]);
    expect(env.progress.map((p) => [p.severity, p.message])).toEqual([
      ["warning", expect.stringMatching(/^stops sharing image m-demogoldenplain01 with account 2222222222222222: /)],
    ]);
  });

  it.each([
    [{ accountIds: ["123"] }, "accountIds[0]", 'must be a 16-digit account id (as a string), got "123"'],
    [
      { accountIds: [DEMO.workload.accountId, DEMO.workload.accountId] },
      "accountIds[1]",
      "repeats 2222222222222222 (already accountIds[0]); list each account once",
    ],
    [
      { accountIds: extraAccounts(51) },
      "accountIds",
      "lists 51 accounts; ECS shares an image with at most 50 (QuotaExceed.ShareImageUser)",
    ],
    [{ imageId: "ubuntu" }, "imageId", 'must be a custom image id like "m-bp1abc...", got "ubuntu"'],
    [{ exclusive: "yes" as unknown as boolean }, "exclusive", 'must be true or false, got "yes"'],
  ])("refuses bad input %j before asking ECS", async (over, property, reason) => {
    const result = await provider.check({}, shareInputs(over));
    expect(result.failures).toEqual([{ property, reason }]);
    expect(env.actions()).toEqual([]);
  });

  it("names the one unknown account of a batch, with ECS's code and RequestId", async () => {
    const accountIds = [...extraAccounts(4), "9999999999999999", DEMO.workload.accountId];
    const result = await provider.check({}, shareInputs({ accountIds }));
    expect(result.failures).toEqual([
      {
        property: "accountIds[4]",
        reason: expect.stringMatching(
          new RegExp(
            "^9999999999999999 is refused by ECS: ModifyImageSharePermission failed: account 9999999999999999 in " +
              `accountIds does not exist \\(InvalidAccount.NotFound, HTTP 404, ${REQUEST_ID}\\)\\. Fix: check accountIds`,
          ),
        ),
      },
    ]);
    expect(env.emu.admin.requests().filter((r) => r.mutating)).toEqual([]);
  });

  it("refuses the owner's own account and an image of another account", async () => {
    const own = await provider.check({}, shareInputs({ accountIds: [DEMO.owner.accountId] }));
    expect(own.failures).toEqual([
      {
        property: "accountIds[0]",
        reason:
          "1111111111111111 is the image owner's own account, which ECS does not share with (InvalidAccount.Forbbiden); remove it",
      },
    ]);
    const theirs = await provider.check({}, shareInputs({ imageId: DEMO.images.unapproved }));
    expect(theirs.failures).toEqual([
      { property: "imageId", reason: "image m-demothirdparty01 does not exist in cn-hangzhou" },
    ]);
  });

  it("refuses at preview what would pass 50 accounts with the ones shared outside Pulumi kept", async () => {
    // 49 accounts shared outside Pulumi, besides the workload's: the image is at ECS's 50.
    for (let from = 1; from <= 41; from += 10) {
      await modifyShares(env.sdk, { add: extraAccounts(Math.min(10, 50 - from), from) });
    }
    const result = await provider.check({}, shareInputs({ accountIds: extraAccounts(2, 51), exclusive: false }));
    expect(result.failures).toEqual([
      {
        property: "accountIds",
        reason: expect.stringMatching(
          /^would share image m-demogoldenplain01 with 52 accounts; ECS allows at most 50 per image \(QuotaExceed.ShareImageUser\)\. 50 of them are shared outside Pulumi and kept \(exclusive: false\): 2222222222222222, 4000000000000001, 4000000000000002, 4000000000000003, 4000000000000004 and 45 more; remove accounts from accountIds, unshare those, or set exclusive to true$/,
        ),
      },
    ]);
  });

  it("skips what is unknown at preview and asks ECS nothing", async () => {
    const result = await provider.check({}, shareInputs({ accountIds: [UNKNOWN, "12"] }));
    expect(result.failures).toEqual([
      { property: "accountIds[1]", reason: 'must be a 16-digit account id (as a string), got "12"' },
    ]);
    const unknownImage = await provider.check({}, shareInputs({ imageId: UNKNOWN }));
    expect(unknownImage.failures).toEqual([]);
    expect(env.actions()).toEqual([]);
  });
});

describe("ImageShare diff", () => {
  it("warns when an account is removed, saying that ECS reports the image in use", async () => {
    await runInstance(env.emu, { imageId: DEMO.images.plain });
    env.emu.admin.clearRequests();
    const olds = stored({ accountIds: [DEMO.workload.accountId, ...extraAccounts(1)] });
    const result = await provider.diff(DEMO.images.plain, olds, shareInputs({ accountIds: extraAccounts(1) }));
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(env.progress.map((p) => [p.severity, p.message])).toEqual([
      [
        "warning",
        "stops sharing image m-demogoldenplain01 with account 2222222222222222: instances it created from the image " +
          "keep running but can no longer re-initialize their system disks from it, and no new copy or instance can be " +
          "made from it there; ECS reports instances created from m-demogoldenplain01 (it does not say whose: ask that " +
          "account before going on)",
      ],
    ]);
    expect(env.emu.admin.requests().filter((r) => r.mutating)).toEqual([]);
  });

  it("reports no change and warns nothing when state matches, whatever the order of the accounts", async () => {
    const olds = stored({ accountIds: [DEMO.workload.accountId, ...extraAccounts(2)] });
    const news = shareInputs({ accountIds: [...extraAccounts(2)].reverse().concat(DEMO.workload.accountId) });
    expect(await provider.diff(DEMO.images.plain, olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(env.progress).toEqual([]);
    expect(env.actions()).toEqual([]);
  });

  it("says after a refresh that the image is no longer in use when no instance was made from it", async () => {
    const olds = stored({ unmanagedAccountIds: extraAccounts(1) });
    const result = await provider.diff(DEMO.images.plain, olds, shareInputs());
    expect(result.changes).toBe(true);
    expect(env.progress.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /with account 4000000000000001: .*; ECS reports no instance created from m-demogoldenplain01$/,
      ),
    ]);
    expect(await sharedWith(env.sdk)).toEqual([DEMO.workload.accountId]);
  });
});
