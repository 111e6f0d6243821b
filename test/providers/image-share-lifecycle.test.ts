// ImageShare's create, read (refresh), update and delete against the in-process emulator through the real SDK:
// calls of at most 10 accounts, every page read, drift seen and restored, partial state when a later call fails,
// ECS's refusals named after the input, and a delete that removes exactly the accounts the resource manages.
import { EcsApi } from "../../providers/ecs/api";
import { provider } from "../../providers/image-share";
import type { ImageShareOutputs } from "../../providers/share/args";
import { DEMO, emulatorStackConfig } from "../support/emulator";
import {
  created,
  extraAccounts,
  modifyShares,
  sharedWith,
  shareInputs,
  useShareEmulator,
} from "../support/image-share";

const env = useShareEmulator();
const workload = DEMO.workload.accountId;
const sorted = (ids: string[]) => [...ids].sort();

describe("ImageShare create", () => {
  it("shares with 25 accounts in three calls of at most 10, adopting the share that already existed", async () => {
    const accountIds = [workload, ...extraAccounts(25)];
    const { id, outs } = await created(shareInputs({ accountIds }));
    expect(id).toBe(DEMO.images.plain);
    expect(env.modifyCalls()).toEqual([
      { add: extraAccounts(10), remove: [], dryRun: false },
      { add: extraAccounts(10, 11), remove: [], dryRun: false },
      { add: extraAccounts(5, 21), remove: [], dryRun: false },
    ]);
    expect(outs).toEqual({
      ...shareInputs({ accountIds: sorted(accountIds) }),
      missingAccountIds: [],
      unmanagedAccountIds: [],
      adoptedAccountIds: [workload],
      ownerAccountId: DEMO.owner.accountId,
      imageName: "golden-base-2024-10",
    });
    expect(await sharedWith(env.sdk)).toEqual(sorted(accountIds));
  });

  it("makes no change call when every account is already shared", async () => {
    await created(shareInputs());
    expect(env.modifyCalls()).toEqual([]);
  });

  it("keeps what earlier calls shared in state when a later call fails, with ECS's words naming accountIds", async () => {
    // Unknown accounts are refused at preview; here the account is deleted between preview and up.
    const accountIds = [...extraAccounts(10), "9999999999999999"];
    const err = await provider.create(shareInputs({ accountIds, exclusive: false })).then(
      () => undefined,
      (e: unknown) => e as Error & { id?: string; properties?: ImageShareOutputs },
    );
    expect(err?.message).toMatch(
      /^ModifyImageSharePermission failed: account 9999999999999999 in accountIds does not exist \(InvalidAccount.NotFound, HTTP 404, RequestId [0-9A-F-]{36}\)\. Fix: check accountIds/,
    );
    expect(err?.id).toBe(DEMO.images.plain);
    expect(err?.properties).toEqual(
      expect.objectContaining({
        accountIds: extraAccounts(10),
        missingAccountIds: ["9999999999999999"],
        unmanagedAccountIds: [workload],
      }),
    );
    // The next up, with the unknown account taken out, continues from what ECS lists: nothing is sent twice.
    const fixed = shareInputs({ accountIds: extraAccounts(10), exclusive: false });
    const partial = err?.properties as ImageShareOutputs;
    expect((await provider.diff(DEMO.images.plain, partial, fixed)).changes).toBe(true);
    env.emu.admin.clearRequests();
    const { outs } = (await provider.update(DEMO.images.plain, partial, fixed)) as { outs: ImageShareOutputs };
    expect(env.modifyCalls()).toEqual([]);
    expect(outs).toEqual(expect.objectContaining({ accountIds: extraAccounts(10), missingAccountIds: [] }));
    expect(await sharedWith(env.sdk)).toEqual(sorted([workload, ...extraAccounts(10)]));
  });

  it("fails with nothing made, and says so in ECS's terms, when the first call is over the quota", async () => {
    for (let from = 1; from <= 41; from += 10) {
      await modifyShares(env.sdk, { add: extraAccounts(Math.min(10, 50 - from), from) });
    }
    const err = await provider.create(shareInputs({ accountIds: extraAccounts(1, 51), exclusive: false })).then(
      () => undefined,
      (e: unknown) => e as Error & { id?: string },
    );
    expect(err?.message).toMatch(
      /^ModifyImageSharePermission failed: the image m-demogoldenplain01 would be shared with more than 50 accounts, the most ECS allows per image \(QuotaExceed.ShareImageUser, HTTP 403, RequestId [0-9A-F-]{36}\)\. Fix: shorten accountIds/,
    );
    expect(err?.id).toBeUndefined();
  });
});

describe("ImageShare read (refresh) and update", () => {
  it("reads every page of the share list", async () => {
    await modifyShares(env.sdk, { add: extraAccounts(10) });
    await modifyShares(env.sdk, { add: extraAccounts(10, 11) });
    env.emu.admin.clearRequests();
    const api = EcsApi.forRegion(DEMO.region, "read");
    expect(sorted(await api.sharedAccounts(DEMO.images.plain, 10))).toEqual(sorted([workload, ...extraAccounts(20)]));
    expect(env.actions()).toEqual(Array(3).fill("DescribeImageSharePermission"));
  });

  it("sees an account unshared and one shared outside Pulumi, and up restores the list", async () => {
    const { outs } = await created(shareInputs({ accountIds: [workload, ...extraAccounts(12)] }));
    await modifyShares(env.sdk, { remove: [extraAccounts(1, 12)[0]], add: extraAccounts(1, 40) });
    const read = await provider.read(DEMO.images.plain, outs);
    const refreshed = read.props as ImageShareOutputs;
    expect(refreshed.accountIds).toEqual(sorted([workload, ...extraAccounts(11)]));
    expect(refreshed.missingAccountIds).toEqual(extraAccounts(1, 12));
    expect(refreshed.unmanagedAccountIds).toEqual(extraAccounts(1, 40));
    const news = shareInputs({ accountIds: [workload, ...extraAccounts(12)] });
    expect((await provider.diff(DEMO.images.plain, refreshed, news)).changes).toBe(true);
    env.emu.admin.clearRequests();
    const { outs: after } = (await provider.update(DEMO.images.plain, refreshed, news)) as { outs: ImageShareOutputs };
    expect(env.modifyCalls()).toEqual([{ add: extraAccounts(1, 12), remove: extraAccounts(1, 40), dryRun: false }]);
    expect(after.missingAccountIds).toEqual([]);
    expect(after.unmanagedAccountIds).toEqual([]);
    expect(await sharedWith(env.sdk)).toEqual(sorted([workload, ...extraAccounts(12)]));
    expect((await provider.diff(DEMO.images.plain, after, news)).changes).toBe(false);
  });

  it("leaves accounts shared outside Pulumi alone with exclusive: false", async () => {
    const news = shareInputs({ accountIds: [workload], exclusive: false });
    const { outs } = await created(news);
    await modifyShares(env.sdk, { add: extraAccounts(2) });
    const refreshed = (await provider.read(DEMO.images.plain, outs)).props as ImageShareOutputs;
    expect(refreshed.unmanagedAccountIds).toEqual(extraAccounts(2));
    expect((await provider.diff(DEMO.images.plain, refreshed, news)).changes).toBe(false);
  });

  it("refuses to read with another account's credentials instead of dropping the share from state", async () => {
    const { outs } = await created(shareInputs());
    await provider.configure({ config: emulatorStackConfig(env.emu) });
    await expect(provider.read(DEMO.images.plain, outs)).rejects.toThrow(
      `Image ${DEMO.images.plain} in ${DEMO.region} belongs to account ${DEMO.owner.accountId}, not to the account of the stack's credentials`,
    );
  });

  it("reports the share gone once its image is deleted", async () => {
    const { outs } = await created(shareInputs());
    env.emu.admin.deleteImage(DEMO.images.plain);
    expect(await provider.read(DEMO.images.plain, outs)).toEqual({ id: "", props: {} });
  });

  it("removes accounts taken off the list, 10 a call", async () => {
    const { outs } = await created(shareInputs({ accountIds: [workload, ...extraAccounts(22)] }));
    env.emu.admin.clearRequests();
    await provider.update(DEMO.images.plain, outs, shareInputs({ accountIds: [workload] }));
    expect(env.modifyCalls()).toEqual([
      { add: [], remove: extraAccounts(10), dryRun: false },
      { add: [], remove: extraAccounts(10, 11), dryRun: false },
      { add: [], remove: extraAccounts(2, 21), dryRun: false },
    ]);
    expect(await sharedWith(env.sdk)).toEqual([workload]);
  });
});

describe("ImageShare delete", () => {
  it("removes exactly the accounts it manages: a share made outside Pulumi stays", async () => {
    const { outs } = await created(shareInputs({ accountIds: [workload, ...extraAccounts(3)] }));
    await modifyShares(env.sdk, { add: extraAccounts(1, 30) });
    await provider.delete(DEMO.images.plain, outs);
    expect(await sharedWith(env.sdk)).toEqual(extraAccounts(1, 30));
  });

  it("is done when the image is gone", async () => {
    const { outs } = await created(shareInputs());
    env.emu.admin.deleteImage(DEMO.images.plain);
    env.emu.admin.clearRequests();
    await provider.delete(DEMO.images.plain, outs);
    expect(env.modifyCalls()).toEqual([]);
  });
});
