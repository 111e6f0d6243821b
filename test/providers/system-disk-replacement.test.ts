// SystemDiskReplacement's provider methods called directly against an in-process emulator (fresh world, port 0),
// through the real SDK inside EcsApi.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import * as $Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator, WorldSpec } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { ecsClient, resolveSettings } from "../../providers/ecs/client";
import { clientToken, resourceKey } from "../../providers/ecs/client-token";
import { instanceInStatus, poll, pollDelays } from "../../providers/ecs/wait";
import type { PartialStateError } from "../../providers/partial";
import { passwordDigest } from "../../providers/password";
import { setProgressSink } from "../../providers/progress";
import { diffSystemDiskReplacement } from "../../providers/system-disk/diff";
import { runSystemDiskSequence } from "../../providers/system-disk/sequence";
import {
  provider,
  type SystemDiskReplacementInputs,
  type SystemDiskReplacementOutputs,
} from "../../providers/system-disk-replacement";
import { MARKER_TAGS, RESERVED_TAGS } from "../../providers/tags";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { inputs, PASSWORD } from "../support/system-disk";

const REGION = DEMO.region;
const OWNER = DEMO.owner.accountId;
const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  unapproved: DEMO.images.unapproved,
  deprecated: "m-demogoldenold01",
  other: "m-sdrother01",
  noResize: "m-sdrnoresize01",
  revoked: "m-sdrrevoked01",
  base: DEMO.images.publicLinux,
};
const INITIAL_PASSWORD = "Initial-Pass-1";
const NO_REPLACE_USER = { accessKeyId: "LTAI-sdr-noreplace", accessKeySecret: "sdr-noreplace-secret" };

/** The demo world plus images and a RAM user this file needs. */
function world(): WorldSpec {
  const w = demoWorld();
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  const workload = w.accounts.find((a) => a.accountId === DEMO.workload.accountId);
  if (!owner || !workload) throw new Error("demo world changed: owner/workload accounts missing");
  const shared = { regionId: REGION, sizeGiB: 40, sharedWith: [DEMO.workload.accountId] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-2024-11" },
    { ...shared, imageId: IMAGES.noResize, name: "golden-fixed-size", supportsResize: false },
    { ...shared, imageId: IMAGES.revoked, name: "golden-soon-revoked" },
  );
  workload.ramUsers = [
    ...(workload.ramUsers ?? []),
    {
      name: "no-replace",
      accessKeys: [NO_REPLACE_USER],
      policies: [
        { Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] },
        { Version: "1", Statement: [{ Effect: "Deny", Action: "ecs:ReplaceSystemDisk", Resource: "*" }] },
      ],
    },
  ];
  return w;
}

let emu: RunningEmulator;
let api: EcsApi;
const progressLines: string[] = [];

let serial = 0;

/** Paths of undefined values anywhere inside `value` (the engine's Struct encoding rejects them). */
function undefinedPaths(value: unknown, at = "$"): string[] {
  if (value === undefined) return [at];
  if (Array.isArray(value)) return value.flatMap((item, i) => undefinedPaths(item, `${at}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => undefinedPaths(item, `${at}.${key}`));
  }
  return [];
}

/**
 * An instance made in the emulator world (not by a stack), from the public image, Running unless asked; it logs in
 * with the demo key pair, or with a password when asked.
 */
async function newInstance(options: { password?: boolean; stopped?: boolean } = {}): Promise<string> {
  const id = await api.runInstance({
    imageId: IMAGES.base,
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    keyPairName: options.password ? undefined : DEMO.workload.keyPairName,
    password: options.password ? INITIAL_PASSWORD : undefined,
    clientToken: `sdr-test-${++serial}`,
  });
  await waitFor(id, "Running");
  if (options.stopped) {
    await api.stopInstance(id);
    await waitFor(id, "Stopped");
  }
  return id;
}

function waitFor(id: string, status: "Running" | "Stopped") {
  return poll({
    describe: () => api.getInstance(id),
    acceptor: instanceInStatus(status),
    what: `test instance ${id} ${status}`,
    timeoutMs: 30_000,
    ...pollDelays(),
  });
}

function emuInstance(id: string) {
  const inst = emu.admin
    .inventory(DEMO.workload.accountId)
    [DEMO.workload.accountId].instances.find((i) => i.instanceId === id);
  if (!inst) throw new Error(`no instance ${id} in the emulator`);
  return inst;
}

function systemDisks(id: string) {
  return emu.admin
    .inventory(DEMO.workload.accountId)
    [DEMO.workload.accountId].disks.filter((d) => d.instanceId === id && d.type === "system");
}

function hasMarker(id: string): boolean {
  return Object.keys(emuInstance(id).tags).some((key) => key === MARKER_TAGS.priorStatus);
}

/** Mutating calls since `since` (request log seq). */
function mutatingSince(since: number) {
  return emu.admin
    .requests({ since })
    .filter((r) => r.mutating)
    .map((r) => r.action);
}

const lastSeq = () => emu.admin.requests().at(-1)?.seq ?? 0;

async function rejection(promise: Promise<unknown>): Promise<Error & Partial<PartialStateError>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Partial<PartialStateError>;
  }
  throw new Error("expected a rejection");
}

const configure = (credentials?: { accessKeyId: string; accessKeySecret: string }) =>
  (provider.configure as (req: unknown) => Promise<void>)({ config: emulatorStackConfig(emu, { credentials }) });
const create = (i: SystemDiskReplacementInputs) =>
  provider.create(i) as Promise<{ id: string; outs: SystemDiskReplacementOutputs }>;
const check = (olds: Partial<SystemDiskReplacementInputs>, news: SystemDiskReplacementInputs) =>
  (provider.check as NonNullable<typeof provider.check>)(olds, news);

beforeAll(async () => {
  emu = await startDemoEmulator({ world: world(), timeScale: 100 });
  await configure();
  api = EcsApi.forRegion(REGION, "test");
  setProgressSink((event) => progressLines.push(event.message));
});

afterAll(async () => {
  setProgressSink(undefined);
  await emu.close();
});

describe("check against ECS (read-only)", () => {
  let instanceId: string;
  beforeAll(async () => {
    instanceId = await newInstance();
  });

  async function failuresFor(patch: Partial<SystemDiskReplacementInputs>) {
    const since = lastSeq();
    const result = await check({}, inputs(instanceId, patch));
    expect(mutatingSince(since)).toEqual([]);
    return result.failures;
  }

  it("accepts an approved shared image for an existing instance", async () => {
    expect(await failuresFor({})).toEqual([]);
  });

  it("reports an instance that does not exist", async () => {
    expect(await failuresFor({ instanceId: "i-bp1doesnotexist" })).toEqual([
      {
        property: "instanceId",
        reason: `instance i-bp1doesnotexist does not exist in ${REGION} (or these credentials cannot see it)`,
      },
    ]);
  });

  it("reports an image that does not exist or is not shared", async () => {
    expect(await failuresFor({ imageId: "m-nosuchimage" })).toEqual([
      {
        property: "imageId",
        reason: `image m-nosuchimage is not visible to this account in ${REGION}: it does not exist there, or its owner has not shared it with this account (or revoked the share)`,
      },
    ]);
  });

  it("refuses an image whose owner is not approved, naming image and owner", async () => {
    expect(await failuresFor({ imageId: IMAGES.unapproved })).toEqual([
      {
        property: "imageId",
        reason: `image ${IMAGES.unapproved} ("handy-tools-image") of owner 3333333333333333 is not approved: the owner is not in approvedOwners (${OWNER})`,
      },
    ]);
  });

  it("refuses a deprecated image", async () => {
    expect(await failuresFor({ imageId: IMAGES.deprecated })).toEqual([
      { property: "imageId", reason: expect.stringContaining("is deprecated by its owner") },
    ]);
  });

  it("encrypts the disk of an encrypted shared image by default, shown as imageEncrypted; refuses encrypted: false", async () => {
    const checked = await check({}, inputs(instanceId, { imageId: IMAGES.encrypted }));
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ imageEncrypted: true });
    expect(checked.inputs).not.toHaveProperty("encrypted");
    expect(await failuresFor({ imageId: IMAGES.encrypted, encrypted: true })).toEqual([]);
    expect(await failuresFor({ imageId: IMAGES.encrypted, encrypted: false })).toEqual([
      { property: "encrypted", reason: expect.stringContaining(`image ${IMAGES.encrypted} is encrypted`) },
    ]);
    expect((await check({}, inputs(instanceId))).inputs).toMatchObject({ imageEncrypted: false });
  });

  it("refuses a KMS key for a plain image without encrypted: true", async () => {
    expect(await failuresFor({ kmsKeyId: DEMO.workload.kmsKeyId })).toEqual([
      {
        property: "kmsKeyId",
        reason: expect.stringMatching(/is not encrypted and encrypted is not set; set encrypted: true/),
      },
    ]);
  });

  it("refuses a size smaller than the image", async () => {
    expect(await failuresFor({ systemDiskSize: 30 })).toEqual([
      { property: "systemDiskSize", reason: `30 GiB is smaller than image ${IMAGES.plain} (40 GiB)` },
    ]);
  });

  it("skips the ECS checks when nothing they cover changed (fast previews)", async () => {
    const news = inputs(instanceId);
    const since = lastSeq();
    expect((await check(news, { ...news, restart: "running" })).failures).toEqual([]);
    expect(emu.admin.requests({ since })).toEqual([]);
  });

  it("skips the ECS checks while a nested input is unknown, and reports no failure", async () => {
    const since = lastSeq();
    const result = await check({}, inputs(instanceId, { approval: { approvedOwners: [UNKNOWN] } }));
    expect(result.failures).toEqual([]);
    expect(emu.admin.requests({ since })).toEqual([]);
    // Unknown, not absent: a plan saved by this preview must accept the value the check finds at apply time.
    expect(result.inputs.imageEncrypted).toBe(UNKNOWN);
  });

  it("resolves the region from the stack config and records it in the checked inputs", async () => {
    const { region: _region, ...withoutRegion } = inputs(instanceId);
    const result = await check({}, withoutRegion);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ region: REGION });
  });

  it("returns inputs without undefined values", async () => {
    const result = await check({}, inputs(instanceId, { password: undefined, systemDiskSize: undefined }));
    expect(result.failures).toEqual([]);
    expect(undefinedPaths(result.inputs)).toEqual([]);
  });
});

describe("a change of the stack's default region", () => {
  it("is a replacement, and read still looks where the instance is", async () => {
    const instanceId = await newInstance();
    const { region: _region, ...withoutRegion } = inputs(instanceId);
    const checked = (await check({}, withoutRegion)).inputs as SystemDiskReplacementInputs;
    const { outs } = await create(checked);
    expect(outs.region).toBe(REGION);
    try {
      await (provider.configure as (req: unknown) => Promise<void>)({
        config: emulatorStackConfig(emu, { region: DEMO.otherRegion }),
      });
      const next = await check(checked, withoutRegion);
      expect(next.inputs).toMatchObject({ region: DEMO.otherRegion });
      const diff = await (provider.diff as NonNullable<typeof provider.diff>)(instanceId, outs, next.inputs);
      expect(diff).toMatchObject({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
      const read = await (provider.read as NonNullable<typeof provider.read>)(instanceId, outs);
      expect(read).toEqual({ id: instanceId, props: outs });
    } finally {
      await configure();
    }
  });

  it("read records the region of a state written before regions were recorded", async () => {
    const instanceId = await newInstance();
    const { outs } = await create(inputs(instanceId));
    const { region: _region, ...legacy } = outs;
    const read = await (provider.read as NonNullable<typeof provider.read>)(instanceId, legacy);
    expect(read.props).toEqual(outs);
  });
});

describe("create", () => {
  it("stops, replaces, keeps the key pair and starts a Running instance again", async () => {
    const instanceId = await newInstance();
    const oldDisk = systemDisks(instanceId)[0].diskId;
    progressLines.length = 0;
    const since = lastSeq();
    const { id, outs } = await create(inputs(instanceId));
    expect(id).toBe(instanceId);
    const inst = emuInstance(instanceId);
    expect(inst).toMatchObject({ status: "Running", imageId: IMAGES.plain, keyPairName: DEMO.workload.keyPairName });
    expect(hasMarker(instanceId)).toBe(false);
    const [disk] = systemDisks(instanceId);
    expect(outs).toMatchObject({
      previousImageId: IMAGES.base,
      previousSystemDiskId: oldDisk,
      newSystemDiskId: disk.diskId,
      imageId: IMAGES.plain,
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(disk.diskId).not.toBe(oldDisk);
    const replace = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace).toHaveLength(1);
    expect(replace[0].params).toMatchObject({
      KeyPairName: DEMO.workload.keyPairName,
      ClientToken: expect.any(String),
    });
    expect(replace[0].params).not.toHaveProperty("PasswordInherit");
    expect(emu.admin.requests({ since, action: "StopInstance" })[0].params.StoppedMode).toBe("KeepCharging");
    expect(progressLines.some((l) => l.includes("replacing the system disk"))).toBe(true);
    expect(progressLines.some((l) => l.includes("starting again"))).toBe(true);
  });

  it("refuses at preview to re-image a password instance without a declared password, saying what to set", async () => {
    const instanceId = await newInstance({ password: true });
    const since = lastSeq();
    const { failures } = await check({}, inputs(instanceId));
    expect(failures).toEqual([
      {
        property: "password",
        reason: expect.stringMatching(
          /has no key pair, so it logs in with a password .*ECS cannot carry a password over to a new system disk\. Set password .*passwordInherit: true .*keyPairName/,
        ),
      },
    ]);
    // And create, should the preview have been skipped, refuses before touching the instance.
    const err = await rejection(create(inputs(instanceId)));
    expect(err.message).toMatch(/refused; nothing was made or changed: password: instance .* has no key pair/);
    expect(mutatingSince(since)).toEqual([]);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.base, hasPassword: true });
  });

  it("gives a password instance its declared password again, never PasswordInherit unless asked", async () => {
    const instanceId = await newInstance({ password: true });
    const since = lastSeq();
    await create(inputs(instanceId, { password: INITIAL_PASSWORD }));
    const [replace] = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace.params).toMatchObject({ Password: "******" });
    expect(replace.params).not.toHaveProperty("PasswordInherit");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain, hasPassword: true });
  });

  it("leaves a Stopped instance Stopped (restart: previous) without calling StopInstance", async () => {
    const instanceId = await newInstance({ stopped: true });
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Stopped");
    expect(emuInstance(instanceId).status).toBe("Stopped");
    expect(mutatingSince(since)).toEqual(["TagResources", "ReplaceSystemDisk", "UntagResources"]);
  });

  it("starts a Stopped instance when restart is running", async () => {
    const instanceId = await newInstance({ stopped: true });
    const { outs } = await create(inputs(instanceId, { restart: "running" }));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId).status).toBe("Running");
  });

  it("sets a new password, which never reaches outputs, progress or the request log", async () => {
    const instanceId = await newInstance();
    const since = lastSeq();
    progressLines.length = 0;
    const { outs } = await create(inputs(instanceId, { password: PASSWORD, systemDiskSize: 60 }));
    // Not even as the secret a revert on delete would need: this resource does not revert.
    expect(JSON.stringify(outs)).not.toContain(PASSWORD);
    expect(outs.passwordDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(progressLines.join("\n")).not.toContain(PASSWORD);
    const [replace] = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace.params).toMatchObject({ Password: "******", "SystemDisk.Size": "60" });
    expect(emuInstance(instanceId)).toMatchObject({ keyPairName: "", hasPassword: true });
    expect(systemDisks(instanceId)[0].sizeGiB).toBe(60);
  });

  it("encrypts the new disk of an encrypted shared image with the given key", async () => {
    const instanceId = await newInstance();
    await create(inputs(instanceId, { imageId: IMAGES.encrypted, encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId }));
    expect(systemDisks(instanceId)[0]).toMatchObject({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
  });

  it("encrypts the new disk of an encrypted image without encrypted: true, as InstanceFromSharedImage does", async () => {
    const instanceId = await newInstance();
    const declared = inputs(instanceId, { imageId: IMAGES.encrypted, kmsKeyId: DEMO.workload.kmsKeyId });
    const checked = await check({}, declared);
    expect(checked.failures).toEqual([]);
    const { outs } = await create(checked.inputs as SystemDiskReplacementInputs);
    expect(systemDisks(instanceId)[0]).toMatchObject({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
    // The next preview: same inputs, nothing to do, no ECS call.
    const since = lastSeq();
    const again = await check(checked.inputs as SystemDiskReplacementInputs, declared);
    expect(diffSystemDiskReplacement(outs, again.inputs as SystemDiskReplacementInputs).changes).toBe(false);
    expect(emu.admin.requests({ since })).toEqual([]);
  });

  it("returns outputs without undefined values", async () => {
    const instanceId = await newInstance();
    const { outs } = await create(
      inputs(instanceId, { password: undefined, keyPairName: undefined, systemDiskSize: undefined }),
    );
    expect(undefinedPaths(outs)).toEqual([]);
  });

  it("does nothing to an instance already on the image (no re-imaging)", async () => {
    const instanceId = await newInstance();
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId, { imageId: IMAGES.base, approval: { approvedOwners: [OWNER] } }));
    expect(mutatingSince(since)).toEqual([]);
    expect(outs).toMatchObject({ previousImageId: IMAGES.base, imageId: IMAGES.base, instanceStatus: "Running" });
  });
});

describe("ECS refusals: the message a user sees, and the instance is back as it was", () => {
  async function refused(
    patch: Partial<SystemDiskReplacementInputs>,
    options: { expectStopped?: boolean; before?: (id: string) => Promise<void> | void } = {},
  ) {
    const instanceId = await newInstance();
    await options.before?.(instanceId);
    const err = await rejection(create(inputs(instanceId, patch)));
    expect(err.id).toBeUndefined(); // nothing changed, so no partial state
    const inst = emuInstance(instanceId);
    expect(inst.status).toBe(options.expectStopped ? "Stopped" : "Running");
    expect(inst.imageId).toBe(IMAGES.base);
    expect(hasMarker(instanceId)).toBe(false);
    // Refused either by the provider's own checks before anything happened, or by ECS, then undone.
    expect(err.message).toMatch(/Nothing was replaced|nothing was made or changed/);
    return err.message;
  }

  it("InvalidKeyPairName.NotFound", async () => {
    expect(await refused({ keyPairName: "no-such-key" })).toMatch(
      /^ReplaceSystemDisk failed: the key pair no-such-key does not exist \(InvalidKeyPairName\.NotFound, HTTP 404, RequestId [\w-]+\)\. Fix: check the key pair name and region\./,
    );
  });

  it("a size below the image's, refused before anything happens", async () => {
    expect(await refused({ systemDiskSize: 30 })).toContain(
      `systemDiskSize: 30 GiB is smaller than image ${IMAGES.plain} (40 GiB)`,
    );
  });

  it("InvalidSystemDiskSize.MoreThanMaxSize", async () => {
    expect(await refused({ systemDiskSize: 4000 })).toContain(
      "the system disk size is above the maximum for this category (InvalidSystemDiskSize.MoreThanMaxSize",
    );
  });

  it("InvalidSystemDiskSize.ImageNotSupportResize", async () => {
    expect(await refused({ imageId: IMAGES.noResize, systemDiskSize: 60 })).toContain(
      `the image ${IMAGES.noResize} does not support resizing the system disk (InvalidSystemDiskSize.ImageNotSupportResize`,
    );
  });

  it("a share revoked after the preview, refused before anything happens", async () => {
    const message = await refused(
      { imageId: IMAGES.revoked },
      { before: () => emu.admin.revokeShare(IMAGES.revoked, DEMO.workload.accountId) },
    );
    expect(message).toContain(
      `imageId: image ${IMAGES.revoked} is not visible to this account in ${REGION}: it does not exist there, or its owner has not shared it with this account (or revoked the share)`,
    );
  });

  it("OperationDenied.ImageNotValid when the owner is in arrears", async () => {
    try {
      const message = await refused({}, { before: () => emu.admin.setArrears(OWNER, true) });
      expect(message).toContain("can no longer be used: the owner may be in arrears");
      expect(message).toContain("OperationDenied.ImageNotValid");
    } finally {
      emu.admin.setArrears(OWNER, false);
    }
  });

  it("an unencrypted disk from an encrypted image, refused before anything happens", async () => {
    expect(await refused({ imageId: IMAGES.encrypted, encrypted: false })).toContain(
      `encrypted: image ${IMAGES.encrypted} is encrypted, so the new system disk must be too`,
    );
  });

  it("a KMS key for a plain image without encryption, refused before anything happens", async () => {
    expect(await refused({ kmsKeyId: DEMO.workload.kmsKeyId })).toContain("kmsKeyId: is set");
  });

  it("InvalidParameter.EncryptedIllegal for a KMS key with encryption off (check bypassed)", async () => {
    expect(await refused({ kmsKeyId: DEMO.workload.kmsKeyId, encrypted: false })).toContain(
      "(InvalidParameter.EncryptedIllegal",
    );
  });

  it("IncorrectInstanceStatus for an instance stopped in economical mode", async () => {
    const message = await refused(
      {},
      {
        expectStopped: true,
        before: async (id) => {
          const client = ecsClient(resolveSettings(REGION, "test"));
          await client.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: "StopCharging" }));
          await waitFor(id, "Stopped");
        },
      },
    );
    expect(message).toContain("is not in a status that allows this operation (IncorrectInstanceStatus");
    expect(message).toContain("Fix: ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode.");
  });

  it("Forbidden.RAM for a RAM user denied ReplaceSystemDisk", async () => {
    try {
      const message = await refused(
        {},
        {
          before: () => configure(NO_REPLACE_USER),
        },
      );
      expect(message).toContain("the RAM user or role is not allowed to do this");
      expect(message).toContain("(Forbidden.RAM, HTTP 403");
    } finally {
      await configure();
    }
  });

  it("refuses a security-locked instance before touching it", async () => {
    const instanceId = await newInstance();
    emu.admin.modifyInstance(instanceId, { locks: ["security"] });
    const since = lastSeq();
    const err = await rejection(create(inputs(instanceId)));
    expect(err.message).toBe(`Cannot replace the system disk of ${instanceId}: the instance is locked (security).`);
    expect(mutatingSince(since)).toEqual([]);
    emu.admin.modifyInstance(instanceId, { locks: [] });
  });

  it("never puts the password in an error message", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({
      action: "ReplaceSystemDisk",
      kind: "error",
      code: "InvalidPasswordParam.Mismatch",
      httpStatus: 400,
      message: `The password ${PASSWORD} is not allowed.`,
      count: 1,
    });
    const err = await rejection(create(inputs(instanceId, { password: PASSWORD })));
    expect(err.message).toContain("InvalidPasswordParam.Mismatch");
    expect(err.message).not.toContain(PASSWORD);
    expect(emuInstance(instanceId).status).toBe("Running");
  });
});

describe("interrupted runs are finished by the next run", () => {
  it("survives ReplaceSystemDisk committed with its response dropped (same ClientToken, one new disk)", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "ReplaceSystemDisk", kind: "commitThenDrop", count: 1 });
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId));
    const calls = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(calls).toHaveLength(2);
    expect(calls[0].params.ClientToken).toBe(calls[1].params.ClientToken);
    expect(calls.map((c) => c.fault)).toEqual(["commitThenDrop", undefined]);
    expect(systemDisks(instanceId).map((d) => d.diskId)).toEqual([outs.newSystemDiskId]);
    expect(emuInstance(instanceId).status).toBe("Running");
  });

  it("survives StopInstance and StartInstance committed with their responses dropped", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "StopInstance", kind: "commitThenDrop", count: 1 });
    emu.admin.addFault({ action: "StartInstance", kind: "commitThenDrop", count: 1 });
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
  });

  it("reports partial state when StartInstance fails after the replacement, and update restarts the instance", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "StartInstance", kind: "error", code: "Forbidden.RAM", httpStatus: 403, count: 1 });
    const news = inputs(instanceId);
    const err = await rejection(create(news));
    expect(err.id).toBe(instanceId);
    expect(err.message).toContain("will be finished (and started again) by the next pulumi up");
    const partial = err.properties as unknown as SystemDiskReplacementOutputs;
    expect(partial).toMatchObject({ interrupted: true, previousImageId: IMAGES.base });
    expect(undefinedPaths(partial)).toEqual([]);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Stopped", imageId: IMAGES.plain });
    expect(hasMarker(instanceId)).toBe(true);

    const diff = await (provider.diff as NonNullable<typeof provider.diff>)(instanceId, partial, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const since = lastSeq();
    const { outs } = (await (provider.update as NonNullable<typeof provider.update>)(instanceId, partial, news)) as {
      outs: SystemDiskReplacementOutputs;
    };
    expect(mutatingSince(since)).toEqual(["StartInstance", "UntagResources"]);
    expect(outs).toMatchObject({ instanceStatus: "Running", interrupted: false, previousImageId: IMAGES.base });
    expect(emuInstance(instanceId).status).toBe("Running");
    expect(hasMarker(instanceId)).toBe(false);
  });

  it.each([
    ["after StopInstance", "stopInstance"],
    ["after ReplaceSystemDisk committed", "replaceSystemDisk"],
    ["after StartInstance", "startInstance"],
  ] as const)("a run killed %s is finished by a new create", async (_when, method) => {
    const instanceId = await newInstance();
    const originalDisk = systemDisks(instanceId)[0].diskId;
    // The provider process dies right after this call reached ECS: nothing after it runs, no state is written.
    const crashing = new Proxy(api, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== method) return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new Error("simulated crash");
        };
      },
    });
    const news = inputs(instanceId);
    const token = clientToken(news.identity, "ReplaceSystemDisk", { instanceId });
    const err = await rejection(
      runSystemDiskSequence({
        api: crashing,
        instanceId,
        imageId: IMAGES.plain,
        credentials: { kind: "keyPair", keyPairName: DEMO.workload.keyPairName },
        restart: "previous",
        clientToken: token,
        timeoutMs: 30_000,
        urn: news.identity.urn,
      }),
    );
    expect(err.message).toContain("simulated crash");
    expect(hasMarker(instanceId)).toBe(true);

    const { outs } = await create(news);
    expect(outs).toMatchObject({
      previousImageId: IMAGES.base,
      previousSystemDiskId: originalDisk,
      imageId: IMAGES.plain,
      instanceStatus: "Running",
    });
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(systemDisks(instanceId)).toHaveLength(1);
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a run that timed out while the instance was stopping is finished by the next run", async () => {
    const instanceId = await newInstance();
    const err = await rejection(create(inputs(instanceId, { timeouts: { create: "100ms" } })));
    expect(err.message).toMatch(/^Timed out after 100ms waiting for /);
    expect(err.id).toBe(instanceId);
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
  });
});

describe("changes without a new image re-image the system disk", () => {
  const OTHER_PASSWORD = "Sdr-Rotated-Pass-7y";
  const update = (id: string, olds: SystemDiskReplacementOutputs, next: SystemDiskReplacementInputs) =>
    (provider.update as NonNullable<typeof provider.update>)(id, olds, next) as Promise<{
      outs: SystemDiskReplacementOutputs;
    }>;
  const replaceCalls = (since: number) => emu.admin.requests({ since, action: "ReplaceSystemDisk" });

  /** An instance on IMAGES.plain through create, with `extra` inputs. */
  async function replaced(extra: Partial<SystemDiskReplacementInputs> = {}) {
    const instanceId = await newInstance();
    const news = inputs(instanceId, extra);
    const since = lastSeq();
    const { outs } = await create(news);
    const [createCall] = replaceCalls(since);
    return { instanceId, news, outs, createToken: createCall.params.ClientToken };
  }

  it("a new password alone: one ReplaceSystemDisk from the same image with the new password, and a new disk", async () => {
    const { instanceId, news, outs, createToken } = await replaced({ password: PASSWORD });
    const next = { ...news, password: OTHER_PASSWORD };
    expect(diffSystemDiskReplacement(outs, next)).toMatchObject({ imageChanged: false, reimage: true });
    const since = lastSeq();
    const result = await update(instanceId, outs, next);
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toMatchObject({ ImageId: IMAGES.plain, Password: "******" });
    expect(calls[0].params).not.toHaveProperty("PasswordInherit");
    expect(calls[0].params.ClientToken).not.toBe(createToken);
    expect(mutatingSince(since)).toEqual([
      "TagResources",
      "StopInstance",
      "ReplaceSystemDisk",
      "StartInstance",
      "UntagResources",
    ]);
    const [disk] = systemDisks(instanceId);
    expect(disk.diskId).not.toBe(outs.newSystemDiskId);
    expect(result.outs).toMatchObject({
      imageId: IMAGES.plain,
      previousImageId: IMAGES.base,
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: disk.diskId,
      passwordDigest: passwordDigest(instanceId, OTHER_PASSWORD),
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(JSON.stringify(result.outs)).not.toContain(OTHER_PASSWORD);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain, hasPassword: true });
    expect(hasMarker(instanceId)).toBe(false);
    expect(diffSystemDiskReplacement(result.outs, next)).toMatchObject({ changes: false });
  });

  it("a new size alone: one ReplaceSystemDisk from the same image with the new size", async () => {
    const { instanceId, news, outs } = await replaced();
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, systemDiskSize: 60 });
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toMatchObject({
      ImageId: IMAGES.plain,
      "SystemDisk.Size": "60",
      KeyPairName: DEMO.workload.keyPairName,
    });
    const [disk] = systemDisks(instanceId);
    expect(disk).toMatchObject({ sizeGiB: 60 });
    expect(disk.diskId).not.toBe(outs.newSystemDiskId);
    expect(result.outs).toMatchObject({ systemDiskSize: 60, newSystemDiskId: disk.diskId, instanceStatus: "Running" });
  });

  it("removing the password only updates what is stored (the instance keeps its password)", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, password: undefined });
    expect(mutatingSince(since)).toEqual([]);
    expect(result.outs).not.toHaveProperty("passwordDigest");
    expect(result.outs.newSystemDiskId).toBe(outs.newSystemDiskId);
  });

  it("a re-image interrupted after ReplaceSystemDisk is finished by the next update without replacing twice", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const next = { ...news, password: OTHER_PASSWORD };
    emu.admin.addFault({ action: "StartInstance", kind: "error", code: "Forbidden.RAM", httpStatus: 403, count: 1 });
    const since = lastSeq();
    const err = await rejection(update(instanceId, outs, next));
    expect(err.id).toBe(instanceId);
    const partial = err.properties as unknown as SystemDiskReplacementOutputs;
    expect(partial).toMatchObject({ interrupted: true, imageId: IMAGES.plain });
    expect(undefinedPaths(partial)).toEqual([]);
    expect(emuInstance(instanceId).status).toBe("Stopped");
    const newDisk = systemDisks(instanceId)[0].diskId;
    expect(newDisk).not.toBe(outs.newSystemDiskId);

    // The partial state records the new disk with the new password: nothing is left but to start the instance.
    expect(diffSystemDiskReplacement(partial, next)).toMatchObject({ reimage: false, resume: true });
    const resumed = lastSeq();
    const result = await update(instanceId, partial, next);
    expect(mutatingSince(resumed)).toEqual(["StartInstance", "UntagResources"]);
    expect(replaceCalls(since)).toHaveLength(1);
    expect(result.outs).toMatchObject({
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: newDisk,
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a re-image whose process died right after ReplaceSystemDisk is finished by the next update, not repeated", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const crashing = new Proxy(api, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== "replaceSystemDisk") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new Error("simulated crash");
        };
      },
    });
    const since = lastSeq();
    await rejection(
      runSystemDiskSequence({
        api: crashing,
        instanceId,
        imageId: IMAGES.plain,
        credentials: { kind: "password", password: OTHER_PASSWORD },
        restart: "previous",
        reimage: true,
        clientToken: clientToken(news.identity, "ReplaceSystemDisk", { instanceId }),
        timeoutMs: 30_000,
        urn: news.identity.urn,
      }),
    );
    expect(hasMarker(instanceId)).toBe(true);
    // No partial state reached Pulumi: the next update starts from the old outputs.
    const result = await update(instanceId, outs, { ...news, password: OTHER_PASSWORD });
    expect(replaceCalls(since)).toHaveLength(1);
    expect(systemDisks(instanceId)).toHaveLength(1);
    expect(result.outs).toMatchObject({
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: systemDisks(instanceId)[0].diskId,
      instanceStatus: "Running",
    });
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a re-image whose answer was lost is retried with the same ClientToken: one new disk", async () => {
    const { instanceId, news, outs } = await replaced();
    emu.admin.addFault({ action: "ReplaceSystemDisk", kind: "commitThenDrop", count: 1 });
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, systemDiskSize: 50 });
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(2);
    expect(calls[0].params.ClientToken).toBe(calls[1].params.ClientToken);
    expect(systemDisks(instanceId).map((d) => d.diskId)).toEqual([result.outs.newSystemDiskId]);
    expect(result.outs.newSystemDiskId).not.toBe(outs.newSystemDiskId);
  });

  it("a refused re-image leaves the instance as it was (no second replacement while undoing)", async () => {
    const { instanceId, news, outs } = await replaced();
    const since = lastSeq();
    const err = await rejection(update(instanceId, outs, { ...news, keyPairName: "no-such-key" }));
    expect(err.message).toContain("InvalidKeyPairName.NotFound");
    // Refused either by the provider's own checks before anything happened, or by ECS, then undone.
    expect(err.message).toMatch(/Nothing was replaced|nothing was made or changed/);
    expect(err.id).toBeUndefined();
    expect(replaceCalls(since)).toHaveLength(1);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(systemDisks(instanceId)[0].diskId).toBe(outs.newSystemDiskId);
    expect(hasMarker(instanceId)).toBe(false);
  });
});

it("refuses at check an instance without room for the marker and origin tags (ECS allows 20 tags)", async () => {
  const instanceId = await newInstance();
  const tags = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`team-${i}`, "x"]));
  await api.setTags("instance", instanceId, emuInstance(instanceId).tags, { ...emuInstance(instanceId).tags, ...tags });
  const { failures } = await check({}, inputs(instanceId));
  expect(failures).toEqual([
    {
      property: "instanceId",
      reason: expect.stringMatching(/has 17 tags, .* records 4 more \(ECS allows 20\): remove 1 of its tags first/),
    },
  ]);
});

describe("two SystemDiskReplacements of one instance (a rename makes the new one before deleting the old)", () => {
  const del = (id: string, outs: SystemDiskReplacementOutputs) =>
    (provider.delete as NonNullable<typeof provider.delete>)(id, outs);

  it.each([true, false])(
    "the old one's delete (revertOnDelete %s) leaves the instance, and its origin, to the new one",
    async (oldReverts) => {
      const instanceId = await newInstance();
      const first = await create(inputs(instanceId, { revertOnDelete: oldReverts }));
      const second = await create(inputs(instanceId, { imageId: IMAGES.other, revertOnDelete: true }));
      expect(second.outs.previousImageId).toBe(IMAGES.base);
      const since = lastSeq();
      await del(instanceId, first.outs);
      expect(mutatingSince(since)).toEqual([]);
      expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.other, status: "Running" });
      expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBe(
        `${IMAGES.base}@${resourceKey(second.outs.identity)}`,
      );
      // The new one's delete reverts to the image of before both.
      await del(instanceId, second.outs);
      expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.base, status: "Running" });
      expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBeUndefined();
    },
  );
});

describe("read, update and delete", () => {
  let instanceId: string;
  let news: SystemDiskReplacementInputs;
  let outs: SystemDiskReplacementOutputs;
  const read = (id: string, props: SystemDiskReplacementOutputs) =>
    (provider.read as NonNullable<typeof provider.read>)(id, props) as Promise<{
      id: string;
      props: SystemDiskReplacementOutputs;
    }>;
  const update = (olds: SystemDiskReplacementOutputs, next: SystemDiskReplacementInputs) =>
    (provider.update as NonNullable<typeof provider.update>)(instanceId, olds, next) as Promise<{
      outs: SystemDiskReplacementOutputs;
    }>;

  beforeAll(async () => {
    instanceId = await newInstance();
    news = inputs(instanceId);
    ({ outs } = await create(news));
  });

  it("reads back what create reported, with no mutating call", async () => {
    const since = lastSeq();
    const result = await read(instanceId, outs);
    expect(result).toEqual({ id: instanceId, props: outs });
    expect(mutatingSince(since)).toEqual([]);
    expect(undefinedPaths(result)).toEqual([]);
  });

  it("reports drift when someone replaced the system disk again", async () => {
    emu.admin.modifyInstance(instanceId, { imageId: IMAGES.other });
    const result = await read(instanceId, outs);
    expect(result.props.imageId).toBe(IMAGES.other);
    expect(diffSystemDiskReplacement(result.props, news)).toMatchObject({ changes: true, imageChanged: true });
    emu.admin.modifyInstance(instanceId, { imageId: IMAGES.plain });
  });

  it("updates only what is stored when restart changes", async () => {
    const since = lastSeq();
    const next = { ...news, restart: "running" as const, systemDiskSize: undefined };
    const result = await update(outs, next);
    expect(mutatingSince(since)).toEqual([]);
    expect(result.outs).toEqual({ ...outs, restart: "running" });
    expect(undefinedPaths(result.outs)).toEqual([]);
  });

  it("replaces the disk again when the image changes, keeping the image of before the resource as previous", async () => {
    const next = { ...news, imageId: IMAGES.other, revertOnDelete: true };
    const result = await update(outs, next);
    expect(result.outs).toMatchObject({
      previousImageId: outs.previousImageId,
      previousSystemDiskId: outs.previousSystemDiskId,
      imageId: IMAGES.other,
      instanceStatus: "Running",
    });
    expect(outs.previousImageId).toBe(IMAGES.base);
    expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.other, status: "Running" });
    expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBe(
      `${IMAGES.base}@${resourceKey(news.identity)}`,
    );
    outs = result.outs;
  });

  it("reads the origin from the instance when the state lost it (a run killed before its checkpoint)", async () => {
    const lost = { ...outs, previousImageId: IMAGES.plain };
    const since = lastSeq();
    expect((await read(instanceId, lost)).props.previousImageId).toBe(IMAGES.base);
    expect(mutatingSince(since)).toEqual([]);
  });

  it("reverts to the image of before the resource on delete when revertOnDelete is set, and drops the origin", async () => {
    // Even from a state that recorded an intermediate image: the instance's origin tag decides.
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, {
      ...outs,
      previousImageId: IMAGES.plain,
    });
    expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.base, status: "Running" });
    expect(hasMarker(instanceId)).toBe(false);
    expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBeUndefined();
  });

  it("leaves the instance as it is on delete by default", async () => {
    const since = lastSeq();
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, { ...outs, revertOnDelete: false });
    expect(mutatingSince(since)).toEqual([]);
  });

  it("reads an instance deleted behind its back as gone", async () => {
    emu.admin.deleteInstance(instanceId);
    expect(await read(instanceId, outs)).toEqual({ id: "", props: {} });
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, outs);
  });
});
