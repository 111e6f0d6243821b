// The fleet program (stacks/) end to end: the real CLI runs it as a local program against the in-process emulator.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const PROJECT = "ecs-shared-images";
const PASSWORD = "Fleet-E2e-Passw0rd!";
const network = {
  instanceType: "ecs.g7.large",
  zoneId: "cn-hangzhou-h",
  vSwitchId: DEMO.workload.vSwitchId,
  securityGroupIds: [DEMO.workload.securityGroupId],
};

interface Fleet {
  approval: unknown;
  images: Record<string, unknown>;
  groups: Record<string, Record<string, unknown>>;
}

function baseFleet(): Fleet {
  return {
    approval: { approvedOwners: [DEMO.owner.accountId] },
    images: {
      golden: { imageId: DEMO.images.plain },
      "golden-copy": { imageId: DEMO.images.plain, copy: { name: "golden-e2e-copy" } },
    },
    groups: {
      web: { count: 2, image: "golden-copy", ...network, keyPairName: DEMO.workload.keyPairName },
      api: { count: 1, image: "golden", ...network, passwordKey: "apiPassword" },
    },
  };
}

describe("the fleet stack through the Pulumi engine (emulator)", () => {
  const work = tempDir("fleet-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  let emu: RunningEmulator;
  let s: EngineStack;
  let output = "";

  const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
  const lastSeq = () => emu.admin.requests().at(-1)?.seq ?? 0;
  const mutatingSince = (seq: number) => emu.admin.requests().filter((r) => r.seq > seq && r.mutating);
  const setFleet = async (fleet: Fleet) => {
    for (const [key, value] of Object.entries(fleet)) {
      await s.stack.setConfig(`${PROJECT}:${key}`, { value: JSON.stringify(value) });
    }
  };
  const groupIds = async (group: string): Promise<string[]> => {
    const outputs = await s.stack.outputs();
    return (outputs.groups.value as Record<string, { instanceIds: string[] }>)[group].instanceIds;
  };
  const onOutput = (text: string) => {
    output += text;
  };

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 200 });
    fs.mkdirSync(projectDir);
    // The stack program as shipped (compiled by the build that precedes every test run), run by a consumer project.
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    s = await createLocalStack(projectDir, backendDir, "e2e", { ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms" });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    await s.stack.setConfig(`${PROJECT}:apiPassword`, { value: PASSWORD, secret: true });
    await setFleet(baseFleet());
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("brings the demo fleet up: a copy, and every group's instances running", async () => {
    const up = await s.stack.up({ onOutput });
    expect(up.summary.result).toBe("succeeded");
    const inv = workload();
    expect(inv.instances.map((i) => i.status).sort()).toEqual(["Running", "Running", "Running"]);
    expect(inv.images.map((i) => [i.name, i.status])).toEqual([["golden-e2e-copy", "Available"]]);
    const copyId = inv.images[0].imageId;
    const webImages = inv.instances.filter((i) => i.tags?.["fleet-group"] === "web").map((i) => i.imageId);
    expect(webImages).toEqual([copyId, copyId]);
    // The copies belong to the workload account: the policy must let them be used too.
    expect(up.outputs.ramPolicy.value.Statement[0].Condition).toEqual({
      StringNotEquals: { "ecs:ImageOwnerId": [DEMO.owner.accountId, DEMO.workload.accountId] },
    });
  });

  it("previews no changes and makes no mutating API call", async () => {
    const mark = lastSeq();
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 5 });
    expect(mutatingSince(mark)).toEqual([]);
  });

  it("replaces exactly one group's instances when its instance type changes", async () => {
    const [webBefore, apiBefore] = [await groupIds("web"), await groupIds("api")];
    const fleet = baseFleet();
    fleet.groups.web.instanceType = "ecs.g7.xlarge";
    await setFleet(fleet);
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 2 });
    const [webAfter, apiAfter] = [await groupIds("web"), await groupIds("api")];
    expect(apiAfter).toEqual(apiBefore);
    expect(webAfter.filter((id) => webBefore.includes(id))).toEqual([]);
    const web = workload().instances.filter((i) => webAfter.includes(i.instanceId));
    expect(web.map((i) => i.instanceType)).toEqual(["ecs.g7.xlarge", "ecs.g7.xlarge"]);
    expect(workload().instances).toHaveLength(3);
  });

  it("finds an instance deleted behind its back on refresh, and up recreates it", async () => {
    const [victim] = await groupIds("web");
    emu.admin.deleteInstance(victim);
    const refresh = await s.stack.refresh({ onOutput });
    expect(refresh.summary.resourceChanges).toMatchObject({ delete: 1 });
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ create: 1 });
    expect(await groupIds("web")).not.toContain(victim);
    expect(workload().instances.filter((i) => i.status === "Running")).toHaveLength(3);
  });

  it("blocks new instances from a revoked shared image at preview, while the copy keeps working", async () => {
    emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId);
    const fromShared = baseFleet();
    fromShared.groups.web.instanceType = "ecs.g7.xlarge";
    fromShared.groups.api.count = 2;
    await setFleet(fromShared);
    const mark = lastSeq();
    const failure = await s.stack.preview().then(
      () => "",
      (err: Error) => err.message,
    );
    // Only the new instance is refused, naming it, the property and the image; the existing ones are left alone.
    expect(failure).toMatch(
      new RegExp(
        `InstanceFromSharedImage resource 'api-1': property imageId value \\{${DEMO.images.plain}\\} has a problem: .*not visible to this account`,
      ),
    );
    expect(failure).not.toMatch(/resource 'api-0'|resource 'web-/);
    expect(mutatingSince(mark)).toEqual([]);

    const fromCopy = baseFleet();
    fromCopy.groups.web.instanceType = "ecs.g7.xlarge";
    fromCopy.groups.web.count = 3;
    await setFleet(fromCopy);
    const up = await s.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ create: 1 });
    expect(await groupIds("web")).toHaveLength(3);
  });

  it("destroys everything it created, leaving the workload account empty", async () => {
    const destroy = await s.stack.destroy({ onOutput });
    expect(destroy.summary.result).toBe("succeeded");
    const inv = workload();
    expect(inv.instances).toEqual([]);
    expect(inv.images).toEqual([]);
  });

  it("never wrote the password or the secret key to the state file or the output", () => {
    const stateFile = path.join(backendDir, ".pulumi", "stacks", PROJECT, "e2e.json");
    const state = fs.readFileSync(stateFile, "utf8");
    for (const secret of [PASSWORD, DEMO.workload.accessKeySecret]) {
      expect(state).not.toContain(secret);
      expect(output).not.toContain(secret);
    }
  });
});
