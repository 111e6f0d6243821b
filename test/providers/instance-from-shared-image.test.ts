// InstanceFromSharedImage's provider methods called directly against an in-process emulator (fresh world, port 0),
// through the real SDK inside EcsApi. The pure rules (validation, encryption, request, diff) are table-tested in
// test/unit/instance-rules.test.ts.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import * as $Ecs from "@alicloud/ecs20140526";
import * as fc from "fast-check";
import type { RunningEmulator, WorldSpec } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { ecsClient, resolveSettings } from "../../providers/ecs/client";
import { resourceKey } from "../../providers/ecs/client-token";
import { EcsError } from "../../providers/ecs/errors";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "../../providers/instance/args";
import { diffInstance } from "../../providers/instance/diff";
import { provider } from "../../providers/instance/provider";
import { createFingerprint, createRequest, runInstancesRequest } from "../../providers/instance/request";
import { validateInputs } from "../../providers/instance/validate";
import { passwordDigest } from "../../providers/password";
import { setProgressSink } from "../../providers/progress";
import { createTagValue, RESERVED_TAGS, readCreateTag, userTags } from "../../providers/tags";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { expectEach } from "../support/expect";
import { instanceFixtures } from "../support/instance";
import { rejection, requestLog } from "../support/requests";

const OWNER = DEMO.owner.accountId;
const WORKLOAD = DEMO.workload.accountId;
const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  paid: DEMO.images.paid,
  unapproved: DEMO.images.unapproved,
  deprecated: "m-demogoldenold01",
  other: "m-ifsiother01",
  revoked: "m-ifsirevoked01",
  arrears: "m-ifsiarrears01",
};
const ARREARS_OWNER = "4444444444444444";
const PASSWORD = "Ifsi-Test-Pass-7q";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The demo world plus the images this file needs (one whose owner goes into arrears, so others stay usable). */
function world(): WorldSpec {
  const w = demoWorld();
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [WORKLOAD] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-2024-11" },
    { ...shared, imageId: IMAGES.revoked, name: "golden-soon-revoked" },
  );
  w.accounts.push({
    accountId: ARREARS_OWNER,
    name: "owner-in-arrears",
    accessKeys: [{ accessKeyId: "LTAI-ifsi-arrears", accessKeySecret: "ifsi-arrears-secret" }],
    images: [{ ...shared, imageId: IMAGES.arrears, name: "golden-arrears" }],
  });
  return w;
}

let emu: RunningEmulator;
const progress: { message: string; warning: boolean }[] = [];

const { inputs } = instanceFixtures("vm");

type Outputs = InstanceFromSharedImageOutputs;
const p = provider as Required<typeof provider>;
const configure = (credentials?: { accessKeyId: string; accessKeySecret: string }) =>
  p.configure({ config: emulatorStackConfig(emu, { credentials }) } as never);
const check = async (news: InstanceFromSharedImageInputs, olds: Partial<InstanceFromSharedImageInputs> = {}) =>
  (await p.check(olds, news)) as {
    inputs: InstanceFromSharedImageInputs;
    failures: { property: string; reason: string }[];
  };
const create = (i: InstanceFromSharedImageInputs) => p.create(i) as Promise<{ id: string; outs: Outputs }>;
const update = (id: string, olds: Outputs, news: InstanceFromSharedImageInputs) =>
  p.update(id, olds, news) as Promise<{ outs: Outputs }>;
const read = (id: string, props: Outputs) => p.read(id, props) as Promise<{ id: string; props: Outputs }>;

/** Checks (expecting no failures), then creates, as the engine does. */
async function checkedCreate(i: InstanceFromSharedImageInputs) {
  const checked = await check(i);
  expect(checked.failures).toEqual([]);
  return { ...(await create(checked.inputs)), inputs: checked.inputs };
}

/** Where `value` holds undefined (the engine's Struct encoding rejects it, losing the result or partial state). */
function undefinedPaths(value: unknown, path = "$"): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => undefinedPaths(item, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => undefinedPaths(item, `${path}.${key}`));
  }
  return [];
}

/** A value the provider hands to the engine must encode as a Struct: no undefined anywhere. */
function expectWireSafe(value: unknown) {
  expect(undefinedPaths(value)).toEqual([]);
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

const inventory = () => emu.admin.inventory(WORKLOAD)[WORKLOAD];
const emuInstance = (id: string) => inventory().instances.find((i) => i.instanceId === id);
const disksOf = (id: string) => inventory().disks.filter((d) => d.instanceId === id);
const { lastSeq, callsSince, mutatingSince } = requestLog(() => emu);

beforeAll(async () => {
  emu = await startDemoEmulator({ world: world(), timeScale: 100 });
  await configure();
  setProgressSink((event) => progress.push({ message: event.message, warning: event.severity === "warning" }));
});

afterAll(async () => {
  setProgressSink(undefined);
  await emu.close();
});

afterEach(async () => {
  emu.admin.clearFaults();
  await configure();
});

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
        reason: expect.stringMatching(/m-doesnotexist1 does not exist in cn-hangzhou or is not shared/),
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

describe("create", () => {
  it("runs one instance, waits for Running with progress, and outputs no password", async () => {
    const since = lastSeq();
    const { id, outs } = await checkedCreate(
      inputs({ name: "web-1", tags: { team: "web" }, password: PASSWORD, description: "front end" }),
    );
    expect(outs).toMatchObject({ instanceId: id, status: "Running", name: "web-1", tags: { team: "web" } });
    expect(outs.zoneId).toBe("cn-hangzhou-h");
    expect(outs.systemDiskId).toMatch(/^d-/);
    expect(JSON.stringify(outs)).not.toContain(PASSWORD);
    expect(outs.passwordDigest).toMatch(/^[0-9a-f]{64}$/);
    const inst = emuInstance(id);
    expect(inst).toMatchObject({ status: "Running", name: "web-1", hasPassword: true, imageId: IMAGES.plain });
    // The user's tags, and the create marked done.
    expect(userTags(inst?.tags ?? {})).toEqual({ team: "web" });
    expect(readCreateTag(inst?.tags ?? {})?.state).toBe("done");
    expectWireSafe(outs);
    const run = callsSince(since, "RunInstances").filter((r) => r.params.DryRun !== "true");
    expect(run).toHaveLength(1);
    expect(run[0].params).toMatchObject({
      Amount: "1",
      ClientToken: expect.stringMatching(/^psi1-/),
      Password: "******",
    });
    expect(progress.some((l) => l.message.includes(`${id}: created from image ${IMAGES.plain}`))).toBe(true);
    expect(JSON.stringify(progress)).not.toContain(PASSWORD);
  });

  it("encrypts every disk of an encrypted shared image with this account's key", async () => {
    const { id } = await checkedCreate(
      inputs({
        imageId: IMAGES.encrypted,
        systemDisk: { kmsKeyId: DEMO.workload.kmsKeyId },
        dataDisks: [{ size: 50 }],
      }),
    );
    const disks = disksOf(id);
    expect(disks.length).toBe(3); // system, the image's data disk, ours
    for (const disk of disks) expect(disk.encrypted).toBe(true);
    expect(disks.find((d) => d.type === "system")?.kmsKeyId).toBe(DEMO.workload.kmsKeyId);
    expect(disks.find((d) => d.sizeGiB === 50)?.kmsKeyId).toBe(DEMO.workload.kmsKeyId);
  });

  it("encrypts with the service key when no key is given", async () => {
    const { id } = await checkedCreate(inputs({ imageId: IMAGES.encrypted, dataDisks: [{ size: 50 }] }));
    for (const disk of disksOf(id)) expect(disk).toMatchObject({ encrypted: true, kmsKeyId: "" });
  });

  it.each([
    [
      "InvalidImageId.NotFound when the owner revoked the share",
      () => emu.admin.revokeShare(IMAGES.revoked, WORKLOAD),
      { imageId: IMAGES.revoked },
      /refused; nothing was made or changed: imageId: image m-ifsirevoked01 does not exist in cn-hangzhou or is not shared with this account/,
    ],
    [
      "OperationDenied.ImageNotValid when the owner's KMS key is disabled",
      () => emu.admin.disableKmsKey(DEMO.ownerKmsKeyId),
      { imageId: IMAGES.encrypted },
      /the image m-demogoldenenc01 can no longer be used: .*disabled its key \(OperationDenied.ImageNotValid, HTTP 403/,
    ],
    [
      "a deprecated image, refused before RunInstances",
      () => undefined,
      { imageId: IMAGES.deprecated },
      /refused; nothing was made or changed: imageId: image m-demogoldenold01 .*of owner 1111111111111111 is deprecated/,
    ],
    [
      "a KMS key without encryption, refused before RunInstances",
      () => undefined,
      { systemDisk: { kmsKeyId: DEMO.workload.kmsKeyId } },
      /refused; nothing was made or changed: systemDisk.kmsKeyId: is set .* but the disk is not encrypted/,
    ],
    [
      "InvalidVSwitchId.NotFound with ECS's sentence",
      () => undefined,
      { vSwitchId: "vsw-missing" },
      /RunInstances failed: The specified VSwitchId "vsw-missing" does not exist in cn-hangzhou\. \(InvalidVSwitchId.NotFound, HTTP 404/,
    ],
    [
      "InvalidSecurityGroupId.NotFound with ECS's sentence",
      () => undefined,
      { securityGroupIds: ["sg-missing"] },
      /SecurityGroupId "sg-missing" does not exist .*\(InvalidSecurityGroupId.NotFound, HTTP 404/,
    ],
    [
      "InvalidInstanceType.ValueNotSupported with ECS's sentence",
      () => undefined,
      { instanceType: "ecs.x9.huge" },
      /instance type "ecs.x9.huge" is not available in cn-hangzhou-h\. \(InvalidInstanceType.ValueNotSupported, HTTP 400/,
    ],
    [
      "InvalidZoneId.NotFound with ECS's sentence",
      () => undefined,
      { zoneId: "cn-hangzhou-z" },
      /ZoneId "cn-hangzhou-z" does not exist in cn-hangzhou\. \(InvalidZoneId.NotFound, HTTP 404/,
    ],
  ])("reports %s (creating nothing)", async (_name, arrange, patch, message) => {
    arrange();
    try {
      const before = inventory().instances.length;
      const err = await rejection(create(inputs(patch as Partial<InstanceFromSharedImageInputs>)));
      expect(err.message).toMatch(message);
      expect(err.id).toBeUndefined();
      expect(inventory().instances.length).toBe(before);
    } finally {
      emu.admin.enableKmsKey(DEMO.ownerKmsKeyId);
    }
  });

  it("reports Forbidden.RAM for the demo RAM user creating from another owner's image", async () => {
    await configure(DEMO.deployer);
    // The stack approves the third party; the RAM policy of the account does not.
    const thirdParty = { approvedOwners: [OWNER, DEMO.thirdParty.accountId] };
    const err = await rejection(create(inputs({ imageId: IMAGES.unapproved, approval: thirdParty })));
    expect(err.message).toMatch(
      /RunInstances failed: the RAM user or role is not allowed to do this \(a RAM policy may restrict ecs:ImageOwnerId\) \(Forbidden.RAM, HTTP 403, RequestId [0-9A-F-]+\)/,
    );
  });

  it("lets the demo RAM user create from the approved owner's image", async () => {
    await configure(DEMO.deployer);
    const { outs } = await create(inputs());
    expect(outs.status).toBe("Running");
  });

  it("reports IdempotentParameterMismatch with what to do, and does not retry it", async () => {
    const since = lastSeq();
    emu.admin.addFault({ action: "RunInstances", kind: "error", code: "IdempotentParameterMismatch", httpStatus: 400 });
    const err = await rejection(create(inputs()));
    expect(err.message).toMatch(
      /the ClientToken of this operation was already used with different parameters \(IdempotentParameterMismatch, HTTP 400.*Fix: ECS remembers this token/,
    );
    expect(callsSince(since, "RunInstances")).toHaveLength(1);
  });

  it("retries throttling with the same ClientToken and creates one instance", async () => {
    const since = lastSeq();
    emu.admin.addFault({ action: "RunInstances", kind: "error", code: "Throttling.User", httpStatus: 400, count: 2 });
    const { id } = await create(inputs());
    const calls = callsSince(since, "RunInstances");
    expect(calls.map((c) => c.code ?? "OK")).toEqual(["Throttling.User", "Throttling.User", "OK"]);
    expect(new Set(calls.map((c) => c.params.ClientToken)).size).toBe(1);
    expect(emuInstance(id)?.status).toBe("Running");
  });

  it("gets the same instance back when the answer to RunInstances was lost (connection dropped after commit)", async () => {
    const before = inventory().instances.length;
    emu.admin.addFault({ action: "RunInstances", kind: "commitThenDrop", count: 1 });
    const i = inputs();
    const { id } = await create(i);
    expect(inventory().instances.length).toBe(before + 1);
    expect(emuInstance(id)?.status).toBe("Running");
  });

  it("re-running an interrupted create returns the instance the first run made (no duplicate)", async () => {
    const i = (await check(inputs({ name: "resumed" }))).inputs;
    // The first run got as far as RunInstances, then the process died; the engine recorded nothing.
    const api = EcsApi.forRegion(undefined, "test");
    const first = await api.runInstance(createRequest(i, createFingerprint(i), "run1.7"));
    const before = inventory().instances.length;
    const since = lastSeq();
    const { id } = await create(i);
    expect(id).toBe(first);
    expect(inventory().instances.length).toBe(before);
    expect(callsSince(since, "RunInstances")).toEqual([]);
    expect(userTags(emuInstance(id)?.tags ?? {})).toEqual({});
    expect(readCreateTag(emuInstance(id)?.tags ?? {})?.state).toBe("done");
  });

  it("a create interrupted after RunInstances and retried with other in-place settings adopts its instance and applies them", async () => {
    const given = inputs({ name: "before", tags: { team: "a" }, password: PASSWORD });
    const first = (await check(given)).inputs;
    // The first run got as far as RunInstances, then the process died; the engine recorded nothing.
    const api = EcsApi.forRegion(first.region, "test");
    const earlier = await api.runInstance({
      ...createRequest(first, createFingerprint(first), "run1.7"),
      password: PASSWORD,
    });
    // Edited before the next up; the engine passes the same (no) previous inputs to check.
    const edited = (
      await check({
        ...given,
        name: "after",
        description: "now described",
        hostName: "web-after",
        tags: { team: "b" },
        password: "Changed-Pass-99",
      })
    ).inputs;
    const before = inventory().instances.length;
    const since = lastSeq();
    const { id, outs } = await create(edited);
    expect(id).toBe(earlier);
    expect(inventory().instances.length).toBe(before);
    expect(emuInstance(id)).toMatchObject({
      status: "Running",
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { team: "b" },
    });
    expect(outs).toMatchObject({ name: "after", description: "now described", tags: { team: "b" } });
    expect(outs.passwordDigest).toBe(passwordDigest(edited.identity.urn, "Changed-Pass-99"));
    // Found by its create tag, not made again, and brought up to date.
    expect(callsSince(since, "RunInstances")).toEqual([]);
    const modify = callsSince(since, "ModifyInstanceAttribute");
    expect(modify).toHaveLength(1);
    expect(modify[0].params).toMatchObject({ InstanceName: "after", HostName: "web-after", Password: "******" });
  });

  it("deletes an instance an interrupted run of the same resource made with other replacing inputs (no leak)", async () => {
    const first = (await check(inputs({ name: "edited-after-crash" }))).inputs;
    // The first run got as far as RunInstances, then the process died; then the instance type was edited.
    const api = EcsApi.forRegion(first.region, "test");
    const orphan = await api.runInstance(createRequest(first, createFingerprint(first), "run1.7"));
    const edited = (await check({ ...first, instanceType: "ecs.g7.xlarge" })).inputs;
    const { id } = await create(edited);
    expect(id).not.toBe(orphan);
    expect(emuInstance(orphan)).toBeUndefined();
    expect(emuInstance(id)).toMatchObject({ status: "Running", instanceType: "ecs.g7.xlarge" });
    expect(progress.some((l) => l.warning && l.message.includes(`deleting ${orphan}`))).toBe(true);
  });

  it("gives a forced replacement with identical inputs a NEW instance (the replaced one finished its create)", async () => {
    const given = inputs({ name: "replaced" });
    const one = await checkedCreate(given);
    const replacement = await check(given, one.inputs);
    expect(replacement.inputs).toEqual(one.inputs);
    const two = await create(replacement.inputs);
    expect(two.id).not.toBe(one.id);
    expect(emuInstance(one.id)?.status).toBe("Running");
    expect(emuInstance(two.id)?.status).toBe("Running");
  });

  it("destroy and re-create of the same resource costs one RunInstances each cycle, and never returns a deleted instance", async () => {
    const given = inputs({ name: "ephemeral" });
    const seen = new Set<string>();
    for (let cycle = 1; cycle <= 7; cycle++) {
      const since = lastSeq();
      const made = await checkedCreate(given);
      expect(seen.has(made.id)).toBe(false);
      seen.add(made.id);
      const runs = callsSince(since, "RunInstances").filter((r) => r.params.DryRun !== "true");
      expect(runs.map((r) => r.code ?? "OK")).toEqual(["OK"]);
      await p.delete(made.id, made.outs);
    }
  });

  it("hands a half-made instance to the engine with the partial state (its create tag marked done)", async () => {
    emu.admin.addFault({
      action: "UntagResources",
      kind: "error",
      code: "InvalidParameter",
      httpStatus: 400,
      count: 1,
    });
    const i = inputs({ name: "handed-over" });
    const err = await rejection(create(i));
    expect(err.message).toMatch(/^UntagResources failed: /);
    const tags = emuInstance(err.id as string)?.tags ?? {};
    expect(tags[RESERVED_TAGS.create]).toBe(
      createTagValue({ state: "done", resourceKey: resourceKey(i.identity), fingerprint: createFingerprint(i) }),
    );
    expect(tags[RESERVED_TAGS.launch]).toBeUndefined();
    expect(readCreateTag(tags)?.state).toBe("done");
  });

  it("does not hand over an instance it cannot even mark, and the next create adopts and finishes it", async () => {
    // Both the create's tagging and the hand-over of the partial state fail: no partial state, the tag stays pending.
    emu.admin.addFault({
      action: "UntagResources",
      kind: "error",
      code: "InvalidParameter",
      httpStatus: 400,
      count: 2,
    });
    const i = inputs({ name: "half-made", password: PASSWORD });
    const since = lastSeq();
    const err = await rejection(create(i));
    expect(err.message).toMatch(/^UntagResources failed: .*\(InvalidParameter, HTTP 400/);
    expect(err.message).toMatch(/could not be marked as handed over to Pulumi, so Pulumi does not record it/);
    expect(err.id).toBeUndefined();
    expect(err.message).not.toContain(PASSWORD);
    const [run] = callsSince(since, "RunInstances").filter((c) => c.params.DryRun !== "true");
    const instanceId = inventory().instances.find((x) => x.name === "half-made")?.instanceId as string;
    expect(run).toBeDefined();
    expect(readCreateTag(emuInstance(instanceId)?.tags ?? {})).toEqual({
      state: "pending",
      resourceKey: resourceKey(i.identity),
      fingerprint: createFingerprint(i),
    });
    const { id, outs } = await create(i);
    expect(id).toBe(instanceId);
    expect(callsSince(since, "RunInstances").filter((c) => c.params.DryRun !== "true")).toHaveLength(1);
    expect(outs.status).toBe("Running");
    expect(outs.systemDiskId).toBe(disksOf(id).find((d) => d.type === "system")?.diskId);
    expectWireSafe(outs);
    expect(readCreateTag(emuInstance(id)?.tags ?? {})?.state).toBe("done");
  });

  it("rethrows a programmer error met while observing the instance for partial state", async () => {
    const api = EcsApi.forRegion(undefined, "test");
    let tagFailed = false;
    const getInstance = api.getInstance.bind(api);
    const observe = jest.spyOn(api, "getInstance").mockImplementation(async (id) => {
      if (tagFailed) throw new TypeError("a bug in the observation");
      return getInstance(id);
    });
    const tag = jest.spyOn(api, "removeInstanceTag").mockImplementation(async () => {
      tagFailed = true;
      throw new EcsError({
        action: "UntagResources",
        code: "InternalError",
        sentence: "ECS reported an internal error",
      });
    });
    try {
      const err = await rejection(create(inputs()));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toBe("a bug in the observation");
    } finally {
      observe.mockRestore();
      tag.mockRestore();
    }
  });
});

describe("update, read and delete", () => {
  it("updates name, description, host name, tags and password in place", async () => {
    const made = await checkedCreate(inputs({ name: "before", tags: { a: "1", b: "2" }, password: PASSWORD }));
    const news = {
      ...made.inputs,
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { a: "1", c: "3" },
      password: "Changed-Pass-99",
    };
    const diff = await p.diff(made.id, made.outs, news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const since = lastSeq();
    const { outs } = await update(made.id, made.outs, news);
    expect(outs).toMatchObject({
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { a: "1", c: "3" },
    });
    expect(outs.passwordDigest).not.toBe(made.outs.passwordDigest);
    expect(userTags(emuInstance(made.id)?.tags ?? {})).toEqual({ a: "1", c: "3" });
    expectWireSafe(outs);
    const modify = callsSince(since, "ModifyInstanceAttribute");
    expect(modify).toHaveLength(1);
    expect(modify[0].params.Password).toBe("******");
    expect(JSON.stringify(outs)).not.toContain("Changed-Pass-99");
    expect(await p.diff(made.id, outs, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("replaces the system disk in place on an image change with onImageChange replaceSystemDisk", async () => {
    const made = await checkedCreate(inputs({ onImageChange: "replaceSystemDisk", password: PASSWORD }));
    const checked = await check({ ...made.inputs, imageId: IMAGES.other }, made.inputs);
    expect(checked.failures).toEqual([]);
    const diff = await p.diff(made.id, made.outs, checked.inputs);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs } = await update(made.id, made.outs, checked.inputs);
    expect(outs).toMatchObject({ instanceId: made.id, imageId: IMAGES.other, status: "Running" });
    expect(outs.systemDiskId).not.toBe(made.outs.systemDiskId);
    const inst = emuInstance(made.id);
    expect(inst).toMatchObject({ imageId: IMAGES.other, status: "Running", hasPassword: true });
    expect(userTags(inst?.tags ?? {})).toEqual({});
    expect(Object.keys(inst?.tags ?? {})).toEqual([RESERVED_TAGS.create]);
    // The create tag follows the new image, so a later replacement knows this instance as the one it replaces.
    expect(readCreateTag(inst?.tags ?? {})).toMatchObject({
      state: "done",
      fingerprint: createFingerprint(checked.inputs),
    });
    const since = lastSeq();
    const replacement = await check({ ...checked.inputs, instanceType: "ecs.g7.xlarge" }, checked.inputs);
    const next = await create(replacement.inputs);
    expect(next.id).not.toBe(made.id);
    // The replaced instance is the engine's to delete: create never touched it.
    expect(callsSince(since, "DeleteInstance")).toEqual([]);
    expect(emuInstance(made.id)?.status).toBe("Running");
  });

  it("read reports ECS's current values (drift), a stopped instance, and deletion", async () => {
    const made = await checkedCreate(inputs({ name: "drifty", tags: { team: "a" } }));
    emu.admin.modifyInstance(made.id, {
      name: "renamed-by-hand",
      tags: { team: "b", extra: "x" },
      status: "Stopped",
    });
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expect(props).toMatchObject({ name: "renamed-by-hand", tags: { team: "b", extra: "x" }, status: "Stopped" });
    expect(progress.some((l) => l.warning && l.message.includes(`${made.id} is Stopped`))).toBe(true);
    const diff = diffInstance(props, made.inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [], attributes: ["name"], tags: true });
    emu.admin.deleteInstance(made.id);
    expect(await read(made.id, made.outs)).toEqual({ id: "", props: {} });
  });

  it("read after the key pair was detached outside Pulumi returns values the engine can encode and shows the drift", async () => {
    const made = await checkedCreate(inputs({ keyPairName: DEMO.workload.keyPairName }));
    expect(made.outs.keyPairName).toBe(DEMO.workload.keyPairName);
    const client = ecsClient(resolveSettings(undefined, "test"));
    await client.detachKeyPair(
      new $Ecs.DetachKeyPairRequest({
        regionId: DEMO.region,
        keyPairName: DEMO.workload.keyPairName,
        instanceIds: JSON.stringify([made.id]),
      }),
    );
    expect(emuInstance(made.id)?.keyPairName).toBe("");
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expectWireSafe(props);
    expect(Object.keys(props)).not.toContain("keyPairName");
    expect(diffInstance(props, made.inputs).replaces).toEqual(["keyPairName"]);
  });

  it("reads, diffs and deletes in the region recorded at create after the stack's region setting changed", async () => {
    const given = inputs({ name: "regional" });
    const made = await checkedCreate(given);
    expect(made.outs.region).toBe(DEMO.region);
    await p.configure({ config: emulatorStackConfig(emu, { region: DEMO.otherRegion }) } as never);
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expect(props).toMatchObject({ region: DEMO.region, status: "Running", name: "regional" });
    const rechecked = await check(given, made.inputs);
    expect(rechecked.inputs.region).toBe(DEMO.otherRegion);
    const diff = await p.diff(made.id, props, rechecked.inputs);
    expect(diff.replaces).toContain("region");
    await p.delete(made.id, props);
    expect(emuInstance(made.id)).toBeUndefined();
  });

  it("read fills in a system disk id that is missing (a create that failed before reading it)", async () => {
    const made = await checkedCreate(inputs());
    const { props } = await read(made.id, { ...made.outs, systemDiskId: "" });
    expect(props.systemDiskId).toBe(made.outs.systemDiskId);
    expect(props.systemDiskId).toMatch(/^d-/);
  });

  it("delete force-deletes, waits until gone, and treats an already deleted instance as success", async () => {
    const made = await checkedCreate(inputs());
    const since = lastSeq();
    await p.delete(made.id, made.outs);
    expect(emuInstance(made.id)).toBeUndefined();
    expect(callsSince(since, "DeleteInstance")[0].params.Force).toBe("true");
    await expect(p.delete(made.id, made.outs)).resolves.toBeUndefined();
  });

  it("deletes made together go out as one DeleteInstances, and one instance already gone does not fail the others", async () => {
    const made = await Promise.all([1, 2, 3, 4].map(() => checkedCreate(inputs())));
    emu.admin.deleteInstance(made[2].id);
    const since = lastSeq();
    await Promise.all(made.map((m) => p.delete(m.id, m.outs)));
    for (const m of made) expect(emuInstance(m.id)).toBeUndefined();
    const [batch, ...others] = callsSince(since, "DeleteInstances");
    expect(others).toEqual([]);
    expect(batch.params).toMatchObject({ Force: "true", "InstanceId.1": made[0].id, "InstanceId.4": made[3].id });
    // Refused as a whole for the one that is gone, then each alone (the gone one counts as deleted).
    expect(callsSince(since, "DeleteInstance").map((c) => c.params.InstanceId)).toEqual(made.map((m) => m.id));
  });

  it("update of an instance deleted behind Pulumi's back says to refresh", async () => {
    const made = await checkedCreate(inputs());
    emu.admin.deleteInstance(made.id);
    const err = await rejection(update(made.id, made.outs, { ...made.inputs, name: "x-1" }));
    expect(err.message).toMatch(/no longer exists .*run pulumi refresh/);
  });
});

describe("status batching across resources in one provider process", () => {
  const N = 150;
  let made: { id: string; outs: Outputs }[] = [];

  it(`${N} concurrent creates share DescribeInstances calls (100 ids each)`, async () => {
    const since = lastSeq();
    const api = EcsApi.forRegion(undefined, "test");
    const observe = jest.spyOn(api, "getInstance");
    let observations = 0;
    try {
      made = await Promise.all(Array.from({ length: N }, () => create(inputs())));
      observations = observe.mock.calls.length;
    } finally {
      observe.mockRestore();
    }
    const describeCalls = callsSince(since, "DescribeInstances").length;
    // Unbatched, every observation would be a call; batched, the creates looking at about the same time share one.
    expect(observations).toBeGreaterThanOrEqual(N);
    // Everything but RunInstances is shared: the image's check, handing over (one UntagResources per 50), and the
    // system disks (one listing per launch tag value), so an instance costs little more than its RunInstances.
    const calls = callsSince(since);
    expect(calls.filter((c) => c.action === "RunInstances")).toHaveLength(N);
    // (Bounds loose enough for a loaded machine, where the creates reach Running spread over more batch windows.)
    expect(calls.filter((c) => c.action === "UntagResources").length).toBeLessThanOrEqual(N / 3);
    expect(calls.filter((c) => c.action === "DescribeDisks").length).toBeLessThanOrEqual(N / 5);
    expect(calls.filter((c) => c.action === "TagResources")).toEqual([]);
    expect(describeCalls).toBeLessThanOrEqual(N / 3);
    const [byId, byTag] = [
      callsSince(since, "DescribeInstances").filter((c) => c.params.InstanceIds !== undefined),
      callsSince(since, "DescribeInstances").filter((c) => c.params.InstanceIds === undefined),
    ];
    for (const call of byId) expect(JSON.parse(call.params.InstanceIds).length).toBeLessThanOrEqual(100);
    // Looking for instances an earlier run of each create left (by the create tag) is a listing per batch window
    // for all of them, not a call per create.
    expect(byTag.length).toBeLessThanOrEqual(5);
    expectEach(byTag, { params: expect.objectContaining({ "Tag.1.Key": RESERVED_TAGS.create }) });
  }, 120_000);

  it(`${N} concurrent reads cost ceil(N/100) DescribeInstances calls, and one listing by the create tag`, async () => {
    const since = lastSeq();
    const results = await Promise.all(made.map((m) => read(m.id, m.outs)));
    expectEach(results, { props: expect.objectContaining({ status: "Running" }) });
    const calls = callsSince(since, "DescribeInstances");
    expect(calls.filter((c) => c.params.InstanceIds !== undefined)).toHaveLength(Math.ceil(N / 100));
    // The look for instances interrupted runs left (refresh names them): at most one listing, page by page, for all
    // reads (none when a read earlier in this process listed within the minute).
    const listing = calls.filter((c) => c.params.InstanceIds === undefined);
    // May be empty (see above), so each listing is checked by key rather than with expectEach.
    expect(listing.map((c) => c.params["Tag.1.Key"])).toEqual(listing.map(() => RESERVED_TAGS.create));
    expect(listing.length).toBeLessThanOrEqual(Math.ceil(inventory().instances.length / 100));
  });
});
