// The two sides of sharing on one emulator, as the README shows them: the owner stack and a workload stack of the
// same project, each with its own account's credentials. The owner's preview warns before it unshares an image the
// workload runs instances from; once it is unshared, the workload's preview refuses a new instance from it, and the
// owner sharing it again lets the workload's up go through.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const PROJECT = "ecs-shared-images";
const W = DEMO.workload.accountId;

const shares = (accountIds: string[]) => ({ "golden-base": { imageId: DEMO.images.plain, accountIds } });
const fleet = (count: number) => ({
  approval: { approvedOwners: [DEMO.owner.accountId] },
  images: { golden: { imageId: DEMO.images.plain } },
  groups: {
    api: {
      count,
      image: "golden",
      instanceType: "ecs.g7.large",
      zoneId: "cn-hangzhou-h",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      keyPairName: DEMO.workload.keyPairName,
    },
  },
});

describe("the owner stack and a workload stack on one emulator", () => {
  const work = tempDir("owner-workload-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  let emu: RunningEmulator;
  let owner: EngineStack;
  let workload: EngineStack;

  const configure = async (s: EngineStack, values: Record<string, string>, project: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(values)) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    for (const [key, value] of Object.entries(project)) {
      await s.stack.setConfig(`${PROJECT}:${key}`, { value: JSON.stringify(value) });
    }
  };

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 200 });
    fs.mkdirSync(projectDir);
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    const env = { ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms" };
    owner = await createLocalStack(projectDir, backendDir, "owner", env);
    workload = await createLocalStack(projectDir, backendDir, "local", env);
    await configure(owner, emulatorConfigValues(emu, { credentials: DEMO.owner }), { shares: shares([W]) });
    await configure(workload, emulatorConfigValues(emu), fleet(1));
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("runs the owner's shares and the workload's fleet side by side", async () => {
    expect((await owner.stack.up()).summary.result).toBe("succeeded");
    expect((await workload.stack.up()).summary.result).toBe("succeeded");
    const instances = emu.admin.inventory(W)[W].instances;
    expect(instances.map((i) => [i.imageId, i.status])).toEqual([[DEMO.images.plain, "Running"]]);
  });

  it("warns in the owner's preview that the workload runs instances from the image it unshares", async () => {
    await configure(owner, {}, { shares: shares([]) });
    let text = "";
    const preview = await owner.stack.preview({ onOutput: (chunk) => (text += chunk) });
    expect(preview.changeSummary).toEqual({ same: 1, update: 1 });
    expect(text).toContain(
      `stops sharing image ${DEMO.images.plain} with account ${W}: instances it created from the image keep running ` +
        "but can no longer re-initialize their system disks from it, and no new copy or instance can be made from it " +
        `there; ECS reports instances created from ${DEMO.images.plain}`,
    );
    await owner.stack.up();
  });

  it("refuses a new instance from the unshared image in the workload's preview, naming it", async () => {
    await configure(workload, {}, fleet(2));
    const failure = await workload.stack.preview().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(failure).toMatch(
      /InstanceFromSharedImage resource 'api-1': property imageId .* has a problem: .*not visible to this account/,
    );
  });

  it("lets the workload's up through once the owner shares the image again", async () => {
    await configure(owner, {}, { shares: shares([W]) });
    await owner.stack.up();
    const up = await workload.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 1 });
    expect((await workload.stack.destroy()).summary.result).toBe("succeeded");
    expect((await owner.stack.destroy()).summary.result).toBe("succeeded");
    // Destroying the owner stack removed the share it managed, the demo world's included (adopted on its first up).
    expect(
      emu.admin
        .inventory(W)
        [W].sharedWithMe.map((i) => i.imageId)
        .sort(),
    ).toEqual([DEMO.images.encrypted, "m-demogoldenold01", DEMO.images.paid, DEMO.images.unapproved]);
  });
});
