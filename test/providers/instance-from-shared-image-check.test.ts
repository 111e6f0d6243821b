// InstanceFromSharedImage's check() against the in-process emulator: what it asks ECS at preview (read-only), the
// failures a user sees, encryption of disks from encrypted images, and the check of a fleet.
import * as fc from "fast-check";
import { EcsApi } from "../../providers/ecs/api";
import { EcsError } from "../../providers/ecs/errors";
import type { InstanceFromSharedImageInputs } from "../../providers/instance/args";
import { runInstancesRequest } from "../../providers/instance/request";
import { validateInputs } from "../../providers/instance/validate";
import { DEMO, emulatorStackConfig } from "../support/emulator";
import {
  ARREARS_OWNER,
  callsSince,
  check,
  configure,
  emu,
  expectWireSafe,
  IMAGES,
  inputs,
  inventory,
  lastSeq,
  mutatingSince,
  OWNER,
  PASSWORD,
  p,
  UNKNOWN,
  useInstanceEmulator,
  WORKLOAD,
} from "../support/instance-emulator";

useInstanceEmulator();

describe("encryption of disks from encrypted images", () => {
  it("never rewrites the declared disks: an image switch leaves the disk inputs as they are", async () => {
    const declared = { systemDisk: { size: 40 }, dataDisks: [{ size: 50 }] };
    const plain = await check(inputs({ ...declared, onImageChange: "replaceSystemDisk" }));
    const encrypted = await check(
      { ...plain.inputs, imageId: IMAGES.encrypted },
      { ...plain.inputs, region: DEMO.region },
    );
    expect(encrypted.failures).toEqual([]);
    expect(encrypted.inputs).toMatchObject({ ...declared, imageEncrypted: true });
  });
});

describe("check against ECS (read-only, runs at preview)", () => {
  it("passes an approved shared image, dry-running RunInstances without creating anything or sending the password", async () => {
    const since = lastSeq();
    const result = await check(inputs({ password: PASSWORD }));
    expect(result.failures).toEqual([]);
    expect(result.inputs.imageEncrypted).toBe(false);
    expect(mutatingSince(since)).toEqual([]);
    const dryRun = callsSince(since, "RunInstances")[0];
    expect(dryRun.params.DryRun).toBe("true");
    expect(dryRun.params.Password).toBeUndefined();
    // A dry run makes nothing, so it carries no ClientToken to deduplicate with.
    expect(dryRun.params.ClientToken).toBeUndefined();
    expect(inventory().instances).toHaveLength(0);
  });

  it("makes no ECS call at all when nothing it checks changed (a no-change preview)", async () => {
    const first = await check(inputs());
    const since = lastSeq();
    const again = await check({ ...first.inputs, name: "renamed" }, first.inputs);
    expect(again.failures).toEqual([]);
    expect(callsSince(since)).toEqual([]);
    expect(again.inputs.imageEncrypted).toBe(false);
  });

  it("skips the ECS checks while values are unknown (preview of a program whose image is being copied)", async () => {
    const since = lastSeq();
    const result = await check(inputs({ imageId: UNKNOWN }));
    expect(result.failures).toEqual([]);
    expect(callsSince(since)).toEqual([]);
    // Unknown, not absent: a plan saved by this preview must accept the value the check finds at apply time.
    expect(result.inputs.imageEncrypted).toBe(UNKNOWN);
  });

  it("keeps unknown disks as they are when the image is known to be encrypted (preview of a changed program)", async () => {
    const olds = { ...inputs({ imageId: IMAGES.encrypted, region: DEMO.region }), imageEncrypted: true };
    const since = lastSeq();
    const result = await check(
      { ...inputs({ imageId: IMAGES.encrypted }), systemDisk: UNKNOWN as never, dataDisks: UNKNOWN as never },
      olds,
    );
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ systemDisk: UNKNOWN, dataDisks: UNKNOWN, imageEncrypted: true });
    expect(callsSince(since)).toEqual([]);
  });

  it("records the stack's region in the checked inputs, with nothing undefined, and checks the same again", async () => {
    const given = { ...inputs(), name: undefined, systemDisk: { size: 60, kmsKeyId: undefined } };
    const result = await check(given);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ region: DEMO.region });
    expectWireSafe(result.inputs);
    expect((await check(given, result.inputs)).inputs).toEqual(result.inputs);
  });

  it("names region when neither the resource nor the stack sets one", async () => {
    await p.configure({ config: emulatorStackConfig(emu, { overrides: { "alicloud:region": undefined } }) } as never);
    const saved = { a: process.env.ALICLOUD_REGION, b: process.env.ALIBABA_CLOUD_REGION };
    delete process.env.ALICLOUD_REGION;
    delete process.env.ALIBABA_CLOUD_REGION;
    try {
      const result = await check(inputs());
      expect(result.failures).toEqual([{ property: "region", reason: expect.stringMatching(/alicloud:region/) }]);
    } finally {
      if (saved.a !== undefined) process.env.ALICLOUD_REGION = saved.a;
      if (saved.b !== undefined) process.env.ALIBABA_CLOUD_REGION = saved.b;
    }
  });

  it("shows an encrypted shared image in the checked inputs, keeping the disks as declared", async () => {
    const result = await check(inputs({ imageId: IMAGES.encrypted, dataDisks: [{ size: 50 }] }));
    expect(result.failures).toEqual([]);
    expect(result.inputs.systemDisk).toBeUndefined();
    expect(result.inputs.dataDisks).toEqual([{ size: 50 }]);
    expect(result.inputs.imageEncrypted).toBe(true);
  });

  it("refuses encrypted: false for an encrypted shared image", async () => {
    const result = await check(inputs({ imageId: IMAGES.encrypted, systemDisk: { encrypted: false } }));
    expect(result.failures).toEqual([
      { property: "systemDisk.encrypted", reason: expect.stringMatching(/image m-demogoldenenc01 is encrypted/) },
    ]);
  });

  it.each([
    [
      "an owner not on the allow-list",
      IMAGES.unapproved,
      /image m-demothirdparty01 .*of owner 3333333333333333 is not approved/,
    ],
    ["a deprecated image", IMAGES.deprecated, /image m-demogoldenold01 .*of owner 1111111111111111 is deprecated/],
    ["a paid image", IMAGES.paid, /of owner 1111111111111111 is a paid image .*acceptPaidImages/],
  ])("refuses %s, naming the image and the owner", async (_name, imageId, reason) => {
    const result = await check(inputs({ imageId }));
    expect(result.failures).toEqual([{ property: "imageId", reason: expect.stringMatching(reason) }]);
  });

  it("reports an image that does not exist or is no longer shared (InvalidImageId.NotFound at create)", async () => {
    const result = await check(inputs({ imageId: "m-doesnotexist1" }));
    expect(result.failures).toEqual([
      {
        property: "imageId",
        reason: expect.stringMatching(
          /m-doesnotexist1 is not visible to this account in cn-hangzhou: it does not exist there/,
        ),
      },
    ]);
  });

  it.each([
    [
      "vSwitchId",
      { vSwitchId: "vsw-missing" },
      /RunInstances failed: The specified VSwitchId "vsw-missing" does not exist in cn-hangzhou\. \(InvalidVSwitchId.NotFound, HTTP 404/,
    ],
    [
      "vSwitchId",
      { vSwitchId: DEMO.workload.vSwitchIdShanghai, zoneId: undefined },
      /VSwitchId "vsw-demo-workload-sh-b" does not exist in cn-hangzhou\. \(InvalidVSwitchId.NotFound, HTTP 404, .*\)\. Fix: a vSwitch belongs to one region and one account: name one of this account's in cn-hangzhou, or set the resource's region \(a fleet group's region\) to the vSwitch's\./,
    ],
    [
      "zoneId",
      { zoneId: "cn-hangzhou-z" },
      /ZoneId "cn-hangzhou-z" does not exist .*\(InvalidZoneId.NotFound, HTTP 404/,
    ],
    [
      "vSwitchId",
      { zoneId: "cn-hangzhou-i" },
      /ZoneId "cn-hangzhou-i" does not match the zone cn-hangzhou-h .*\(InvalidParameter.Mismatch, HTTP 400/,
    ],
    [
      "securityGroupIds",
      { securityGroupIds: ["sg-missing"] },
      /SecurityGroupId "sg-missing" does not exist .*\(InvalidSecurityGroupId.NotFound, HTTP 404/,
    ],
    [
      "instanceType",
      { instanceType: "ecs.x9.huge" },
      /instance type "ecs.x9.huge" is not available .*\(InvalidInstanceType.ValueNotSupported, HTTP 400/,
    ],
    [
      "instanceType",
      { instanceType: "ecs.c7.large", vSwitchId: "vsw-demo-workload-i" },
      /"ecs.c7.large" is not available in cn-hangzhou-i\. \(InvalidInstanceType.ValueNotSupported/,
    ],
    ["keyPairName", { keyPairName: "no-such-key" }, /InvalidKeyPairName.NotFound/],
    [
      "systemDisk",
      { systemDisk: { encrypted: true, kmsKeyId: "key-missing" } },
      /InvalidParameter.KMSKeyId.NotFound.*key-missing/,
    ],
    ["systemDisk", { systemDisk: { size: 20 } }, /InvalidSystemDiskSize.LessThanImageSize/],
  ])("reports RunInstances' own validation at preview through DryRun (%s)", async (property, patch, reason) => {
    const result = await check(inputs(patch as Partial<InstanceFromSharedImageInputs>));
    expect(result.failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
    expect(inventory().instances).toHaveLength(0);
  });

  it("reports a disabled KMS key of this account at preview", async () => {
    const world = emu.admin.inventory(WORKLOAD)[WORKLOAD].kmsKeys.map((k) => k.keyId);
    expect(world).toContain(DEMO.workload.kmsKeyId);
    emu.admin.disableKmsKey(DEMO.workload.kmsKeyId);
    try {
      const result = await check(inputs({ systemDisk: { encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId } }));
      expect(result.failures).toEqual([
        {
          property: "systemDisk",
          reason: expect.stringMatching(
            /the KMS key key-demo-workload-hz is not enabled \(InvalidParameter.KMSKeyId.CMKNotEnabled, HTTP 400.*key-demo-workload-hz" is Disabled/,
          ),
        },
      ]);
    } finally {
      emu.admin.enableKmsKey(DEMO.workload.kmsKeyId);
    }
  });

  it("reports Forbidden.RAM for the demo RAM user whose policy denies images of other owners", async () => {
    await configure(DEMO.deployer);
    const result = await check(
      inputs({ imageId: IMAGES.unapproved, approval: { approvedOwners: [OWNER, DEMO.thirdParty.accountId] } }),
    );
    expect(result.failures).toEqual([
      {
        property: "imageId",
        reason: expect.stringMatching(/RunInstances failed: the RAM user .*Forbidden.RAM, HTTP 403/),
      },
    ]);
  });

  it("reports OperationDenied.ImageNotValid when the owner is in arrears", async () => {
    emu.admin.setArrears(ARREARS_OWNER, true);
    try {
      const result = await check(inputs({ imageId: IMAGES.arrears, approval: { approvedOwners: [ARREARS_OWNER] } }));
      expect(result.failures).toEqual([
        {
          property: "imageId",
          reason: expect.stringMatching(/image m-ifsiarrears01 can no longer be used: the owner may be in arrears/),
        },
      ]);
    } finally {
      emu.admin.setArrears(ARREARS_OWNER, false);
    }
  });
});

describe("check of a fleet (the engine checks resources one after another)", () => {
  // A launch shape no other test in this file uses, so that its first dry run happens here.
  const shape = { internetMaxBandwidthOut: 7 };

  it("dry-runs each launch shape once and looks each image up once, for every new instance of it", async () => {
    const since = lastSeq();
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(await check(inputs({ ...shape, name: `web-${i}`, hostName: `web-${i}`, tags: { n: String(i) } })));
    }
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    const dryRuns = callsSince(since, "RunInstances");
    expect(dryRuns).toHaveLength(1);
    // The dry run is of the shape: what differs from one instance to the next is checked locally, in full.
    expect(dryRuns[0].params).toMatchObject({ DryRun: "true", InternetMaxBandwidthOut: "7" });
    for (const key of ["InstanceName", "HostName", "Description", "Tag.1.Key"]) {
      expect(dryRuns[0].params[key]).toBeUndefined();
    }
    expect(callsSince(since, "DescribeImages").length).toBeLessThanOrEqual(1);

    const other = await check(inputs({ ...shape, instanceType: "ecs.g7.xlarge" }));
    expect(other.failures).toEqual([]);
    expect(callsSince(since, "RunInstances")).toHaveLength(2);
  });

  it("still refuses what is wrong with one instance of a shape that passed", async () => {
    await check(inputs(shape));
    const since = lastSeq();
    const result = await check(inputs({ ...shape, hostName: "-bad-", name: "1st" }));
    expect(result.failures.map((f) => f.property).sort()).toEqual(["hostName", "name"]);
    expect(callsSince(since)).toEqual([]);
  });

  it("shares a refusal of the shape with every instance of it", async () => {
    const refused = { ...shape, keyPairName: "no-such-key" };
    const first = await check(inputs({ ...refused, name: "a-1" }));
    const since = lastSeq();
    const second = await check(inputs({ ...refused, name: "a-2" }));
    expect(first.failures).toEqual([{ property: "keyPairName", reason: expect.stringMatching(/NotFound/) }]);
    expect(second.failures).toEqual(first.failures);
    expect(callsSince(since)).toEqual([]);
  });

  // The dry run leaves out the per-instance parameters only because the local rules are at least as strict as ECS's
  // (here, the emulator's): whatever they accept, RunInstances accepts.
  it("accepts locally only the names, host names, descriptions and tags that RunInstances accepts", async () => {
    const api = EcsApi.forRegion(undefined, "test");
    // Pieces that make values near every rule's edge: URL and reserved prefixes, separators, long runs.
    const piece = fc.constantFrom(..."aZ09._:-/ 中", "s", "acs:", "aliyun", "http://", "https://", "abcdefghij");
    const text = fc.array(piece, { maxLength: 16 }).map((parts) => parts.join(""));
    const perInstance = fc.oneof(
      fc.record({ name: text }),
      fc.record({ hostName: text }),
      fc.record({ description: text }),
      fc.record({ tags: fc.dictionary(text, text, { minKeys: 1, maxKeys: 2 }) }),
    );
    await fc.assert(
      fc.asyncProperty(perInstance, async (patch) => {
        const given = inputs(patch);
        fc.pre(validateInputs(given).length === 0);
        const refused = await api.runInstance({ ...runInstancesRequest(given), dryRun: true }).then(
          () => undefined,
          (err: unknown) => (err instanceof EcsError && err.code === "DryRunOperation" ? undefined : err),
        );
        expect(refused).toBeUndefined();
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
