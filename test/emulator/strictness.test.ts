// Rules ECS enforces that the emulator must enforce too, so it is never more lenient than the cloud.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import {
  describeImage,
  describeInstance,
  EXTRA_IMAGES,
  ecsClient,
  expectEcsError,
  runInstance,
  runRequest,
  stoppedInstance,
  systemDiskOf,
  worldWithExtraImages,
} from "../support/emulator-sdk";

const region = DEMO.region;

/** Tag.N for the SDK. */
function tags(n: number, prefix = "k"): $Ecs.TagResourcesRequestTag[] {
  return Array.from({ length: n }, (_, i) => new $Ecs.TagResourcesRequestTag({ key: `${prefix}${i}`, value: `v${i}` }));
}

describe("emulator strictness: rules ECS enforces", () => {
  const emu = emulatorPerTest(() => ({ world: worldWithExtraImages() }));

  const workload = () => ecsClient(emu());
  const owner = () => ecsClient(emu(), DEMO.owner);
  const tagInstance = (instanceId: string, tag: $Ecs.TagResourcesRequestTag[]) =>
    workload().tagResources(
      new $Ecs.TagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [instanceId], tag }),
    );
  const tagCount = async (instanceId: string) =>
    (
      await workload().listTagResources(
        new $Ecs.ListTagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [instanceId] }),
      )
    ).body?.tagResources?.tagResource?.length;
  /** An own copy of the plain shared image, finished. */
  const ownImage = async (name = "own-image") => {
    const res = await workload().copyImage(
      new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain, destinationImageName: name }),
    );
    emu().admin.advanceClock(3_600_000);
    return res.body?.imageId as string;
  };

  describe("tags", () => {
    it("refuses tags that would take a resource past 20 (OperationDenied.QuotaExceed) and tags nothing", async () => {
      const id = await runInstance(emu(), { tag: tags(15, "a") });
      await expectEcsError(tagInstance(id, tags(6, "b")), "OperationDenied.QuotaExceed", 400);
      expect(await tagCount(id)).toBe(15);
      await tagInstance(id, [...tags(15, "a"), ...tags(5, "b")]);
      expect(await tagCount(id)).toBe(20);
    });

    it("refuses more than 20 tags in one request (NumberExceed.Tags)", async () => {
      const id = await runInstance(emu());
      await expectEcsError(tagInstance(id, tags(21)), "NumberExceed.Tags", 400);
      await expectEcsError(workload().runInstances(runRequest({ tag: tags(21) })), "NumberExceed.Tags", 400);
    });

    it("refuses a tag key given twice (Duplicate.TagKey)", async () => {
      const twice = [
        new $Ecs.TagResourcesRequestTag({ key: "team", value: "a" }),
        new $Ecs.TagResourcesRequestTag({ key: "team", value: "b" }),
      ];
      const id = await runInstance(emu());
      await expectEcsError(tagInstance(id, twice), "Duplicate.TagKey", 400);
      await expectEcsError(workload().runInstances(runRequest({ tag: twice })), "Duplicate.TagKey", 400);
    });

    it.each([
      ["a key starting with aliyun", "aliyun-team", "x", "InvalidTagKey.Malformed"],
      ["a key starting with acs:", "acs:team", "x", "InvalidTagKey.Malformed"],
      ["a key containing http://", "team-http://x", "x", "InvalidTagKey.Malformed"],
      ["a value starting with acs:", "team", "acs:web", "InvalidTagValue.Malformed"],
      ["a value containing https://", "team", "see https://example.com", "InvalidTagValue.Malformed"],
    ])("refuses %s in TagResources, RunInstances and CopyImage", async (_what, key, value, code) => {
      const tag = [new $Ecs.TagResourcesRequestTag({ key, value })];
      const id = await runInstance(emu());
      await expectEcsError(tagInstance(id, tag), code, 400);
      await expectEcsError(workload().runInstances(runRequest({ tag })), code, 400);
      await expectEcsError(
        workload().copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain, tag })),
        code,
        400,
      );
      expect(await tagCount(id)).toBe(0);
    });

    it("accepts an empty tag value and keys that merely contain aliyun", async () => {
      const id = await runInstance(emu());
      await tagInstance(id, [new $Ecs.TagResourcesRequestTag({ key: "team-aliyun", value: "" })]);
      expect(await tagCount(id)).toBe(1);
    });
  });

  describe("ClientToken", () => {
    it.each([
      [
        "CreateInstance",
        async (token: string, name: string) =>
          workload().createInstance(
            new $Ecs.CreateInstanceRequest({
              regionId: region,
              imageId: DEMO.images.plain,
              instanceType: "ecs.g7.large",
              vSwitchId: DEMO.workload.vSwitchId,
              securityGroupId: DEMO.workload.securityGroupId,
              instanceName: name,
              clientToken: token,
            }),
          ),
      ],
      [
        "ReplaceSystemDisk",
        async (token: string, name: string, ctx: { stopped: string }) =>
          workload().replaceSystemDisk(
            new $Ecs.ReplaceSystemDiskRequest({
              instanceId: ctx.stopped,
              imageId: name === "first" ? DEMO.images.plain : DEMO.images.paid,
              clientToken: token,
            }),
          ),
      ],
      [
        "DeleteInstances",
        async (token: string, name: string, ctx: { stopped: string }) =>
          workload().deleteInstances(
            new $Ecs.DeleteInstancesRequest({
              regionId: region,
              instanceId: [ctx.stopped],
              force: name !== "first",
              clientToken: token,
            }),
          ),
      ],
    ])(
      "reports IdempotentParameterMismatch for %s with a reused ClientToken and other parameters",
      async (_a, call) => {
        const ctx = { stopped: await stoppedInstance(emu()) };
        const first = await call("token-1", "first", ctx);
        const again = await call("token-1", "first", ctx);
        expect(again.body).toEqual({ ...first.body, requestId: again.body?.requestId });
        await expectEcsError(call("token-1", "second", ctx), "IdempotentParameterMismatch", 400);
      },
    );
  });

  describe("instance states", () => {
    it("refuses StartInstance while the instance is Stopping (IncorrectInstanceStatus)", async () => {
      const id = await runInstance(emu());
      emu().admin.advanceClock(60_000);
      await workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
      await expectEcsError(
        workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
        "IncorrectInstanceStatus",
        403,
      );
      expect((await describeInstance(emu(), id))?.status).toBe("Stopping");
    });

    it("refuses ReplaceSystemDisk (IncorrectDiskStatus) and StartInstance (InstanceNotReady) while the new disk is Creating", async () => {
      const id = await stoppedInstance(emu());
      const first = await workload().replaceSystemDisk(
        new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.paid }),
      );
      await expectEcsError(
        workload().replaceSystemDisk(new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain })),
        "IncorrectDiskStatus",
        403,
      );
      await expectEcsError(
        workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
        "InstanceNotReady",
        403,
      );
      expect(await systemDiskOf(emu(), id)).toMatchObject({ diskId: first.body?.diskId, status: "Creating" });
      emu().admin.advanceClock(10_000);
      await workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }));
    });

    it("refuses a password change while the instance is Starting, but not other attributes", async () => {
      const id = await runInstance(emu());
      emu().admin.advanceClock(5_000);
      expect((await describeInstance(emu(), id))?.status).toBe("Starting");
      await expectEcsError(
        workload().modifyInstanceAttribute(
          new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, password: "Pw9-while-starting" }),
        ),
        "IncorrectInstanceStatus",
        403,
      );
      expect(emu().admin.credentials(id).password).toBe("none");
      await workload().modifyInstanceAttribute(
        new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, instanceName: "renamed" }),
      );
    });

    it("refuses ModifyInstanceAttribute on an instance locked for security reasons", async () => {
      const id = await runInstance(emu());
      emu().admin.modifyInstance(id, { locks: ["security"] });
      await expectEcsError(
        workload().modifyInstanceAttribute(
          new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, instanceName: "renamed" }),
        ),
        "InstanceLockedForSecurity",
        403,
      );
      expect((await describeInstance(emu(), id))?.instanceName).not.toBe("renamed");
    });
  });

  describe("Windows images and key pairs", () => {
    it("refuses a key pair for an instance from a Windows image (DependencyViolation.WindowsInstance)", async () => {
      await expectEcsError(
        workload().runInstances(runRequest({ imageId: EXTRA_IMAGES.windows, keyPairName: DEMO.workload.keyPairName })),
        "DependencyViolation.WindowsInstance",
        403,
      );
      expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toEqual([]);
    });

    it("refuses ReplaceSystemDisk with a key pair onto a Windows image and changes nothing", async () => {
      const id = await stoppedInstance(emu(), { password: "Pw9-linux-first" });
      const before = await systemDiskOf(emu(), id);
      await expectEcsError(
        workload().replaceSystemDisk(
          new $Ecs.ReplaceSystemDiskRequest({
            instanceId: id,
            imageId: EXTRA_IMAGES.windows,
            keyPairName: DEMO.workload.keyPairName,
          }),
        ),
        "DependencyViolation.WindowsInstance",
        403,
      );
      expect(await systemDiskOf(emu(), id)).toMatchObject({ diskId: before?.diskId, imageId: DEMO.images.plain });
      expect(emu().admin.hasPassword(id, "Pw9-linux-first")).toBe(true);
    });

    it("reports DependencyViolation.WindowsInstance per instance from AttachKeyPair", async () => {
      const id = await runInstance(emu(), { imageId: EXTRA_IMAGES.windows, password: "Pw9-windows-1" });
      const res = await workload().attachKeyPair(
        new $Ecs.AttachKeyPairRequest({
          regionId: region,
          keyPairName: DEMO.workload.keyPairName,
          instanceIds: JSON.stringify([id]),
        }),
      );
      expect(res.body?.results?.result).toEqual([
        expect.objectContaining({ instanceId: id, success: "false", code: "DependencyViolation.WindowsInstance" }),
      ]);
    });
  });

  describe("images", () => {
    it("reports InvalidImageId.NotFound for ModifyImageAttribute on an image that is not yours", async () => {
      await expectEcsError(
        workload().modifyImageAttribute(
          new $Ecs.ModifyImageAttributeRequest({ regionId: region, imageId: DEMO.images.plain, imageName: "mine-now" }),
        ),
        "InvalidImageId.NotFound",
        404,
      );
      expect((await describeImage(emu(), DEMO.images.plain))?.imageName).toBe("golden-base-2024-10");
    });

    it("reports ImageCreatedNotFromCopy (400) when cancelling an image that is not a copy", async () => {
      await expectEcsError(
        owner().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: region, imageId: DEMO.images.plain })),
        "ImageCreatedNotFromCopy",
        400,
      );
    });

    it("refuses to deprecate a shared image until it is unshared (ImageUseShared)", async () => {
      const deprecate = () =>
        owner().modifyImageAttribute(
          new $Ecs.ModifyImageAttributeRequest({ regionId: region, imageId: DEMO.images.plain, status: "Deprecated" }),
        );
      await expectEcsError(deprecate(), "ImageUseShared", 403);
      await owner().modifyImageSharePermission(
        new $Ecs.ModifyImageSharePermissionRequest({
          regionId: region,
          imageId: DEMO.images.plain,
          removeAccount: [DEMO.workload.accountId],
        }),
      );
      await deprecate();
      expect((await describeImage(emu(), DEMO.images.plain, owner()))?.status).toBe("Deprecated");
    });

    it("refuses to share a deprecated image (IncorrectImageStatus), but lets the owner unshare it", async () => {
      const share = (req: Partial<$Ecs.ModifyImageSharePermissionRequest>) =>
        owner().modifyImageSharePermission(
          new $Ecs.ModifyImageSharePermissionRequest({ regionId: region, imageId: "m-demogoldenold01", ...req }),
        );
      await expectEcsError(share({ addAccount: [DEMO.thirdParty.accountId] }), "IncorrectImageStatus", 400);
      await share({ removeAccount: [DEMO.workload.accountId] });
    });

    it("creates instances and replaces system disks from a deprecated image of your own, but does not copy it", async () => {
      const imageId = await ownImage();
      await workload().modifyImageAttribute(
        new $Ecs.ModifyImageAttributeRequest({ regionId: region, imageId, status: "Deprecated" }),
      );
      const id = await runInstance(emu(), { imageId });
      const stopped = await stoppedInstance(emu());
      await workload().replaceSystemDisk(new $Ecs.ReplaceSystemDiskRequest({ instanceId: stopped, imageId }));
      expect((await describeInstance(emu(), id))?.imageId).toBe(imageId);
      await expectEcsError(
        workload().copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId })),
        "IncorrectImageStatus",
        400,
      );
    });
  });

  describe("DryRun", () => {
    it.each([
      ["StartInstance", (ids: Ids) => new $Ecs.StartInstanceRequest({ ...ids.stopped, dryRun: true }), "startInstance"],
      ["StopInstance", (ids: Ids) => new $Ecs.StopInstanceRequest({ ...ids.running, dryRun: true }), "stopInstance"],
      [
        "DeleteInstance",
        (ids: Ids) => new $Ecs.DeleteInstanceRequest({ ...ids.stopped, dryRun: true }),
        "deleteInstance",
      ],
      [
        "DeleteImage",
        (ids: Ids) => new $Ecs.DeleteImageRequest({ regionId: region, imageId: ids.image, dryRun: true }),
        "deleteImage",
      ],
      [
        "ModifyImageAttribute",
        (ids: Ids) =>
          new $Ecs.ModifyImageAttributeRequest({
            regionId: region,
            imageId: ids.image,
            status: "Deprecated",
            dryRun: true,
          }),
        "modifyImageAttribute",
      ],
      [
        "CopyImage",
        (ids: Ids) => new $Ecs.CopyImageRequest({ regionId: region, imageId: ids.image, dryRun: true }),
        "copyImage",
      ],
    ] as const)(
      "answers %s with DryRun=true by DryRunOperation and changes nothing",
      async (action, request, method) => {
        const ids = {
          running: { instanceId: await runInstance(emu()) },
          stopped: { instanceId: await stoppedInstance(emu()) },
          image: await ownImage(),
        };
        const before = JSON.stringify(emu().admin.inventory(DEMO.workload.accountId));
        const client = workload() as unknown as Record<string, (req: unknown) => Promise<unknown>>;
        await expectEcsError(client[method](request(ids)), "DryRunOperation", 400);
        expect(JSON.stringify(emu().admin.inventory(DEMO.workload.accountId))).toBe(before);
        expect(emu().admin.requests({ action }).at(-1)).toMatchObject({ code: "DryRunOperation", mutating: false });
      },
    );

    it("still validates a DryRun: a Running instance cannot be started, even as a dry run", async () => {
      const id = await runInstance(emu());
      emu().admin.advanceClock(60_000);
      await expectEcsError(
        workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id, dryRun: true })),
        "IncorrectInstanceStatus",
        403,
      );
    });
  });
});

interface Ids {
  running: { instanceId: string };
  stopped: { instanceId: string };
  image: string;
}
