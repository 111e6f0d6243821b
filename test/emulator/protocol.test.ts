// The emulator's wire protocol: the SDK's signatures (v3, v1, STS), and the authentication and request errors ECS
// answers with.
import * as $Ecs from "@alicloud/ecs20140526";
import * as $OpenApi from "@alicloud/openapi-core";
import { EmulatorCore } from "../../emulator/emulator";
import { DEMO, demoWorld, emulatorPerTest } from "../support/emulator";
import { ecsClient, expectEcsError, expectRequestId, rawRequest, v1Query } from "../support/emulator-sdk";

describe("emulator protocol", () => {
  const emu = emulatorPerTest();

  const regions = new $Ecs.DescribeRegionsRequest({});

  it("accepts ACS3-HMAC-SHA256 requests signed by the SDK", async () => {
    const res = await ecsClient(emu()).describeRegions(regions);
    expect(res.statusCode).toBe(200);
    expectRequestId(res.body ?? {});
    expect(res.body?.regions?.region?.map((r) => r.regionId)).toEqual(["cn-hangzhou", "cn-shanghai"]);
  });

  it("accepts legacy v1 HMAC-SHA1 requests signed by the SDK", async () => {
    const res = await ecsClient(emu(), DEMO.workload, { v1: true }).describeRegions(regions);
    expect(res.body?.regions?.region?.length).toBe(2);
    expect(emu().admin.requests()[0].signatureVersion).toBe("v1");
  });

  it("accepts STS credentials with their security token (v3 and v1)", async () => {
    const res = await ecsClient(emu(), DEMO.sts).describeRegions(regions);
    expect(res.body?.regions?.region?.length).toBe(2);
    const v1 = await ecsClient(emu(), DEMO.sts, { v1: true }).describeRegions(regions);
    expect(v1.body?.regions?.region?.length).toBe(2);
    expect(emu().admin.requests()[0].accountId).toBe(DEMO.workload.accountId);
  });

  it("reports SignatureDoesNotMatch for a wrong secret", async () => {
    await expectEcsError(
      ecsClient(emu(), { ...DEMO.workload, accessKeySecret: "wrong" }).describeRegions(regions),
      "SignatureDoesNotMatch",
      400,
    );
  });

  it("reports SignatureDoesNotMatch for a wrong secret with the v1 signature", async () => {
    const client = ecsClient(emu(), { ...DEMO.workload, accessKeySecret: "wrong" }, { v1: true });
    await expectEcsError(client.describeRegions(regions), "SignatureDoesNotMatch", 400);
  });

  it("reports InvalidAccessKeyId.NotFound for an unknown access key", async () => {
    await expectEcsError(
      ecsClient(emu(), { accessKeyId: "LTAI-nobody", accessKeySecret: "x" }).describeRegions(regions),
      "InvalidAccessKeyId.NotFound",
      404,
    );
  });

  it("reports InvalidSecurityToken.Malformed for a bad STS token", async () => {
    const client = ecsClient(emu(), { ...DEMO.sts, securityToken: "not-the-token" });
    await expectEcsError(client.describeRegions(regions), "InvalidSecurityToken.Malformed", 400);
  });

  it("reports InvalidSecurityToken.Expired for an expired STS token", async () => {
    const world = demoWorld();
    world.accounts[1].stsTokens = [{ ...DEMO.sts, expiration: "2020-01-01T00:00:00Z" }];
    emu().admin.loadWorld(world);
    emu().admin.setThrottle({ enabled: false });
    await expectEcsError(ecsClient(emu(), DEMO.sts).describeRegions(regions), "InvalidSecurityToken.Expired", 400);
  });

  it("reports MissingSecurityToken when an STS key comes without its token", async () => {
    const client = ecsClient(emu(), { accessKeyId: DEMO.sts.accessKeyId, accessKeySecret: DEMO.sts.accessKeySecret });
    await expectEcsError(client.describeRegions(regions), "MissingSecurityToken", 400);
  });

  it("reports InvalidAction.NotFound (404) for an unknown action", async () => {
    const client = ecsClient(emu());
    const params = new $OpenApi.$OpenApiUtil.Params({
      action: "DescribeUnicorns",
      version: "2014-05-26",
      protocol: "HTTP",
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const call = client.callApi(params, new $OpenApi.$OpenApiUtil.OpenApiRequest({ query: {} }), {} as never);
    await expectEcsError(call, "InvalidAction.NotFound", 404);
  });

  it("reports SignatureNonceUsed for a replayed request", async () => {
    const query = v1Query(DEMO.workload, { Action: "DescribeRegions" });
    const first = await rawRequest(emu(), `/?${query}`);
    expect(first.status).toBe(200);
    const replay = await rawRequest(emu(), `/?${query}`);
    expect({ status: replay.status, code: replay.body.Code }).toEqual({ status: 400, code: "SignatureNonceUsed" });
    expect(replay.body.RequestId).toEqual(expect.any(String));
  });

  it("reports InvalidTimeStamp.Expired for a request more than 15 minutes old", async () => {
    const old = new Date(Date.now() - 16 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const res = await rawRequest(
      emu(),
      `/?${v1Query(DEMO.workload, { Action: "DescribeRegions" }, { Timestamp: old })}`,
    );
    expect({ status: res.status, code: res.body.Code }).toEqual({ status: 400, code: "InvalidTimeStamp.Expired" });
  });

  it("reports IncompleteSignature for an unsigned request", async () => {
    const res = await rawRequest(emu(), "/?Action=DescribeRegions&Version=2014-05-26");
    expect({ status: res.status, code: res.body.Code }).toEqual({ status: 400, code: "IncompleteSignature" });
  });

  it("answers a malformed query with a 400 envelope", async () => {
    const res = await rawRequest(emu(), "/?Action=%E0%A4%A&Version=2014-05-26");
    expect({ status: res.status, code: res.body.Code }).toEqual({ status: 400, code: "InvalidParameter" });
    expect(res.body).toEqual(
      expect.objectContaining({
        RequestId: expect.any(String),
        HostId: expect.any(String),
        Recommend: expect.any(String),
      }),
    );
  });

  it("rejects an unknown parameter, naming it", async () => {
    const res = await rawRequest(emu(), `/?${v1Query(DEMO.workload, { Action: "DescribeRegions", Colour: "blue" })}`);
    expect({ status: res.status, code: res.body.Code }).toEqual({ status: 400, code: "InvalidParameter" });
    expect(res.body.Message).toContain('"Colour"');
  });

  it("rejects a huge value and a wrong type with 400, naming the parameter", async () => {
    const huge = await rawRequest(
      emu(),
      `/?${v1Query(DEMO.workload, { Action: "DescribeImages", RegionId: DEMO.region, PageSize: "9".repeat(40) })}`,
    );
    expect({ status: huge.status, code: huge.body.Code }).toEqual({ status: 400, code: "InvalidParameter" });
    expect(huge.body.Message).toContain('"PageSize"');
    const bool = await rawRequest(
      emu(),
      `/?${v1Query(DEMO.workload, { Action: "DescribeImages", RegionId: DEMO.region, DryRun: "maybe" })}`,
    );
    expect(bool.body.Message).toContain('"DryRun"');
  });

  it("answers every kind of bad input with a 4xx envelope and keeps serving", async () => {
    const cases: Record<string, string>[] = [
      { Action: "RunInstances", RegionId: DEMO.region, Amount: "-1" },
      { Action: "RunInstances", RegionId: DEMO.region, ImageId: "x".repeat(40_000) },
      { Action: "DescribeInstances", RegionId: DEMO.region, InstanceIds: "[not json" },
      { Action: "DescribeInstances", RegionId: DEMO.region, InstanceIds: JSON.stringify(Array(101).fill("i-1")) },
      { Action: "DescribeImages", RegionId: "../../etc", PageNumber: "1e3" },
      { Action: "DeleteInstances", RegionId: DEMO.region, "InstanceId.0": "i-1" },
      { Action: "TagResources", RegionId: DEMO.region, ResourceType: "planet", "ResourceId.1": "x", "Tag.1.Key": "k" },
      { Action: "StopInstance", InstanceId: "i-\u0000" },
      { Action: "ModifyImageSharePermission", RegionId: DEMO.region, ImageId: "m-1", "AddAccount.1": "abc" },
      { Action: "DescribeImages", RegionId: DEMO.region, __proto__x: "1", constructor: "x" },
    ];
    for (const params of cases) {
      const res = await rawRequest(emu(), `/?${v1Query(DEMO.workload, params)}`);
      expect({ params, ok: res.status >= 400 && res.status < 500 }).toEqual({ params, ok: true });
      expect(res.body).toEqual(
        expect.objectContaining({
          RequestId: expect.any(String),
          Code: expect.any(String),
          Message: expect.any(String),
        }),
      );
    }
    expect((await ecsClient(emu()).describeRegions(regions)).statusCode).toBe(200);
  });

  it("reports MissingParameter naming the parameter", async () => {
    const err = await expectEcsError(
      ecsClient(emu()).describeImages(new $Ecs.DescribeImagesRequest({})),
      "MissingParameter",
      400,
    );
    expect(err.message).toContain('"RegionId"');
  });

  it("throttles an account per action with Throttling.User", async () => {
    emu().admin.setThrottle({ enabled: true, actions: { DescribeRegions: { ratePerSecond: 0.001, burst: 3 } } });
    const client = ecsClient(emu());
    for (let i = 0; i < 3; i++) await client.describeRegions(regions);
    const err = await expectEcsError(client.describeRegions(regions), "Throttling.User", 400);
    expect(err.message).toContain("Request was denied due to user flow control.");
    expect(emu().admin.stats().DescribeRegions).toEqual(
      expect.objectContaining({ calls: 4, succeeded: 3, throttled: 1, mutating: 0, dryRuns: 0 }),
    );
    // Another account has its own bucket.
    await ecsClient(emu(), DEMO.owner).describeRegions(regions);
  });

  it("throttles by default an unbatched client polling a few hundred instances", async () => {
    emu().admin.setThrottle({ enabled: true });
    const client = ecsClient(emu());
    const req = new $Ecs.DescribeInstancesRequest({ regionId: DEMO.region });
    const results = await Promise.allSettled(Array.from({ length: 120 }, () => client.describeInstances(req)));
    expect(
      results.some((r) => r.status === "rejected" && (r.reason as { code: string }).code === "Throttling.User"),
    ).toBe(true);
  });

  it("injects an error fault with the given code and status", async () => {
    emu().admin.addFault({
      action: "DescribeRegions",
      kind: "error",
      code: "ServiceUnavailable",
      httpStatus: 503,
      count: 1,
    });
    await expectEcsError(ecsClient(emu()).describeRegions(regions), "ServiceUnavailable", 503);
    await ecsClient(emu()).describeRegions(regions);
    expect(
      emu()
        .admin.requests()
        .map((r) => r.fault),
    ).toEqual(["error:ServiceUnavailable", undefined]);
  });

  it("resets the connection when told to", async () => {
    emu().admin.addFault({ action: "*", kind: "reset", count: 1 });
    await expect(ecsClient(emu()).describeRegions(regions)).rejects.toThrow();
    await ecsClient(emu()).describeRegions(regions);
  });

  it("commits a mutation and then drops the response", async () => {
    emu().admin.addFault({ action: "RunInstances", kind: "commitThenDrop", count: 1 });
    const run = new $Ecs.RunInstancesRequest({
      regionId: DEMO.region,
      imageId: DEMO.images.plain,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
      clientToken: "drop-once",
    });
    await expect(ecsClient(emu()).runInstances(run)).rejects.toThrow();
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toHaveLength(1);
    // The retry with the same ClientToken returns the instance that was created, not a second one.
    const retry = await ecsClient(emu()).runInstances(run);
    expect(retry.body?.instanceIdSets?.instanceIdSet).toEqual([
      emu().admin.inventory()[DEMO.workload.accountId].instances[0].instanceId,
    ]);
  });

  it("delays responses with a latency fault", async () => {
    emu().admin.addFault({ action: "DescribeRegions", kind: "latency", latencyMs: 200, count: 1 });
    const t0 = Date.now();
    await ecsClient(emu()).describeRegions(regions);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
  });

  it("turns an unexpected exception into a logged 500 InternalError envelope", () => {
    const logged: string[] = [];
    const bad = new EmulatorCore({ logError: (m) => logged.push(m) });
    (bad.cloud.state as unknown as { regions: unknown }).regions = null;
    const out = bad.handleApi({
      method: "POST",
      path: "/",
      rawQuery: v1Query(DEMO.workload, { Action: "DescribeRegions" }),
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(out.status).toBe(500);
    expect(out.body.Code).toBe("InternalError");
    expect(logged.join("\n")).toContain("InternalError in DescribeRegions");
  });
});
