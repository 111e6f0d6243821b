// The policy pack (policy/) through the real CLI and our language host, on one fleet stack against the emulator:
// a preview that breaks mandatory policies fails naming the policy, the resource and the property; advisory
// enforcement and a compliant configuration let it through; `pulumi policy analyze` reports a tag removed outside
// Pulumi once a refresh has read it; and the main job passes --policy-pack and --policy-pack-config to pulumi.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";
import { copyProject, startMainJob } from "../support/main-job";
import { freePort } from "../support/ports";

const PROJECT = "ecs-shared-images";
const PACK = path.join(projectRoot, "policy");
const INSTANCE = "(pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage: web-0)";

const fleet = {
  approval: { approvedOwners: [DEMO.owner.accountId] },
  images: { golden: { imageId: DEMO.images.plain } },
  groups: {
    web: {
      count: 1,
      image: "golden",
      instanceType: "ecs.g7.large",
      zoneId: "cn-hangzhou-h",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      keyPairName: DEMO.workload.keyPairName,
      tags: { app: "web" },
    },
  },
};

const compliant = {
  "approved-image-owners": { owners: [DEMO.owner.accountId] },
  "allowed-instance-types": { instanceTypes: ["ecs.g7.large"] },
  "required-tags": { instanceTags: ["app", "fleet-group"] },
};
const violating = {
  "approved-image-owners": { owners: ["2222222222222222"] },
  "allowed-instance-types": { instanceTypes: ["ecs.g6.large", "ecs.c7.large"] },
  "required-tags": { instanceTags: ["app", "team"] },
};
const advisory = Object.fromEntries(
  Object.entries(violating).map(([name, config]) => [name, { ...config, enforcementLevel: "advisory" }]),
);

describe("the policy pack through the Pulumi engine", () => {
  const work = tempDir("policy-e2e");
  const projectDir = path.join(work.dir, "project");
  let emu: RunningEmulator;
  let s: EngineStack;

  const configFile = (name: string, config: object) => {
    const file = path.join(work.dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  };
  // Asynchronous: the emulator answers from this process, so a synchronous spawn would leave ECS silent.
  const pulumi = (...args: string[]): Promise<{ status: number | null; output: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(s.engine.binDir, "pulumi"), [...args, "--stack", "policy", "--non-interactive"], {
        cwd: projectDir,
        env: s.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, output }));
    });
  const withPack = (config: object) => ["--policy-pack", PACK, "--policy-pack-config", configFile("config", config)];
  const mutatingCalls = () => emu.admin.requests().filter((r) => r.mutating).length;

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 200 });
    fs.mkdirSync(projectDir);
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    s = await createLocalStack(projectDir, path.join(work.dir, "state"), "policy", {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms",
    });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    for (const [key, value] of Object.entries(fleet)) {
      await s.stack.setConfig(`${PROJECT}:${key}`, { value: JSON.stringify(value) });
    }
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("fails a preview that breaks mandatory policies, naming each policy, the resource and the property", async () => {
    const { status, output } = await pulumi("preview", ...withPack(violating));
    expect(status).not.toBe(0);
    expect(output).toContain(`[mandatory]  approved-image-owners  ${INSTANCE}`);
    expect(output).toContain(
      'approval.approvedOwners[0]: account "1111111111111111" is not an approved image owner (allowed: 2222222222222222)',
    );
    expect(output).toContain(`[mandatory]  allowed-instance-types  ${INSTANCE}`);
    expect(output).toContain(
      'instanceType: "ecs.g7.large" is not an allowed instance type (allowed: ecs.g6.large, ecs.c7.large)',
    );
    expect(output).toContain(`[mandatory]  required-tags  ${INSTANCE}`);
    expect(output).toContain("tags.team: is missing (required tag keys: app, team)");
    expect(mutatingCalls()).toBe(0);
  }, 120_000);

  it("lets the same preview through when the policies are advisory, still reporting them", async () => {
    const { status, output } = await pulumi("preview", ...withPack(advisory));
    expect({ status, output }).toEqual({
      status: 0,
      output: expect.stringContaining("[advisory]  allowed-instance-types"),
    });
    expect(output).not.toContain("[mandatory]");
  }, 120_000);

  it("refuses to run without the settings the policies require, naming them", async () => {
    const { status, output } = await pulumi("preview", "--policy-pack", PACK);
    expect(status).not.toBe(0);
    expect(output).toContain("approved-image-owners: owners is required");
    expect(output).toContain("allowed-instance-types: instanceTypes is required");
  }, 120_000);

  it("passes a compliant up, then policy analyze reports a tag removed outside Pulumi after a refresh", async () => {
    const up = await pulumi("up", "--yes", ...withPack(compliant));
    expect({ status: up.status, output: up.output }).toEqual({
      status: 0,
      output: expect.stringContaining("ecs-shared-images@v0.1.0"),
    });
    expect(up.output).not.toMatch(/\[(mandatory|advisory)\]/);
    expect((await pulumi("policy", "analyze", ...withPack(compliant))).status).toBe(0);

    const [instance] = Object.values(emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances);
    const { app: _removed, ...kept } = instance.tags;
    emu.admin.modifyInstance(instance.instanceId, { tags: kept });
    expect((await pulumi("refresh", "--yes")).status).toBe(0);

    const analyze = await pulumi("policy", "analyze", ...withPack(compliant));
    expect(analyze.status).not.toBe(0);
    expect(analyze.output).toContain(`[mandatory]  required-tags  ${INSTANCE}`);
    expect(analyze.output).toContain("tags.app: is missing (required tag keys: app, fleet-group)");
    expect(analyze.output).toContain("one or more mandatory policy violations were found");
  }, 180_000);

  it("the main job passes --policy-pack and --policy-pack-config to pulumi", async () => {
    const dir = path.join(work.dir, "main-job");
    fs.mkdirSync(dir);
    copyProject(dir, await freePort());
    const job = startMainJob(dir, ["preview", ...withPack(violating)]);
    const { code, output } = await job.done;
    expect(code).not.toBe(0);
    expect(output).toContain(
      "[mandatory]  allowed-instance-types  (pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage: web-0)",
    );
  }, 120_000);
});
