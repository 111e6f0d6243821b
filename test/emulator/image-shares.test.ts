// The emulator's image sharing as the owner sees it, through the real ECS client: DescribeImageSharePermission pages
// like ECS (PageNumber/PageSize, default 10, at most 100, TotalCount), ModifyImageSharePermission takes at most 10
// accounts each way per call, 50 per image, and refuses unknown accounts and the owner's own; DescribeImages
// Usage=instance tells the owner its image is in use.
import * as $Ecs from "@alicloud/ecs20140526";
import fc from "fast-check";
import type { RunningEmulator } from "../../emulator";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { expectEcsError, runInstance } from "../support/emulator-sdk";
import { extraAccount, extraAccounts, modifyShares, ownerSdk, shareWorld } from "../support/image-share";

const region = DEMO.region;
const imageId = DEMO.images.plain;

describe("emulator image sharing", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startDemoEmulator({ world: shareWorld() });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.admin.loadWorld(shareWorld());
    emu.admin.setThrottle({ enabled: false });
  });

  const owner = () => ownerSdk(emu);
  const page = (pageNumber?: number, pageSize?: number) =>
    owner().describeImageSharePermission(
      new $Ecs.DescribeImageSharePermissionRequest({ regionId: region, imageId, pageNumber, pageSize }),
    );

  it("pages the share list like ECS: 10 a page by default, TotalCount of all, every account on exactly one page", async () => {
    await modifyShares(owner(), { add: extraAccounts(10) });
    await modifyShares(owner(), { add: extraAccounts(10, 11) });
    // 21 accounts: the workload's and 20 more.
    const first = await page();
    expect(first.body).toEqual(expect.objectContaining({ totalCount: 21, pageNumber: 1, pageSize: 10 }));
    expect(first.body?.accounts?.account).toHaveLength(10);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100 }), async (pageSize) => {
        const seen: string[] = [];
        for (let n = 1; n <= Math.ceil(21 / pageSize) + 1; n++) {
          const body = (await page(n, pageSize)).body;
          expect(body?.totalCount).toBe(21);
          seen.push(...(body?.accounts?.account ?? []).map((a) => a.aliyunId ?? ""));
        }
        expect(seen.sort()).toEqual([DEMO.workload.accountId, ...extraAccounts(20)].sort());
      }),
      { numRuns: 15 },
    );
  });

  it("refuses a page size above 100", async () => {
    await expectEcsError(page(1, 101), "InvalidParameter", 400);
  });

  it("refuses an 11th account in one call, each way (ECS would silently drop it), and changes nothing", async () => {
    await expectEcsError(modifyShares(owner(), { add: extraAccounts(11) }), "InvalidParameter", 400);
    await expectEcsError(modifyShares(owner(), { remove: extraAccounts(11) }), "InvalidParameter", 400);
    expect((await page()).body?.totalCount).toBe(1);
  });

  it("refuses a 51st account with QuotaExceed.ShareImageUser, counting the accounts already shared", async () => {
    for (let from = 1; from < 49; from += 10) {
      await modifyShares(owner(), { add: extraAccounts(Math.min(10, 50 - from), from) });
    }
    expect((await page()).body?.totalCount).toBe(50);
    await expectEcsError(modifyShares(owner(), { add: [extraAccount(51)] }), "QuotaExceed.ShareImageUser", 403);
    // Swapping one account in one call stays within the quota.
    await modifyShares(owner(), { add: [extraAccount(51)], remove: [DEMO.workload.accountId] });
    expect((await page()).body?.totalCount).toBe(50);
  });

  it("refuses an unknown account (InvalidAccount.NotFound) and the owner's own (InvalidAccount.Forbbiden)", async () => {
    await expectEcsError(modifyShares(owner(), { add: ["9999999999999999"] }), "InvalidAccount.NotFound", 404);
    await expectEcsError(modifyShares(owner(), { add: [DEMO.owner.accountId] }), "InvalidAccount.Forbbiden", 403);
  });

  it("validates a DryRun in full and changes nothing", async () => {
    const dryRun = (add: string[]) =>
      owner().modifyImageSharePermission(
        new $Ecs.ModifyImageSharePermissionRequest({ regionId: region, imageId, addAccount: add, dryRun: true }),
      );
    await expectEcsError(dryRun(extraAccounts(3)), "DryRunOperation", 400);
    await expectEcsError(dryRun(["9999999999999999"]), "InvalidAccount.NotFound", 404);
    expect((await page()).body?.totalCount).toBe(1);
  });

  it("tells the owner its image is in use once any account created an instance from it (Usage=instance)", async () => {
    const inUse = async () =>
      (
        await owner().describeImages(
          new $Ecs.DescribeImagesRequest({ regionId: region, imageId, imageOwnerAlias: "self", usage: "instance" }),
        )
      ).body?.images?.image?.map((i) => i.imageId) ?? [];
    expect(await inUse()).toEqual([]);
    await runInstance(emu, { imageId });
    expect(await inUse()).toEqual([imageId]);
  });
});
