// SharedImageCopy end to end: the real Pulumi CLI runs a local JavaScript program in a consumer project, the provider
// process loads the thin shim from state and talks to the in-process emulator through the real SDK.
import * as fs from "node:fs";
import * as path from "node:path";
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import type { RunningEmulator } from "../../emulator";
import { PROVENANCE_TAGS, RESERVED_TAGS } from "../../providers/tags";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createConsumerStack, type EngineStack, tempDir } from "../support/engine";

const PROJECT = "sic-e2e";
const STACK = "e2e";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { SharedImageCopy } = require("pulumi-ecs-shared-images/providers/shared-image-copy");
const { ramPolicyDocument } = require("pulumi-ecs-shared-images/providers/policy/ram-policy");
const config = new pulumi.Config();
const approval = { approvedOwners: [config.require("approvedOwner")] };
const copy = new SharedImageCopy("golden-copy", {
  sourceImageId: config.require("sourceImageId"),
  description: config.get("description"),
  tags: config.getObject("tags"),
  approval,
  timeouts: config.getObject("timeouts"),
});
for (const key of ["imageId", "status", "progress", "name", "description", "tags", "sourceImageId", "sourceOwnerId", "accountId", "encrypted", "size"]) {
  exports[key] = copy[key];
}
exports.ramPolicy = copy.accountId.apply((selfAccountId) => ramPolicyDocument(approval, { selfAccountId }));
`;

interface StateResource {
  type: string;
  id?: string;
  outputs: Record<string, unknown>;
}

/** The stack of each describe: the program above, the emulator and the copy's source in its config. */
const consumerStack = (emu: RunningEmulator, projectDir: string, backendDir: string) =>
  createConsumerStack({
    projectDir,
    backendDir,
    project: PROJECT,
    stack: STACK,
    program: PROGRAM,
    config: { ...emulatorConfigValues(emu), sourceImageId: DEMO.images.plain, approvedOwner: DEMO.owner.accountId },
  });

describe("SharedImageCopy through the Pulumi engine (local program, emulator)", () => {
  const work = tempDir("sic-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  const stateFile = path.join(backendDir, ".pulumi", "stacks", PROJECT, `${STACK}.json`);
  let emu: RunningEmulator;
  let s: EngineStack;
  let workloadSdk: Ecs;

  const copies = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images;
  async function stateCopies(): Promise<StateResource[]> {
    const exported = await s.stack.exportStack();
    return ((exported.deployment.resources ?? []) as StateResource[]).filter((r) =>
      r.type.endsWith("ecs-shared-images:SharedImageCopy"),
    );
  }
  /** The tags SharedImageCopy keeps on its copy of the plain golden image; never in outputs. */
  const PROVENANCE = {
    [PROVENANCE_TAGS.sourceOwner]: DEMO.owner.accountId,
    [PROVENANCE_TAGS.sourceImage]: DEMO.images.plain,
    [PROVENANCE_TAGS.sourceImageName]: "golden-base-2024-10",
  };

  /** The emulator holds exactly the copies the state holds, with the same name, description, tags and status. */
  async function expectInventoryMatchesState(): Promise<void> {
    const state = await stateCopies();
    const inventory = copies();
    expect(inventory.map((i) => i.imageId).sort()).toEqual(state.map((r) => r.id).sort());
    for (const resource of state) {
      const image = inventory.find((i) => i.imageId === resource.id);
      expect(resource.outputs).toMatchObject({
        imageId: image?.imageId,
        name: image?.name,
        description: image?.description,
        status: image?.status,
      });
      // The copy carries its provenance tags; the state's `tags` are the user's, without them.
      expect(image?.tags).toEqual({
        ...(resource.outputs.tags as Record<string, string>),
        ...PROVENANCE,
        [RESERVED_TAGS.create]: expect.stringMatching(/^done:/),
      });
    }
  }

  beforeAll(async () => {
    // 40 GiB at 10 GiB per emulated minute = 240 emulated s; at 80x that is 3 s of real time: long enough for
    // several progress lines at a 50 ms poll interval.
    emu = await startDemoEmulator({ timeScale: 80 });
    workloadSdk = new Ecs(
      new $OpenApiUtil.Config({
        accessKeyId: DEMO.workload.accessKeyId,
        accessKeySecret: DEMO.workload.accessKeySecret,
        endpoint: emu.endpoint,
        protocol: "HTTP",
        regionId: DEMO.region,
        readTimeout: 10_000,
        connectTimeout: 10_000,
      }),
    );
    s = await consumerStack(emu, projectDir, backendDir);
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  let firstImageId = "";

  it("copies the shared image on up, showing the copy's progress in the up output", async () => {
    let output = "";
    const up = await s.stack.up({ onOutput: (text) => (output += text) });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    firstImageId = up.outputs.imageId.value;
    expect(up.outputs).toMatchObject({
      status: { value: "Available" },
      progress: { value: 100 },
      name: { value: "golden-copy" },
      sourceImageId: { value: DEMO.images.plain },
      sourceOwnerId: { value: DEMO.owner.accountId },
      accountId: { value: DEMO.workload.accountId },
      tags: { value: {} },
      encrypted: { value: false },
      size: { value: 40 },
    });
    // The stack's own account is allowed next to the approved owner, so RAM does not deny instances from the copy.
    expect(up.outputs.ramPolicy.value.Statement[0].Condition.StringNotEquals["ecs:ImageOwnerId"]).toEqual([
      DEMO.owner.accountId,
      DEMO.workload.accountId,
    ]);
    // Non-interactive output shows every progress line as the resource's status text while it is being created;
    // the ephemeral percentage lines appear only there, the durable milestones also under Diagnostics.
    expect(output).toMatch(
      new RegExp(
        `SharedImageCopy golden-copy creating \\(\\d+s\\) copy ${firstImageId} of ${DEMO.images.plain}: Creating \\d+%`,
      ),
    );
    expect(output.slice(output.indexOf("Diagnostics:"))).not.toMatch(/Creating \d+%/);
    expect(output).toContain(`copying ${DEMO.images.plain} of owner ${DEMO.owner.accountId} to ${firstImageId}`);
    expect(output).toContain(`copy ${firstImageId} of ${DEMO.images.plain} is Available (40 GiB)`);
    await expectInventoryMatchesState();
  }, 120_000);

  it("previews no changes, with zero mutating ECS calls", async () => {
    const since = emu.admin.requests().at(-1)?.seq ?? 0;
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2 });
    const calls = emu.admin.requests({ since });
    expect(calls.filter((c) => c.mutating)).toEqual([]);
    await expectInventoryMatchesState();
  }, 120_000);

  it("updates description and tags in place on up", async () => {
    await s.stack.setConfig("description", { value: "golden copy for web" });
    await s.stack.setConfig("tags", { value: JSON.stringify({ team: "web", env: "e2e" }) });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 1 });
    expect(up.outputs.imageId.value).toBe(firstImageId);
    expect(up.outputs.description.value).toBe("golden copy for web");
    expect(up.outputs.tags.value).toEqual({ team: "web", env: "e2e" });
    expect(emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
    await expectInventoryMatchesState();
  }, 120_000);

  it("refresh reads back a change made outside Pulumi", async () => {
    await workloadSdk.tagResources(
      new $Ecs.TagResourcesRequest({
        regionId: DEMO.region,
        resourceType: "image",
        resourceId: [firstImageId],
        tag: [new $Ecs.TagResourcesRequestTag({ key: "owner", value: "someone" })],
      }),
    );
    const refresh = await s.stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    const [resource] = await stateCopies();
    expect(resource.outputs.tags).toEqual({ team: "web", env: "e2e", owner: "someone" });
    await expectInventoryMatchesState();
  }, 120_000);

  it("never writes the secret key or a path into the state file", () => {
    const state = fs.readFileSync(stateFile, "utf8");
    expect(state).toContain("alicloud:secretKey");
    expect(state).not.toContain(DEMO.workload.accessKeySecret);
    const provider = JSON.parse(state).checkpoint.latest.resources.find((r: StateResource) =>
      r.type.endsWith("SharedImageCopy"),
    ).outputs.__provider as string;
    expect(provider).toContain('"pulumi-ecs-shared-images/providers/shared-image-copy"');
    for (const forbidden of [projectRoot, work.dir, DEMO.workload.accessKeySecret]) {
      expect(provider).not.toContain(forbidden);
    }
  });

  it("a destroy refused because an instance outside the stack runs on the copy names it once, with the fix", async () => {
    const [copy] = await stateCopies();
    const run = await workloadSdk.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: DEMO.region,
        imageId: copy.id,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
        keyPairName: DEMO.workload.keyPairName,
      }),
    );
    const instanceId = run.body?.instanceIdSets?.instanceIdSet?.[0] as string;
    let output = "";
    await expect(s.stack.destroy({ onOutput: (text) => (output += text) })).rejects.toThrow();
    const sentence = `DeleteImage failed: the copy ${copy.id} is the image of ${instanceId} (ImageUsingByInstance`;
    // Once in the diagnostics; the engine's live rows (rewritten in place on a terminal) show it too. No stack
    // trace, no doubled "EcsError: ...: EcsError: ..." line from the provider host.
    const diagnostics = output.slice(output.indexOf("Diagnostics:"));
    expect(diagnostics.split(sentence).length - 1).toBe(1);
    expect(output).not.toContain("EcsError");
    expect(output).not.toMatch(/^\s+.*\s+at \S+ \(/m);
    expect(output).toContain(`Fix: ${instanceId} is not an InstanceFromSharedImage`);
    expect(output).toContain("retainOnDelete: true");
    expect(output).not.toMatch(/force/i);
    expect(copies().map((i) => i.imageId)).toEqual([copy.id]);
    emu.admin.deleteInstance(instanceId);
  }, 120_000);

  it("destroys the copy", async () => {
    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(copies()).toEqual([]);
    expect(await stateCopies()).toEqual([]);
    await expectInventoryMatchesState();
  }, 120_000);
});

describe("SharedImageCopy through the engine: a copy that timed out is resumed by the next up", () => {
  const work = tempDir("sic-e2e-resume");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  let emu: RunningEmulator;
  let s: EngineStack;

  beforeAll(async () => {
    // A 40 GiB copy takes 240 emulated s, 3 s of real time at 80x: longer than the first run's timeout.
    emu = await startDemoEmulator({ timeScale: 80 });
    s = await consumerStack(emu, projectDir, backendDir);
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("keeps the running copy in state when up times out, and the next up waits for the same copy", async () => {
    await s.stack.setConfig("timeouts", { value: JSON.stringify({ create: "300ms" }) });
    let output = "";
    await expect(s.stack.up({ onOutput: (text) => (output += text) })).rejects.toThrow();
    expect(output).toMatch(
      /Timed out after 300ms waiting for the copy m-\w+ of m-demogoldenplain01 to become Available/,
    );
    const exported = await s.stack.exportStack();
    const partial = (exported.deployment.resources as StateResource[]).find((r) => r.type.endsWith("SharedImageCopy"));
    expect(partial?.outputs).toMatchObject({ status: "Creating" });
    const inventory = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images;
    expect(inventory.map((i) => i.imageId)).toEqual([partial?.id]);

    await s.stack.setConfig("timeouts", { value: JSON.stringify({ create: "1h" }) });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(up.outputs.imageId.value).toBe(partial?.id);
    expect(up.outputs.status.value).toBe("Available");
    expect(emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);

    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images).toEqual([]);
  }, 180_000);
});
