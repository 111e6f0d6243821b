// The emulator's images: describe filters, shares, copies and their progress, deletes, through the real ECS client.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import { ecsClient, expectEcsError, expectRequestId } from "../support/emulator-sdk";
import { expectEach } from "../support/expect";

const region = DEMO.region;

describe("emulator images", () => {
  const emu = emulatorPerTest();

  const workload = () => ecsClient(emu());
  const owner = () => ecsClient(emu(), DEMO.owner);
  const describe_ = (req: Partial<$Ecs.DescribeImagesRequest>, client = workload()) =>
    client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: region, ...req }));
  const copy = (req: Partial<$Ecs.CopyImageRequest>, client = workload()) =>
    client.copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain, ...req }));

  it("lists images shared with the account with owner id, product code and disk mappings", async () => {
    const res = await describe_({
      imageOwnerAlias: "others",
      imageOwnerId: Number(DEMO.owner.accountId),
      pageSize: 100,
    });
    expectRequestId(res.body ?? {});
    const images = res.body?.images?.image ?? [];
    expect(images.map((i) => i.imageId).sort()).toEqual(
      [DEMO.images.encrypted, DEMO.images.paid, DEMO.images.plain].sort(),
    );
    const paid = images.find((i) => i.imageId === DEMO.images.paid);
    expect(paid).toEqual(
      expect.objectContaining({
        imageOwnerAlias: "others",
        imageOwnerId: Number(DEMO.owner.accountId),
        productCode: "cmjj028279",
      }),
    );
    const enc = images.find((i) => i.imageId === DEMO.images.encrypted);
    expect(enc?.diskDeviceMappings?.diskDeviceMapping?.map((m) => [m.type, m.encrypted])).toEqual([
      ["system", true],
      ["data", true],
    ]);
  });

  it("returns only Available images unless Status says otherwise", async () => {
    const byDefault = await describe_({ imageOwnerAlias: "others", pageSize: 100 });
    expect(byDefault.body?.images?.image?.some((i) => i.status === "Deprecated")).toBe(false);
    const all = await describe_({ imageOwnerAlias: "others", status: "Available,Deprecated", pageSize: 100 });
    expect(all.body?.images?.image?.filter((i) => i.status === "Deprecated").map((i) => i.imageId)).toEqual([
      "m-demogoldenold01",
    ]);
  });

  it("returns an empty array (not a missing list) when nothing matches", async () => {
    const res = await describe_({ imageId: "m-doesnotexist" });
    expect(res.body?.totalCount).toBe(0);
    expect(res.body?.images?.image).toEqual([]);
  });

  it("paginates with PageNumber and PageSize", async () => {
    const p1 = await describe_({ imageOwnerAlias: "others", pageSize: 2, pageNumber: 1 });
    const p2 = await describe_({ imageOwnerAlias: "others", pageSize: 2, pageNumber: 2 });
    expect(p1.body?.totalCount).toBe(4);
    expect(p1.body?.images?.image).toHaveLength(2);
    expect(p2.body?.images?.image).toHaveLength(2);
    expect(p1.body?.images?.image?.[0].imageId).not.toEqual(p2.body?.images?.image?.[0].imageId);
  });

  it("copies a shared image, progressing from 0% to 100% as emulated time passes", async () => {
    const res = await copy({ destinationImageName: "my-golden-copy" });
    const imageId = res.body?.imageId as string;
    expect(imageId).toMatch(/^m-/);
    const status = async () =>
      (await describe_({ imageId, status: "Creating,Waiting,Available" })).body?.images
        ?.image?.[0] as $Ecs.DescribeImagesResponseBodyImagesImage;
    expect(await status()).toEqual(
      expect.objectContaining({ status: "Creating", progress: "0%", isCopied: true, imageOwnerAlias: "self" }),
    );
    // 40 GiB at 10 GiB per emulated minute: 4 minutes.
    emu().admin.advanceClock(120_000);
    expect((await status()).progress).toBe("50%");
    emu().admin.advanceClock(120_000);
    expect(await status()).toEqual(expect.objectContaining({ status: "Available", progress: "100%" }));
  });

  it("denies copying a shared image to another region (OperationDenied.SameRegionOnly)", async () => {
    await expectEcsError(copy({ destinationRegionId: DEMO.otherRegion }), "OperationDenied.SameRegionOnly", 403);
  });

  it("copies an own image to another region", async () => {
    const first = await copy({});
    emu().admin.advanceClock(3_600_000);
    const second = await copy({ imageId: first.body?.imageId, destinationRegionId: DEMO.otherRegion });
    const inv = emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    expect(inv.images.find((i) => i.imageId === second.body?.imageId)?.regionId).toBe(DEMO.otherRegion);
  });

  it("keeps an encrypted shared image encrypted in the copy, with the caller's CMK", async () => {
    const res = await copy({ imageId: DEMO.images.encrypted, encrypted: true, KMSKeyId: DEMO.workload.kmsKeyId });
    const img = emu()
      .admin.inventory(DEMO.workload.accountId)
      [DEMO.workload.accountId].images.find((i) => i.imageId === res.body?.imageId);
    expectEach(img?.diskMappings, { encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
  });

  it("refuses an unencrypted copy of an encrypted shared image", async () => {
    await expectEcsError(
      copy({ imageId: DEMO.images.encrypted, encrypted: false }),
      "OperationDeined.EncryptedSnapshot",
      403,
    );
  });

  it("reports InvalidParameter.EncryptedIllegal for KMSKeyId without Encrypted=true", async () => {
    await expectEcsError(copy({ KMSKeyId: DEMO.workload.kmsKeyId }), "InvalidParameter.EncryptedIllegal", 400);
  });

  it("reports InvalidParameter.KMSKeyId.NotFound for a key the caller does not have", async () => {
    await expectEcsError(
      copy({ encrypted: true, KMSKeyId: DEMO.ownerKmsKeyId }),
      "InvalidParameter.KMSKeyId.NotFound",
      404,
    );
  });

  it("reports InvalidImageId.NotFound for an image that was never shared", async () => {
    await expectEcsError(copy({ imageId: "m-demogoldenmissing" }), "InvalidImageId.NotFound", 404);
  });

  it("runs at most 5 copies per region at a time; further copies wait", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await copy({ destinationImageName: `copy-${i}` })).body?.imageId as string);
    const statuses = async () => {
      const res = await describe_({ imageOwnerAlias: "self", status: "Creating,Waiting,Available", pageSize: 100 });
      return ids.map((id) => res.body?.images?.image?.find((i) => i.imageId === id)?.status);
    };
    expect(await statuses()).toEqual(["Creating", "Creating", "Creating", "Creating", "Creating", "Waiting"]);
    emu().admin.advanceClock(240_000);
    expect(await statuses()).toEqual(["Available", "Available", "Available", "Available", "Available", "Creating"]);
  });

  it("cancels a running copy and deletes it", async () => {
    const imageId = (await copy({})).body?.imageId as string;
    const res = await workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: region, imageId }));
    expectRequestId(res.body ?? {});
    expect((await describe_({ imageId, status: "Creating,Waiting,Available" })).body?.images?.image).toEqual([]);
  });

  it("reports IncorrectImageStatus (400) when cancelling a finished copy", async () => {
    const imageId = (await copy({})).body?.imageId as string;
    emu().admin.advanceClock(3_600_000);
    await expectEcsError(
      workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: region, imageId })),
      "IncorrectImageStatus",
      400,
    );
  });

  it("reports OperationDenied.ImageCopying when deleting a copy in progress", async () => {
    const imageId = (await copy({})).body?.imageId as string;
    await expectEcsError(
      workload().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId })),
      "OperationDenied.ImageCopying",
      403,
    );
  });

  it("reports ImageUseShared when the owner deletes a shared image without Force", async () => {
    const call = owner().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId: DEMO.images.plain }));
    await expectEcsError(call, "ImageUseShared", 403);
  });

  it("deletes a shared image with Force", async () => {
    await owner().deleteImage(
      new $Ecs.DeleteImageRequest({ regionId: region, imageId: DEMO.images.plain, force: true }),
    );
    await expectEcsError(copy({}), "InvalidImageId.NotFound", 404);
  });

  it("reports ImageUsingByInstance when deleting an image instances use, unless forced", async () => {
    const imageId = (await copy({})).body?.imageId as string;
    emu().admin.advanceClock(3_600_000);
    await workload().runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: region,
        imageId,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
      }),
    );
    await expectEcsError(
      workload().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId })),
      "ImageUsingByInstance",
      403,
    );
    await workload().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId, force: true }));
  });

  it("reports InvalidImageId.NotFound when a workload tries to delete the owner's image", async () => {
    await expectEcsError(
      workload().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId: DEMO.images.plain })),
      "InvalidImageId.NotFound",
      404,
    );
  });

  it("shares and unshares an image and describes the share list", async () => {
    const imageId = DEMO.images.plain;
    await owner().modifyImageSharePermission(
      new $Ecs.ModifyImageSharePermissionRequest({
        regionId: region,
        imageId,
        addAccount: [DEMO.thirdParty.accountId],
      }),
    );
    const perms = await owner().describeImageSharePermission(
      new $Ecs.DescribeImageSharePermissionRequest({ regionId: region, imageId }),
    );
    expect(perms.body?.accounts?.account?.map((a) => a.aliyunId).sort()).toEqual([
      DEMO.workload.accountId,
      DEMO.thirdParty.accountId,
    ]);
    expect(perms.body?.shareGroups?.shareGroup).toEqual([]);
    await owner().modifyImageSharePermission(
      new $Ecs.ModifyImageSharePermissionRequest({
        regionId: region,
        imageId,
        removeAccount: [DEMO.workload.accountId],
      }),
    );
    await expectEcsError(copy({}), "InvalidImageId.NotFound", 404);
  });

  it("reports InvalidAccount.NotFound when sharing with an unknown account", async () => {
    const call = owner().modifyImageSharePermission(
      new $Ecs.ModifyImageSharePermissionRequest({
        regionId: region,
        imageId: DEMO.images.plain,
        addAccount: ["9999999999999999"],
      }),
    );
    await expectEcsError(call, "InvalidAccount.NotFound", 404);
  });

  it("rejects more than 10 accounts in one share call, naming the parameter", async () => {
    const accounts = Array.from({ length: 11 }, (_, i) => String(4000000000000000 + i));
    const call = owner().modifyImageSharePermission(
      new $Ecs.ModifyImageSharePermissionRequest({
        regionId: region,
        imageId: DEMO.images.plain,
        addAccount: accounts,
      }),
    );
    const err = await expectEcsError(call, "InvalidParameter", 400);
    expect(err.message).toContain("AddAccount.11");
  });

  it("renames and deprecates an own image", async () => {
    const imageId = (await copy({})).body?.imageId as string;
    emu().admin.advanceClock(3_600_000);
    await workload().modifyImageAttribute(
      new $Ecs.ModifyImageAttributeRequest({ regionId: region, imageId, imageName: "renamed", status: "Deprecated" }),
    );
    const res = await describe_({ imageId, status: "Deprecated" });
    expect(res.body?.images?.image?.[0]).toEqual(
      expect.objectContaining({ imageName: "renamed", status: "Deprecated" }),
    );
  });

  it("makes shared images unusable while the owner is in arrears", async () => {
    emu().admin.setArrears(DEMO.owner.accountId);
    await expectEcsError(copy({}), "OperationDenied.ImageNotValid", 403);
  });

  it("makes an encrypted shared image unusable when the owner's KMS key is disabled", async () => {
    emu().admin.disableKmsKey(DEMO.ownerKmsKeyId);
    await expectEcsError(
      copy({ imageId: DEMO.images.encrypted, encrypted: true }),
      "OperationDenied.ImageNotValid",
      403,
    );
  });

  it("answers DryRun with DryRunOperation and creates nothing", async () => {
    await expectEcsError(copy({ dryRun: true }), "DryRunOperation", 400);
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images).toEqual([]);
  });

  it("returns the same copy for a repeated ClientToken and rejects it with other parameters", async () => {
    const a = await copy({ clientToken: "copy-1" });
    const b = await copy({ clientToken: "copy-1" });
    expect(b.body?.imageId).toBe(a.body?.imageId);
    expect(b.body?.requestId).not.toBe(a.body?.requestId);
    await expectEcsError(
      copy({ clientToken: "copy-1", destinationImageName: "other" }),
      "IdempotentParameterMismatch",
      400,
    );
  });
});
