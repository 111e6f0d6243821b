// InstanceFromSharedImage end to end: the real CLI runs a local consumer program, the provider process loads the thin
// shim from state and talks to the in-process emulator through the real SDK. At every step the emulator's inventory
// must match what the stack's state says.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { passwordDigest } from "../../providers/password";
import { readCreateTag, userTags } from "../../providers/tags";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const PASSWORD = "E2e-Instance-Pass-5k";
const PROJECT = "ifsi-e2e";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { InstanceFromSharedImage } = require("pulumi-ecs-shared-images/providers/instance-from-shared-image");
const config = new pulumi.Config();
const vm = new InstanceFromSharedImage("web", {
  imageId: config.require("imageId"),
  approval: { approvedOwners: [config.require("owner")] },
  instanceType: config.require("instanceType"),
  vSwitchId: config.require("vSwitchId"),
  securityGroupIds: [config.require("securityGroupId")],
  name: config.require("name"),
  tags: { team: config.require("team") },
  password: config.requireSecret("password"),
});
exports.instanceId = vm.instanceId;
exports.status = vm.status;
exports.name = vm.name;
exports.instanceType = vm.instanceType;
`;

describe("InstanceFromSharedImage through the Pulumi engine (local program, emulator)", () => {
  const work = tempDir("ifsi-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  const stateFile = path.join(backendDir, ".pulumi", "stacks", PROJECT, "e2e.json");
  const cliOutput: string[] = [];
  /** The state file as the backend wrote it after each step (checked for secrets at the end). */
  const stateSnapshots: string[] = [];
  const onOutput = (out: string) => cliOutput.push(out);
  let emu: RunningEmulator;
  let s: EngineStack;

  const lastSeq = () => emu.admin.requests().at(-1)?.seq ?? 0;
  const instances = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances;
  const stateResource = async () => {
    const exported = await s.stack.exportStack();
    return (exported.deployment.resources ?? []).find((r: { type: string }) =>
      r.type.endsWith("ecs-shared-images:InstanceFromSharedImage"),
    ) as { id: string; outputs: Record<string, unknown> } | undefined;
  };
  /** The emulator holds exactly the one instance in state, with the values state records. */
  const expectInventoryMatchesState = async () => {
    stateSnapshots.push(fs.readFileSync(stateFile, "utf8"));
    const resource = await stateResource();
    expect(resource).toBeDefined();
    const inventory = instances();
    expect(inventory.map((i) => i.instanceId)).toEqual([resource?.id]);
    const [inst] = inventory;
    expect(resource?.outputs).toMatchObject({
      instanceId: inst.instanceId,
      name: inst.name,
      instanceType: inst.instanceType,
      imageId: inst.imageId,
      status: inst.status,
    });
    // The user's tags, and the create marked done.
    expect(resource?.outputs.tags).toEqual(userTags(inst.tags));
    expect(readCreateTag(inst.tags)?.state).toBe("done");
    return inst;
  };

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 100 });
    fs.mkdirSync(projectDir);
    writeConsumerProject(projectDir, PROJECT, PROGRAM);
    s = await createLocalStack(projectDir, backendDir, "e2e", { ECS_SHARED_IMAGES_POLL_INTERVAL: "50ms" });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    const plain: Record<string, string> = {
      imageId: DEMO.images.plain,
      owner: DEMO.owner.accountId,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
      name: "web-1",
      team: "web",
    };
    for (const [key, value] of Object.entries(plain)) await s.stack.setConfig(key, { value });
    await s.stack.setConfig("password", { value: PASSWORD, secret: true });
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  let firstId: string;

  it("creates the instance on up", async () => {
    const up = await s.stack.up({ onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(up.outputs.status.value).toBe("Running");
    const inst = await expectInventoryMatchesState();
    expect(inst).toMatchObject({ name: "web-1", tags: { team: "web" }, hasPassword: true, imageId: DEMO.images.plain });
    firstId = inst.instanceId;
  });

  it("previews no changes right after up, with zero mutating ECS calls", async () => {
    const since = lastSeq();
    const preview = await s.stack.preview({ onOutput });
    expect(preview.changeSummary).toEqual({ same: 2 });
    expect(emu.admin.requests({ since }).filter((r) => r.mutating)).toEqual([]);
    await expectInventoryMatchesState();
  });

  it("updates name and tags in place", async () => {
    await s.stack.setConfig("name", { value: "web-renamed" });
    await s.stack.setConfig("team", { value: "platform" });
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 1 });
    const inst = await expectInventoryMatchesState();
    expect(inst).toMatchObject({ instanceId: firstId, name: "web-renamed", tags: { team: "platform" } });
  });

  it("replaces the instance when the instance type changes", async () => {
    await s.stack.setConfig("instanceType", { value: "ecs.g7.xlarge" });
    const preview = await s.stack.preview({ onOutput });
    expect(preview.changeSummary).toMatchObject({ replace: 1 });
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 1 });
    const inst = await expectInventoryMatchesState();
    expect(inst.instanceId).not.toBe(firstId);
    expect(inst).toMatchObject({ instanceType: "ecs.g7.xlarge", name: "web-renamed", status: "Running" });
  });

  it("refresh picks up changes made behind Pulumi's back, and the next up puts them right", async () => {
    const [inst] = instances();
    emu.admin.modifyInstance(inst.instanceId, { name: "renamed-by-hand" });
    const refresh = await s.stack.refresh({ onOutput });
    expect(refresh.summary.result).toBe("succeeded");
    const after = await expectInventoryMatchesState();
    expect(after.name).toBe("renamed-by-hand");
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect((await expectInventoryMatchesState()).name).toBe("web-renamed");
  });

  it("keeps finding the instance in its recorded region after the stack's region setting changes", async () => {
    const [inst] = instances();
    await s.stack.setConfig("alicloud:region", { value: DEMO.otherRegion });
    try {
      const refresh = await s.stack.refresh({ onOutput });
      expect(refresh.summary.result).toBe("succeeded");
      expect(await stateResource()).toMatchObject({ id: inst.instanceId, outputs: { region: DEMO.region } });
      // New instances would go to the new region, where the shared image is not: check says so, naming it.
      await expect(s.stack.preview({ onOutput })).rejects.toThrow(/is not visible to this account in cn-shanghai/);
    } finally {
      await s.stack.setConfig("alicloud:region", { value: DEMO.region });
    }
    await expectInventoryMatchesState();
  });

  it("destroys the instance", async () => {
    const destroy = await s.stack.destroy({ onOutput });
    expect(destroy.summary.result).toBe("succeeded");
    expect(instances()).toEqual([]);
    expect(await stateResource()).toBeUndefined();
  });

  it("never writes the password or the secret key to the state file or the CLI output", () => {
    const state = [...stateSnapshots, fs.readFileSync(stateFile, "utf8")].join("\n");
    expect(stateSnapshots.length).toBeGreaterThanOrEqual(5);
    expect(state).toContain("passwordDigest");
    const output = cliOutput.join("");
    for (const secret of [PASSWORD, DEMO.workload.accessKeySecret]) {
      expect(state).not.toContain(secret);
      expect(output).not.toContain(secret);
    }
    expect(output.length).toBeGreaterThan(0);
  });

  it("stores passwordDigest in the state file only as a secret (ciphertext), never as its hex value", () => {
    const recorded = stateSnapshots.flatMap((text) => {
      const resources: { urn: string; type: string; outputs?: Record<string, unknown> }[] =
        JSON.parse(text).checkpoint?.latest?.resources ?? [];
      return resources.filter((r) => r.type.endsWith("ecs-shared-images:InstanceFromSharedImage"));
    });
    expect(recorded.length).toBe(stateSnapshots.length);
    for (const resource of recorded) {
      expect(resource.outputs?.passwordDigest).toEqual({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        ciphertext: expect.any(String),
      });
      const digest = passwordDigest(resource.urn, PASSWORD) as string;
      expect(digest).toMatch(/^[0-9a-f]{64}$/);
      for (const text of stateSnapshots) expect(text).not.toContain(digest);
    }
  });
});
