// The emulator's instances over emulated time: stop, start and reboot, system disk replacement, and deletes.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import { expectEcsError, expectRequestId, instanceCalls } from "../support/emulator-sdk";

const region = DEMO.region;

describe("emulator instances and disks", () => {
  const emu = emulatorPerTest();

  const { workload, run, describeOne, stopped } = instanceCalls(emu);

  it("stops and starts an instance through Stopping and Starting", async () => {
    const [id] = await run();
    emu().admin.advanceClock(60_000);
    await workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Stopping");
    emu().admin.advanceClock(10_000);
    expect((await describeOne(id)).status).toBe("Stopped");
    await workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Starting");
    emu().admin.advanceClock(10_000);
    expect((await describeOne(id)).status).toBe("Running");
  });

  it("reports IncorrectInstanceStatus when starting a running instance", async () => {
    const [id] = await run();
    emu().admin.advanceClock(60_000);
    await expectEcsError(
      workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
      "IncorrectInstanceStatus",
      403,
    );
  });

  it("reboots a running instance", async () => {
    const [id] = await run();
    emu().admin.advanceClock(60_000);
    await workload().rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId: id }));
    expect((await describeOne(id)).status).toBe("Stopping");
    emu().admin.advanceClock(60_000);
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
    emu().admin.advanceClock(10_000);
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
    emu().admin.advanceClock(10_000);
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
    emu().admin.advanceClock(60_000);
    const call = workload().replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain }),
    );
    await expectEcsError(call, "IncorrectInstanceStatus", 403);
  });

  it("reports IncorrectInstanceStatus for ReplaceSystemDisk after an economical-mode stop", async () => {
    const [id] = await run();
    emu().admin.advanceClock(60_000);
    await workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: "StopCharging" }));
    emu().admin.advanceClock(60_000);
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
    emu().admin.advanceClock(60_000);
    await expectEcsError(
      workload().deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id })),
      "IncorrectInstanceStatus",
      403,
    );
  });

  it("deletes a running instance with Force, and it is then NotFound", async () => {
    const [id] = await run();
    emu().admin.advanceClock(60_000);
    await workload().deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await expectEcsError(
      workload().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id })),
      "InvalidInstanceId.NotFound",
      404,
    );
  });

  it("deletes several instances at once with DeleteInstances", async () => {
    const ids = await run({ amount: 3 });
    emu().admin.advanceClock(60_000);
    await workload().deleteInstances(
      new $Ecs.DeleteInstancesRequest({ regionId: region, instanceId: ids, force: true }),
    );
    const res = await workload().describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region }));
    expect(res.body?.instances?.instance).toEqual([]);
    expect(res.body?.totalCount).toBe(0);
  });

  it("reports InvalidInstanceId.NotFound for an instance deleted behind the client's back", async () => {
    const [id] = await run();
    emu().admin.deleteInstance(id);
    expect(await describeOne(id)).toBeUndefined();
    await expectEcsError(
      workload().startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })),
      "InvalidInstanceId.NotFound",
      404,
    );
  });
});
