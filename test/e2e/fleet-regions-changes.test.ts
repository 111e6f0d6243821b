// The fleet across regions changed the way an operator changes it, through the real CLI against the emulator: a new
// KMS key for the destination region or for the home copy, the region dropped from the catalogue entry (with its
// group), a group moved between regions, the stack destroyed and re-created. After each, the emulator must hold
// exactly what the stack says: no copy left behind in any region.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, demoWorld, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const PROJECT = "ecs-shared-images";
const [HZ, SH] = [DEMO.region, DEMO.otherRegion];
const [SH_KEY, SH_KEY_2] = ["key-demo-workload-sh", "key-demo-workload-sh-2"];
const HZ_KEY_2 = "key-demo-workload-hz-2";

const NETWORK: Record<string, Record<string, unknown>> = {
  [SH]: {
    zoneId: "cn-shanghai-b",
    vSwitchId: DEMO.workload.vSwitchIdShanghai,
    securityGroupIds: ["sg-demo-workload-sh"],
  },
  [HZ]: {
    zoneId: "cn-hangzhou-h",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
  },
};

function fleet(
  shKey: string | undefined,
  groupRegion: string = SH,
  hzKey: string = DEMO.workload.kmsKeyId,
): Record<string, unknown> {
  return {
    approval: { approvedOwners: [DEMO.owner.accountId] },
    images: {
      secure: {
        imageId: DEMO.images.encrypted,
        copy: { name: "secure-regions", encrypted: true, kmsKeyId: hzKey },
        ...(shKey === undefined ? {} : { regions: { [SH]: { kmsKeyId: shKey } } }),
      },
    },
    groups:
      shKey === undefined
        ? {}
        : {
            "secure-sh": {
              count: 1,
              image: "secure",
              region: groupRegion,
              instanceType: "ecs.g7.large",
              ...NETWORK[groupRegion],
            },
          },
  };
}

describe("a fleet across regions, changed (engine, emulator)", () => {
  const work = tempDir("fleet-regions-changes-e2e");
  const projectDir = path.join(work.dir, "project");
  let emu: RunningEmulator;
  let s: EngineStack;
  const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
  /** name@region -> [status, the KMS keys of its disks] of every image of the account. */
  const images = () =>
    Object.fromEntries(
      workload().images.map((i) => [
        `${i.name}@${i.regionId}`,
        [i.status, [...new Set(i.diskMappings.map((d) => d.kmsKeyId))]],
      ]),
    );
  const setFleet = async (config: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(config)) {
      await s.stack.setConfig(`${PROJECT}:${key}`, { value: JSON.stringify(value) });
    }
  };

  beforeAll(async () => {
    const world = demoWorld();
    const account = world.accounts.find((a) => a.accountId === DEMO.workload.accountId);
    if (account === undefined) throw new Error("the demo world has no workload account");
    // A second key in the destination region, to rotate to.
    account.kmsKeys = [
      ...(account.kmsKeys ?? []),
      { keyId: SH_KEY_2, regionId: SH },
      { keyId: HZ_KEY_2, regionId: HZ },
    ];
    emu = await startDemoEmulator({ timeScale: 200, world });
    fs.mkdirSync(projectDir);
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    s = await createLocalStack(projectDir, path.join(work.dir, "state"), "changes", {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms",
    });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    await setFleet(fleet(SH_KEY));
    expect((await s.stack.up()).summary.result).toBe("succeeded");
  }, 240_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("rotates the destination's KMS key: previews the copy and its instance replaced, leaves one copy there", async () => {
    await setFleet(fleet(SH_KEY_2));
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toMatchObject({ replace: 2 });
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    expect(images()).toEqual({
      [`secure-regions@${HZ}`]: ["Available", [DEMO.workload.kmsKeyId]],
      [`secure-regions@${SH}`]: ["Available", [SH_KEY_2]],
    });
    const [sh] = workload().images.filter((i) => i.regionId === SH);
    expect(workload().instances.map((i) => [i.name, i.regionId, i.imageId, i.status])).toEqual([
      ["secure-sh-0", SH, sh.imageId, "Running"],
    ]);
  }, 240_000);

  it("drops the region and its group: deletes the copy there, keeps the home copy", async () => {
    await setFleet(fleet(undefined));
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toMatchObject({ delete: 2 });
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    expect(images()).toEqual({ [`secure-regions@${HZ}`]: ["Available", [DEMO.workload.kmsKeyId]] });
    expect(workload().instances).toEqual([]);
  }, 240_000);

  it("moves the group home and back: each time its instance runs from the copy of its region", async () => {
    await setFleet(fleet(SH_KEY));
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    const copyIn = (region: string) => workload().images.find((i) => i.regionId === region)?.imageId;
    const instances = () => workload().instances.map((i) => [i.name, i.regionId, i.imageId, i.status]);
    await setFleet(fleet(SH_KEY, HZ));
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    expect(instances()).toEqual([["secure-sh-0", HZ, copyIn(HZ), "Running"]]);
    await setFleet(fleet(SH_KEY, SH));
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    expect(instances()).toEqual([["secure-sh-0", SH, copyIn(SH), "Running"]]);
  }, 240_000);

  it("rotates the home key: the whole chain and the instance replaced, one copy per region left", async () => {
    await setFleet(fleet(SH_KEY, SH, HZ_KEY_2));
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toMatchObject({ replace: 3 });
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    expect(images()).toEqual({
      [`secure-regions@${HZ}`]: ["Available", [HZ_KEY_2]],
      [`secure-regions@${SH}`]: ["Available", [SH_KEY]],
    });
    const [sh] = workload().images.filter((i) => i.regionId === SH);
    expect(workload().instances.map((i) => [i.name, i.imageId, i.status])).toEqual([
      ["secure-sh-0", sh.imageId, "Running"],
    ]);
  }, 240_000);

  it("destroys and re-creates: the same names come back as new copies, one per region, and go again", async () => {
    const before = workload().images.map((i) => i.imageId);
    expect((await s.stack.destroy()).summary.result).toBe("succeeded");
    expect(workload().images).toEqual([]);
    expect((await s.stack.up()).summary.result).toBe("succeeded");
    const after = workload().images;
    expect(after.map((i) => `${i.name}@${i.regionId}`).sort()).toEqual([
      `secure-regions@${HZ}`,
      `secure-regions@${SH}`,
    ]);
    expect(after.filter((i) => before.includes(i.imageId))).toEqual([]);
    expect((await s.stack.destroy()).summary.result).toBe("succeeded");
    expect(workload().images).toEqual([]);
    expect(workload().instances).toEqual([]);
  }, 240_000);
});
