// SystemDiskReplacement end to end: the real CLI runs a local consumer program, the provider process loads the thin
// shim from state and talks to the in-process emulator through the real SDK.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { useStackConfig } from "../../providers/ecs/client";
import { instanceInStatus, poll } from "../../providers/ecs/wait";
import { passwordDigest } from "../../providers/password";
import { RESERVED_TAG_PREFIX, RESERVED_TAGS } from "../../providers/tags";
import { projectRoot } from "../../scripts/engine";
import { DEMO, demoWorld, emulatorConfigValues, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const PASSWORD = "E2e-Disk-Pass-42x";
const ROTATED_PASSWORD = "E2e-Rotated-Pass-57y";
const OTHER_IMAGE = "m-sdre2eother01";
const PROJECT = "sdr-e2e";
/** How a state file stores a secret: the engine's secret signature and the ciphertext, never the value. */
const ENCRYPTED_SECRET = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: expect.any(String),
};

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { SystemDiskReplacement } = require("pulumi-ecs-shared-images/providers/system-disk-replacement");
const config = new pulumi.Config();
const replacement = new SystemDiskReplacement("app-disk", {
  instanceId: config.require("instanceId"),
  imageId: config.require("imageId"),
  approval: { approvedOwners: [config.require("owner")] },
  password: config.requireSecret("password"),
});
exports.imageId = replacement.imageId;
exports.previousImageId = replacement.previousImageId;
exports.newSystemDiskId = replacement.newSystemDiskId;
exports.instanceStatus = replacement.instanceStatus;
`;

describe("SystemDiskReplacement through the Pulumi engine (local program, emulator)", () => {
  const work = tempDir("sdr-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  const stateFile = path.join(backendDir, ".pulumi", "stacks", PROJECT, "e2e.json");
  let emu: RunningEmulator;
  let s: EngineStack;
  let instanceId: string;

  const instance = () => {
    const inv = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const inst = inv.instances.find((i) => i.instanceId === instanceId);
    const disk = inv.disks.find((d) => d.instanceId === instanceId && d.type === "system");
    return { inst, disk };
  };
  const lastSeq = () => emu.admin.requests().at(-1)?.seq ?? 0;
  /** The resource as the state file stores it (secrets as ciphertext objects). */
  const storedResource = () => {
    const state = fs.readFileSync(stateFile, "utf8");
    const resource = JSON.parse(state).checkpoint.latest.resources.find((r: { type: string }) =>
      r.type.endsWith("ecs-shared-images:SystemDiskReplacement"),
    );
    return { state, resource };
  };
  /** The password input and the digest output (derived from it) are encrypted secrets; neither is in plaintext. */
  const expectPasswordStoredAsSecret = (password: string) => {
    const { state, resource } = storedResource();
    const digest = passwordDigest(instanceId, password) as string;
    for (const plaintext of [password, digest, DEMO.workload.accessKeySecret]) expect(state).not.toContain(plaintext);
    expect(resource.inputs.password).toEqual(ENCRYPTED_SECRET);
    expect(resource.outputs.passwordDigest).toEqual(ENCRYPTED_SECRET);
    expect(resource.outputs).not.toHaveProperty("password");
  };
  const resourceOutputs = async () => {
    const exported = await s.stack.exportStack();
    const resource = (exported.deployment.resources ?? []).find((r: { type: string }) =>
      r.type.endsWith("ecs-shared-images:SystemDiskReplacement"),
    );
    return resource?.outputs as Record<string, unknown> | undefined;
  };

  beforeAll(async () => {
    const world = demoWorld();
    const owner = world.accounts.find((a) => a.accountId === DEMO.owner.accountId);
    owner?.images?.push({
      imageId: OTHER_IMAGE,
      regionId: DEMO.region,
      name: "golden-base-2024-12",
      sizeGiB: 40,
      sharedWith: [DEMO.workload.accountId],
    });
    emu = await startDemoEmulator({ world, timeScale: 100 });
    // The instance under replacement exists before (and outside) the stack.
    useStackConfig(emulatorStackConfig(emu));
    const api = EcsApi.forRegion(DEMO.region, "test");
    instanceId = await api.runInstance({
      imageId: DEMO.images.publicLinux,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      keyPairName: DEMO.workload.keyPairName,
      clientToken: "sdr-e2e-instance",
    });
    await poll({
      describe: () => api.getInstance(instanceId),
      acceptor: instanceInStatus("Running"),
      what: "the e2e instance to run",
      timeoutMs: 30_000,
      minDelayMs: 50,
      maxDelayMs: 200,
    });

    fs.mkdirSync(projectDir);
    writeConsumerProject(projectDir, PROJECT, PROGRAM);
    s = await createLocalStack(projectDir, backendDir, "e2e", { ECS_SHARED_IMAGES_POLL_INTERVAL: "50ms" });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    await s.stack.setConfig("instanceId", { value: instanceId });
    await s.stack.setConfig("imageId", { value: DEMO.images.plain });
    await s.stack.setConfig("owner", { value: DEMO.owner.accountId });
    await s.stack.setConfig("password", { value: PASSWORD, secret: true });
  }, 180_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("replaces the system disk on up and the instance runs again", async () => {
    const up = await s.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    const { inst, disk } = instance();
    expect(inst).toMatchObject({ status: "Running", imageId: DEMO.images.plain, hasPassword: true });
    expect(up.outputs.imageId.value).toBe(DEMO.images.plain);
    expect(up.outputs.previousImageId.value).toBe(DEMO.images.publicLinux);
    expect(up.outputs.newSystemDiskId.value).toBe(disk?.diskId);
    expect(up.outputs.instanceStatus.value).toBe("Running");
  });

  it("previews no changes, with zero mutating calls", async () => {
    const since = lastSeq();
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2 });
    expect(emu.admin.requests({ since }).filter((r) => r.mutating)).toEqual([]);
  });

  it("keeps secrets and paths out of the state file", async () => {
    expectPasswordStoredAsSecret(PASSWORD);
    const outputs = await resourceOutputs();
    const shim = String(outputs?.__provider);
    expect(shim).toContain('"pulumi-ecs-shared-images/providers/system-disk-replacement"');
    for (const forbidden of [projectRoot, work.dir]) expect(shim).not.toContain(forbidden);
  });

  it("records the region resolved from the stack config", async () => {
    expect(await resourceOutputs()).toMatchObject({ region: DEMO.region });
    expect(storedResource().resource.inputs).toMatchObject({ region: DEMO.region });
  });

  it("re-images the disk from the same image when only the password changes, keeping it secret", async () => {
    const before = instance().disk?.diskId;
    await s.stack.setConfig("password", { value: ROTATED_PASSWORD, secret: true });
    const since = lastSeq();
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 1 });
    const calls = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toMatchObject({ ImageId: DEMO.images.plain, Password: "******" });
    const { inst, disk } = instance();
    expect(inst).toMatchObject({ status: "Running", imageId: DEMO.images.plain, hasPassword: true });
    expect(disk?.diskId).not.toBe(before);
    expect(up.outputs).toMatchObject({
      imageId: { value: DEMO.images.plain },
      previousImageId: { value: DEMO.images.publicLinux },
      newSystemDiskId: { value: disk?.diskId },
    });
    expectPasswordStoredAsSecret(ROTATED_PASSWORD);
    expect(storedResource().state).not.toContain(PASSWORD);

    const again = lastSeq();
    expect((await s.stack.preview()).changeSummary).toEqual({ same: 2 });
    expect(emu.admin.requests({ since: again }).filter((r) => r.mutating)).toEqual([]);
  });

  it("replaces the disk again in place when the image changes", async () => {
    const before = instance().disk?.diskId;
    await s.stack.setConfig("imageId", { value: OTHER_IMAGE });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 1 });
    const { inst, disk } = instance();
    expect(inst).toMatchObject({ status: "Running", imageId: OTHER_IMAGE });
    expect(up.outputs).toMatchObject({
      imageId: { value: OTHER_IMAGE },
      previousImageId: { value: DEMO.images.publicLinux },
      newSystemDiskId: { value: disk?.diskId },
    });
    expect(disk?.diskId).not.toBe(before);
  });

  it("refresh finds state matching the instance, then the drift when someone replaced the disk again", async () => {
    const refresh = await s.stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    expect(await resourceOutputs()).toMatchObject({ imageId: OTHER_IMAGE, newSystemDiskId: instance().disk?.diskId });

    emu.admin.modifyInstance(instanceId, { imageId: DEMO.images.plain });
    await s.stack.refresh();
    expect(await resourceOutputs()).toMatchObject({ imageId: DEMO.images.plain });
    const since = lastSeq();
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    expect(emu.admin.requests({ since }).filter((r) => r.mutating)).toEqual([]);
  });

  it("destroy leaves the instance as it is (only the resource's origin tag goes) and empties the state", async () => {
    const since = lastSeq();
    const imageBefore = instance().inst?.imageId;
    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    const mutating = emu.admin.requests({ since }).filter((r) => r.mutating);
    expect(mutating.map((r) => [r.action, r.params["TagKey.1"]])).toEqual([
      ["UntagResources", RESERVED_TAGS.originImageId],
    ]);
    expect(instance().inst).toMatchObject({ status: "Running", imageId: imageBefore });
    expect(Object.keys(instance().inst?.tags ?? {}).filter((k) => k.startsWith(RESERVED_TAG_PREFIX))).toEqual([]);
    const state = await s.stack.exportStack();
    expect(state.deployment.resources ?? []).toEqual([]);
  });
});
