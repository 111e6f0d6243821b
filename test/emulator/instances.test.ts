// The emulator's instances and disks: RunInstances, states over emulated time, system disk replacement, deletes.
import * as $Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator } from "../../emulator";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { expectEach } from "../support/expect";
import {
  describeInstance,
  ecsClient,
  expectEcsError,
  expectRequestId,
  runInstances,
  runRequest,
  stoppedInstance,
} from "./helpers";

const region = DEMO.region;

describe("emulator instances and disks", () => {
  let emu: RunningEmulator;
  beforeEach(async () => {
    emu = await startDemoEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  const workload = () => ecsClient(emu);
  const run = (req: Partial<$Ecs.RunInstancesRequest> = {}, client = workload()) => runInstances(emu, req, client);
  const describeOne = async (instanceId: string) =>
    (await describeInstance(emu, instanceId)) as $Ecs.DescribeInstancesResponseBodyInstancesInstance;
  const stopped = (req: Partial<$Ecs.RunInstancesRequest> = {}) => stoppedInstance(emu, req);

  it("runs instances that go Pending -> Starting -> Running in emulated time", async () => {
    const [id] = await run();
    expect((await describeOne(id)).status).toBe("Pending");
    emu.admin.advanceClock(5_000);
    expect((await describeOne(id)).status).toBe("Starting");
    emu.admin.advanceClock(10_000);
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
    expect(emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toHaveLength(2);
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
    expect(emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toEqual([]);
    // Previews may dry-run RunInstances; the log must not count that as a change.
    expect(emu.admin.requests({ action: "RunInstances" }).at(-1)).toMatchObject({ mutating: false });
  });

  it("still validates a DryRun request", async () => {
    await expectEcsError(
      workload().runInstances(runRequest({ dryRun: true, vSwitchId: "vsw-nope" })),
      "InvalidVSwitchId.NotFound",
      404,
    );
  });

  it("denies a restricted RAM user an image of an unapproved owner (Forbidden.RAM)", async () => {
    const deployer = ecsClient(emu, DEMO.deployer);
    await expectEcsError(deployer.runInstances(runRequest({ imageId: DEMO.images.unapproved })), "Forbidden.RAM", 403);
  });

  it("lets the restricted RAM user run the approved owner's images", async () => {
    const ids = await run({}, ecsClient(emu, DEMO.deployer));
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
    await expectEcsError(ecsClient(emu, DEMO.deployer).createInstance(req), "Forbidden.RAM", 403);
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
    emu.admin.advanceClock(10_000);
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
    emu.admin.disableKmsKey(DEMO.workload.kmsKeyId);
    const call = workload().runInstances(
      runRequest({
        systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ encrypted: "true", KMSKeyId: DEMO.workload.kmsKeyId }),
      }),
    );
    await expectEcsError(call, "InvalidParameter.KMSKeyId.CMKNotEnabled", 400);
  });

  it("refuses a shared image whose owner is in arrears", async () => {
    emu.admin.setArrears(DEMO.owner.accountId);
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

  it("stops and starts an instance through Stopping and Starting", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Stopping");
    emu.admin.advanceClock(10_000);
    expect((await describeOne(id)).status).toBe("Stopped");
    await workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Starting");
    emu.admin.advanceClock(10_000);
    expect((await describeOne(id)).status).toBe("Running");
  });

  it("reports IncorrectInstanceStatus when starting a running instance", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await expectEcsError(
      workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
      "IncorrectInstanceStatus",
      403,
    );
  });

  it("reboots a running instance", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await workload().rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Stopping");
    emu.admin.advanceClock(60_000);
    expect((await describeOne(id)).status).toBe("Running");
  });

  it("replaces the system disk of a stopped instance with a new disk id", async () => {
    const id = await stopped();
    const before = await workload().describeDisks(
      new $Ecs.DescribeDisksRequest({ regionId: region, instanceId: id, diskType: "system" }),
    );
    const oldDisk = before.body?.disks?.disk?.[0].diskId;
    const res = await workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({
        instanceId: id,
        imageId: DEMO.images.paid,
        keyPairName: DEMO.workload.keyPairName,
      }),
    );
    expectRequestId(res.body ?? {});
    expect(res.body?.diskId).toMatch(/^d-/);
    expect(res.body?.diskId).not.toBe(oldDisk);
    const inst = await describeOne(id);
    expect(inst).toEqual(
      expect.objectContaining({ imageId: DEMO.images.paid, keyPairName: DEMO.workload.keyPairName }),
    );
    const after = await workload().describeDisks(
      new $Ecs.DescribeDisksRequest({ regionId: region, diskIds: JSON.stringify([res.body?.diskId]) }),
    );
    expect(after.body?.disks?.disk?.[0]).toEqual(
      expect.objectContaining({ status: "Creating", size: 60, imageId: DEMO.images.paid }),
    );
    emu.admin.advanceClock(10_000);
    const ready = await workload().describeDisks(
      new $Ecs.DescribeDisksRequest({ regionId: region, diskIds: JSON.stringify([res.body?.diskId]) }),
    );
    expect(ready.body?.disks?.disk?.[0].status).toBe("In_use");
  });

  it("drops the key pair on ReplaceSystemDisk unless it is passed again", async () => {
    const id = await stopped({ keyPairName: DEMO.workload.keyPairName });
    await workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain }),
    );
    expect((await describeOne(id)).keyPairName).toBe("");
    emu.admin.advanceClock(10_000);
    await workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({
        instanceId: id,
        imageId: DEMO.images.plain,
        keyPairName: DEMO.workload.keyPairName,
      }),
    );
    expect((await describeOne(id)).keyPairName).toBe(DEMO.workload.keyPairName);
  });

  it("reports IncorrectInstanceStatus for ReplaceSystemDisk on a running instance", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain }),
    );
    await expectEcsError(call, "IncorrectInstanceStatus", 403);
  });

  it("reports IncorrectInstanceStatus for ReplaceSystemDisk after an economical-mode stop", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: "StopCharging" }));
    emu.admin.advanceClock(60_000);
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain }),
    );
    await expectEcsError(call, "IncorrectInstanceStatus", 403);
  });

  it("rejects a system disk smaller than the current one", async () => {
    const id = await stopped({ systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ size: 80 }) });
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({
        instanceId: id,
        imageId: DEMO.images.plain,
        systemDisk: new $Ecs.ReplaceSystemDiskRequestSystemDisk({ size: 50 }),
      }),
    );
    await expectEcsError(call, "InvalidSystemDiskSize", 400);
  });

  it("rejects Password together with PasswordInherit", async () => {
    const id = await stopped();
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({
        instanceId: id,
        imageId: DEMO.images.plain,
        password: "Sup3r-Secret-Pw",
        passwordInherit: true,
      }),
    );
    await expectEcsError(call, "InvalidPasswordParam.Mismatch", 400);
  });

  it("requires encryption when replacing with an encrypted image but Encrypted=false is given", async () => {
    const id = await stopped();
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.encrypted, encrypted: false }),
    );
    await expectEcsError(call, "EncryptedOption.Conflict", 400);
  });

  it("refuses to delete a running instance without Force", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await expectEcsError(
      workload().deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id })),
      "IncorrectInstanceStatus",
      403,
    );
  });

  it("deletes a running instance with Force, and it is then NotFound", async () => {
    const [id] = await run();
    emu.admin.advanceClock(60_000);
    await workload().deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await expectEcsError(
      workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id })),
      "InvalidInstanceId.NotFound",
      404,
    );
  });

  it("deletes several instances at once with DeleteInstances", async () => {
    const ids = await run({ amount: 3 });
    emu.admin.advanceClock(60_000);
    await workload().deleteInstances(
      new $Ecs.DeleteInstancesRequest({ regionId: region, instanceId: ids, force: true }),
    );
    const res = await workload().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region }));
    expect(res.body?.instances?.instance).toEqual([]);
    expect(res.body?.totalCount).toBe(0);
  });

  it("reports InvalidInstanceId.NotFound for an instance deleted behind the client's back", async () => {
    const [id] = await run();
    emu.admin.deleteInstance(id);
    expect(await describeOne(id)).toBeUndefined();
    await expectEcsError(
      workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
      "InvalidInstanceId.NotFound",
      404,
    );
  });

  it("pages DescribeInstances with NextToken", async () => {
    await run({ amount: 5 });
    const client = workload();
    const first = await client.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: region, maxResults: 3 }),
    );
    expect(first.body?.instances?.instance).toHaveLength(3);
    const next = await client.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: region, maxResults: 3, nextToken: first.body?.nextToken }),
    );
    expect(next.body?.instances?.instance).toHaveLength(2);
    expect(next.body?.nextToken).toBe("");
  });

  it("reports instance statuses with DescribeInstanceStatus", async () => {
    const ids = await run({ amount: 2 });
    const res = await workload().describeInstanceStatus(
      new $Ecs.DescribeInstanceStatusRequest({ regionId: region, instanceId: ids }),
    );
    expect(res.body?.instanceStatuses?.instanceStatus?.map((s) => s.status)).toEqual(["Pending", "Pending"]);
  });

  it("modifies instance attributes", async () => {
    const [id] = await run();
    await workload().modifyInstanceAttribute(
      new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, instanceName: "renamed", description: "described" }),
    );
    expect(await describeOne(id)).toEqual(
      expect.objectContaining({ instanceName: "renamed", description: "described" }),
    );
  });

  it("reports a financial operation lock while the account is in arrears", async () => {
    const [id] = await run();
    emu.admin.setArrears(DEMO.workload.accountId);
    expect((await describeOne(id)).operationLocks?.lockReason?.map((l) => l.lockReason)).toEqual(["financial"]);
  });

  it("attaches and detaches key pairs with per-instance results", async () => {
    const [id] = await run();
    const res = await workload().attachKeyPair(
      new $Ecs.AttachKeyPairRequest({
        regionId: region,
        keyPairName: DEMO.workload.keyPairName,
        instanceIds: JSON.stringify([id, "i-missing"]),
      }),
    );
    expect(res.body?.totalCount).toBe("2");
    expect(res.body?.failCount).toBe("1");
    expect(res.body?.results?.result?.map((r) => r.success)).toEqual(["true", "false"]);
    await workload().detachKeyPair(
      new $Ecs.DetachKeyPairRequest({
        regionId: region,
        keyPairName: DEMO.workload.keyPairName,
        instanceIds: JSON.stringify([id]),
      }),
    );
    expect((await describeOne(id)).keyPairName).toBe("");
  });

  it("reports InvalidKeyPairName.NotFound for an unknown key pair", async () => {
    await expectEcsError(
      workload().runInstances(runRequest({ keyPairName: "nope" })),
      "InvalidKeyPairName.NotFound",
      404,
    );
  });

  it("describes key pairs, security groups and zones", async () => {
    const kp = await workload().describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: region }));
    expect(kp.body?.keyPairs?.keyPair?.map((k) => k.keyPairName)).toEqual([DEMO.workload.keyPairName]);
    const sg = await workload().describeSecurityGroups(new $Ecs.DescribeSecurityGroupsRequest({ regionId: region }));
    expect(sg.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId)).toEqual([
      DEMO.workload.securityGroupId,
    ]);
    const zones = await workload().describeZones(new $Ecs.DescribeZonesRequest({ regionId: region }));
    expect(zones.body?.zones?.zone?.map((z) => z.zoneId)).toEqual(["cn-hangzhou-h", "cn-hangzhou-i"]);
    expect(zones.body?.zones?.zone?.[1].availableInstanceTypes?.instanceTypes).toEqual([
      "ecs.g7.large",
      "ecs.g7.xlarge",
    ]);
  });

  it("tags, lists and untags resources", async () => {
    const [id] = await run();
    const client = workload();
    await client.tagResources(
      new $Ecs.TagResourcesRequest({
        regionId: region,
        resourceType: "instance",
        resourceId: [id],
        tag: [new $Ecs.TagResourcesRequestTag({ key: "env", value: "prod" })],
      }),
    );
    const listed = await client.listTagResources(
      new $Ecs.ListTagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [id] }),
    );
    expect(listed.body?.tagResources?.tagResource).toEqual([
      expect.objectContaining({ resourceId: id, tagKey: "env", tagValue: "prod" }),
    ]);
    await client.untagResources(
      new $Ecs.UntagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [id], tagKey: ["env"] }),
    );
    const after = await client.listTagResources(
      new $Ecs.ListTagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [id] }),
    );
    expect(after.body?.tagResources?.tagResource).toEqual([]);
  });

  it("reports InvalidResourceId.NotFound when tagging an unknown resource", async () => {
    const call = workload().tagResources(
      new $Ecs.TagResourcesRequest({
        regionId: region,
        resourceType: "instance",
        resourceId: ["i-nope"],
        tag: [new $Ecs.TagResourcesRequestTag({ key: "a", value: "b" })],
      }),
    );
    await expectEcsError(call, "InvalidResourceId.NotFound", 404);
  });

  it("counts mutating and read-only calls per action", async () => {
    await run();
    await workload().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region }));
    const stats = emu.admin.stats();
    expect(stats.RunInstances).toEqual(expect.objectContaining({ calls: 1, succeeded: 1, mutating: 1, dryRuns: 0 }));
    expect(stats.DescribeInstances).toEqual(expect.objectContaining({ calls: 1, mutating: 0, dryRuns: 0 }));
  });

  it("counts each request on its own: RunInstances after a DryRun RunInstances still counts as mutating", async () => {
    // A preview dry-runs RunInstances before the up sends it for real; the counters must tell the two apart.
    await expectEcsError(workload().runInstances(runRequest({ dryRun: true })), "DryRunOperation", 400);
    await run();
    await run();
    await expectEcsError(workload().runInstances(runRequest({ dryRun: true })), "DryRunOperation", 400);
    expect(emu.admin.stats().RunInstances).toEqual({
      calls: 4,
      succeeded: 2,
      failed: 2,
      throttled: 0,
      mutating: 2,
      dryRuns: 2,
    });
    expect(emu.admin.requests({ action: "RunInstances" }).map((r) => [r.mutating, r.dryRun])).toEqual([
      [false, true],
      [true, false],
      [true, false],
      [false, true],
    ]);
  });
});
