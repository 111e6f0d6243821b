// What the emulator reports about instances and changes on them: DescribeInstances paging, statuses, attributes,
// key pairs, tags, and the per-action call counts.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import { expectEcsError, instanceCalls, runRequest } from "../support/emulator-sdk";

const region = DEMO.region;

describe("emulator instances and disks", () => {
  const emu = emulatorPerTest();

  const { workload, run, describeOne } = instanceCalls(emu);

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
    emu().admin.setArrears(DEMO.workload.accountId);
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
    const stats = emu().admin.stats();
    expect(stats.RunInstances).toEqual(expect.objectContaining({ calls: 1, succeeded: 1, mutating: 1, dryRuns: 0 }));
    expect(stats.DescribeInstances).toEqual(expect.objectContaining({ calls: 1, mutating: 0, dryRuns: 0 }));
  });

  it("counts each request on its own: RunInstances after a DryRun RunInstances still counts as mutating", async () => {
    // A preview dry-runs RunInstances before the up sends it for real; the counters must tell the two apart.
    await expectEcsError(workload().runInstances(runRequest({ dryRun: true })), "DryRunOperation", 400);
    await run();
    await run();
    await expectEcsError(workload().runInstances(runRequest({ dryRun: true })), "DryRunOperation", 400);
    expect(emu().admin.stats().RunInstances).toEqual({
      calls: 4,
      succeeded: 2,
      failed: 2,
      throttled: 0,
      mutating: 2,
      dryRuns: 2,
    });
    expect(
      emu()
        .admin.requests({ action: "RunInstances" })
        .map((r) => [r.mutating, r.dryRun]),
    ).toEqual([
      [false, true],
      [true, false],
      [true, false],
      [false, true],
    ]);
  });
});
