// The emulator's instances and disks as they are made: RunInstances and CreateInstance, tags, ClientToken, DryRun,
// RAM, encryption from shared images, and what the world allows.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import { ecsClient, expectEcsError, instanceCalls, runRequest } from "../support/emulator-sdk";
import { expectEach } from "../support/expect";

const region = DEMO.region;

describe("emulator instances and disks", () => {
  const emu = emulatorPerTest();

  const { workload, run, describeOne } = instanceCalls(emu);

  it("runs instances that go Pending -> Starting -> Running in emulated time", async () => {
    const [id] = await run();
    expect((await describeOne(id)).status).toBe("Pending");
    emu().admin.advanceClock(5_000);
    expect((await describeOne(id)).status).toBe("Starting");
    emu().admin.advanceClock(10_000);
    const inst = await describeOne(id);
    expect(inst).toEqual(
      expect.objectContaining({
        status: "Running",
        imageId: DEMO.images.plain,
        zoneId: "cn-hangzhou-h",
        regionId: region,
      }),
    );
    expect(inst.operationLocks?.lockReason).toEqual([]);
    expect(inst.securityGroupIds?.securityGroupId).toEqual([DEMO.workload.securityGroupId]);
  });

  it("puts RunInstances' tags on the instance and on every disk it makes, which DescribeDisks finds by tag", async () => {
    const tag = [new $Ecs.RunInstancesRequestTag({ key: "team", value: "web" })];
    const [id] = await run({ tag, dataDisk: [new $Ecs.RunInstancesRequestDataDisk({ size: 40 })] });
    await run();
    const tagged = await workload().describeDisks(
      new $Ecs.DescribeDisksRequest({ regionId: region, tag: [new $Ecs.DescribeDisksRequestTag({ key: "team" })] }),
    );
    const disks = tagged.body?.disks?.disk ?? [];
    expect(disks.map((d) => [d.instanceId, d.type]).sort()).toEqual([
      [id, "data"],
      [id, "system"],
    ]);
    for (const d of disks) expect(d.tags?.tag).toEqual([expect.objectContaining({ tagKey: "team", tagValue: "web" })]);
  });

  it("creates Amount instances with unique suffixes", async () => {
    const ids = await run({ amount: 3, instanceName: "web", uniqueSuffix: true });
    expect(ids).toHaveLength(3);
    const res = await workload().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: region, instanceName: "web*" }),
    );
    expect(res.body?.instances?.instance?.map((i) => i.instanceName).sort()).toEqual(["web001", "web002", "web003"]);
  });

  it("rejects Amount above 100, naming the parameter", async () => {
    const err = await expectEcsError(workload().runInstances(runRequest({ amount: 101 })), "InvalidParameter", 400);
    expect(err.message).toContain('"Amount"');
  });

  it("returns the same instances for a repeated ClientToken", async () => {
    const a = await run({ clientToken: "fleet-a-1", amount: 2 });
    const b = await run({ clientToken: "fleet-a-1", amount: 2 });
    expect(b).toEqual(a);
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toHaveLength(2);
  });

  it("reports IdempotentParameterMismatch for a ClientToken reused with other parameters", async () => {
    await run({ clientToken: "fleet-a-2" });
    await expectEcsError(
      workload().runInstances(runRequest({ clientToken: "fleet-a-2", amount: 2 })),
      "IdempotentParameterMismatch",
      400,
    );
  });

  it("answers DryRun with DryRunOperation and creates nothing", async () => {
    await expectEcsError(workload().runInstances(runRequest({ dryRun: true })), "DryRunOperation", 400);
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toEqual([]);
    // Previews may dry-run RunInstances; the log must not count that as a change.
    expect(emu().admin.requests({ action: "RunInstances" }).at(-1)).toMatchObject({ mutating: false });
  });

  it("still validates a DryRun request", async () => {
    await expectEcsError(
      workload().runInstances(runRequest({ dryRun: true, vSwitchId: "vsw-nope" })),
      "InvalidVSwitchId.NotFound",
      404,
    );
  });

  it("denies a restricted RAM user an image of an unapproved owner (Forbidden.RAM)", async () => {
    const deployer = ecsClient(emu(), DEMO.deployer);
    await expectEcsError(deployer.runInstances(runRequest({ imageId: DEMO.images.unapproved })), "Forbidden.RAM", 403);
  });

  it("lets the restricted RAM user run the approved owner's images", async () => {
    const ids = await run({}, ecsClient(emu(), DEMO.deployer));
    expect(ids).toHaveLength(1);
  });

  it("denies the restricted RAM user CreateInstance from a public image too", async () => {
    const req = new $Ecs.CreateInstanceRequest({
      regionId: region,
      imageId: DEMO.images.publicLinux,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
    });
    await expectEcsError(ecsClient(emu(), DEMO.deployer).createInstance(req), "Forbidden.RAM", 403);
  });

  it("creates a Stopped instance with CreateInstance", async () => {
    const res = await workload().createInstance(
      new $Ecs.CreateInstanceRequest({
        regionId: region,
        imageId: DEMO.images.plain,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
      }),
    );
    emu().admin.advanceClock(10_000);
    expect((await describeOne(res.body?.instanceId as string)).status).toBe("Stopped");
  });

  it("requires Encrypted=true on data disks for an encrypted shared image", async () => {
    const call = workload().runInstances(
      runRequest({ imageId: DEMO.images.encrypted, dataDisk: [new $Ecs.RunInstancesRequestDataDisk({ size: 100 })] }),
    );
    await expectEcsError(call, "EncryptedOption.Conflict", 400);
  });

  it("creates encrypted disks from an encrypted shared image with the caller's CMK", async () => {
    const [id] = await run({
      imageId: DEMO.images.encrypted,
      systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ encrypted: "true", KMSKeyId: DEMO.workload.kmsKeyId }),
      dataDisk: [
        new $Ecs.RunInstancesRequestDataDisk({ size: 100, encrypted: true, KMSKeyId: DEMO.workload.kmsKeyId }),
      ],
    });
    const disks = await workload().describeDisks(new $Ecs.DescribeDisksRequest({ regionId: region, instanceId: id }));
    const list = disks.body?.disks?.disk ?? [];
    expect(list.length).toBeGreaterThanOrEqual(2);
    expectEach(list, { encrypted: true });
    expect(list.find((d) => d.type === "system")?.KMSKeyId).toBe(DEMO.workload.kmsKeyId);
  });

  it("reports InvalidParameter.KMSKeyId.CMKNotEnabled for a disabled caller key", async () => {
    emu().admin.disableKmsKey(DEMO.workload.kmsKeyId);
    const call = workload().runInstances(
      runRequest({
        systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ encrypted: "true", KMSKeyId: DEMO.workload.kmsKeyId }),
      }),
    );
    await expectEcsError(call, "InvalidParameter.KMSKeyId.CMKNotEnabled", 400);
  });

  it("refuses a shared image whose owner is in arrears", async () => {
    emu().admin.setArrears(DEMO.owner.accountId);
    await expectEcsError(workload().runInstances(runRequest()), "OperationDenied.ImageNotValid", 403);
  });

  it("refuses a shared image its owner deprecated (IncorrectImageStatus, 400)", async () => {
    await expectEcsError(
      workload().runInstances(runRequest({ imageId: "m-demogoldenold01" })),
      "IncorrectImageStatus",
      400,
    );
  });

  it("validates the instance type, security group and system disk size against the world", async () => {
    await expectEcsError(
      workload().runInstances(runRequest({ instanceType: "ecs.nope.large" })),
      "InvalidInstanceType.ValueNotSupported",
      400,
    );
    await expectEcsError(
      workload().runInstances(runRequest({ securityGroupId: "sg-nope" })),
      "InvalidSecurityGroupId.NotFound",
      404,
    );
    const small = new $Ecs.RunInstancesRequestSystemDisk({ size: 30 });
    await expectEcsError(
      workload().runInstances(runRequest({ systemDisk: small })),
      "InvalidSystemDiskSize.LessThanImageSize",
      400,
    );
  });
});
