// The fleet program across the demo world's two regions, end to end: the real CLI runs the shipped program against
// the in-process emulator. One shared image reaches Shanghai in two hops (a copy into the account in Hangzhou, then a
// copy of that copy), groups run in each region from the image of their region, and the figures of the run (copies,
// calls, time) are printed for the notes.
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";
import { requestLog } from "../support/requests";

const PROJECT = "ecs-shared-images";
const [HZ, SH] = [DEMO.region, DEMO.otherRegion];
const SH_KMS_KEY = "key-demo-workload-sh";
const network = {
  hz: {
    instanceType: "ecs.g7.large",
    zoneId: "cn-hangzhou-h",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
  },
  sh: {
    region: SH,
    instanceType: "ecs.g7.large",
    zoneId: "cn-shanghai-b",
    vSwitchId: DEMO.workload.vSwitchIdShanghai,
    securityGroupIds: ["sg-demo-workload-sh"],
  },
};

function fleet(): Record<string, Record<string, unknown>> {
  return {
    approval: { approvedOwners: [DEMO.owner.accountId] },
    images: {
      golden: { imageId: DEMO.images.plain, copy: { name: "golden-regions" }, regions: [SH] },
      secure: {
        imageId: DEMO.images.encrypted,
        copy: { name: "secure-regions", encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId },
        regions: { [SH]: { kmsKeyId: SH_KMS_KEY } },
      },
    },
    groups: {
      web: { count: 1, image: "golden", ...network.hz, keyPairName: DEMO.workload.keyPairName },
      "web-sh": { count: 2, image: "golden", ...network.sh, keyPairName: DEMO.workload.keyPairName },
      "secure-sh": { count: 1, image: "secure", ...network.sh },
    },
  };
}

describe("a fleet across two regions through the Pulumi engine (emulator)", () => {
  const work = tempDir("fleet-regions-e2e");
  const projectDir = path.join(work.dir, "project");
  let emu: RunningEmulator;
  let s: EngineStack;
  const log = requestLog(() => emu);
  const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
  const setFleet = async (config: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(config)) {
      await s.stack.setConfig(`${PROJECT}:${key}`, { value: JSON.stringify(value) });
    }
  };
  /** The regional copies' images, by name and region, as the emulator holds them. */
  const imagesByRegion = () => Object.fromEntries(workload().images.map((i) => [`${i.name}@${i.regionId}`, i]));

  beforeAll(async () => {
    // 200x: a copy of the 40 GiB demo image takes 1.2 s in its region and 2.4 s across regions.
    emu = await startDemoEmulator({ timeScale: 200 });
    fs.mkdirSync(projectDir);
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    s = await createLocalStack(projectDir, path.join(work.dir, "state"), "regions", {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms",
    });
    for (const [key, value] of Object.entries(emulatorConfigValues(emu))) {
      await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    await setFleet(fleet());
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("refuses a group in a region its image does not reach, naming the config path, before any ECS call", async () => {
    const config = fleet();
    (config.images.golden as Record<string, unknown>).regions = undefined;
    await setFleet(config);
    const mark = log.lastSeq();
    const failure = await s.stack.preview().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(failure).toContain(
      `groups.web-sh.region: is "${SH}", which images.golden does not reach: it exists in "${HZ}"; add "${SH}" to ` +
        "images.golden.regions, or run the group in one of those",
    );
    expect(log.callsSince(mark)).toEqual([]);
    await setFleet(fleet());
  }, 60_000);

  it("previews the chain: each regional copy a child of its copy into the account, nothing made", async () => {
    const mark = log.lastSeq();
    const events: EngineEvent[] = [];
    const preview = await s.stack.preview({ onEvent: (e) => events.push(e) });
    // The stack, two copies into the account, two regional copies, four instances.
    expect(preview.changeSummary).toEqual({ create: 9 });
    const planned = events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata.urn] : []));
    const type = (name: string) => `pulumi-nodejs:dynamic/${PROJECT}:${name}`;
    for (const entry of ["golden", "secure"]) {
      expect(planned).toContain(
        `urn:pulumi:regions::${PROJECT}::${type("SharedImageCopy")}$${type("RegionalImageCopy")}::image-${entry}-${SH}`,
      );
    }
    expect(planned.filter((urn) => urn.includes("RegionalImageCopy"))).toHaveLength(2);
    expect(log.mutatingSince(mark)).toEqual([]);
  }, 120_000);

  it("brings it up through both hops: each group runs from the copy in its own region", async () => {
    const mark = log.lastSeq();
    const started = Date.now();
    const up = await s.stack.up();
    const seconds = (Date.now() - started) / 1000;
    expect(up.summary.result).toBe("succeeded");

    const images = imagesByRegion();
    expect(Object.keys(images).sort()).toEqual([
      `golden-regions@${HZ}`,
      `golden-regions@${SH}`,
      `secure-regions@${HZ}`,
      `secure-regions@${SH}`,
    ]);
    expect(Object.values(images).map((i) => i.status)).toEqual(["Available", "Available", "Available", "Available"]);
    // The second hop copies the account's own copy, never the shared image (ECS refuses that across regions).
    const copies = log.callsSince(mark, "CopyImage").filter((r) => r.httpStatus === 200);
    const hops = copies.map((r) => [
      r.params.ImageId,
      r.params.RegionId,
      r.params.DestinationRegionId ?? r.params.RegionId,
    ]);
    expect(hops.sort()).toEqual(
      [
        [DEMO.images.plain, HZ, HZ],
        [DEMO.images.encrypted, HZ, HZ],
        [images[`golden-regions@${HZ}`].imageId, HZ, SH],
        [images[`secure-regions@${HZ}`].imageId, HZ, SH],
      ].sort(),
    );
    // Encrypted in Shanghai with the Shanghai key of the account.
    expect(images[`secure-regions@${SH}`].diskMappings.map((d) => [d.encrypted, d.kmsKeyId])).toEqual(
      images[`secure-regions@${SH}`].diskMappings.map(() => [true, SH_KMS_KEY]),
    );

    const imageOf = Object.fromEntries(workload().instances.map((i) => [i.name, [i.regionId, i.imageId, i.status]]));
    const running = (region: string, image: string) => [region, images[image].imageId, "Running"];
    expect(imageOf).toEqual({
      "web-0": running(HZ, `golden-regions@${HZ}`),
      "web-sh-0": running(SH, `golden-regions@${SH}`),
      "web-sh-1": running(SH, `golden-regions@${SH}`),
      "secure-sh-0": running(SH, `secure-regions@${SH}`),
    });
    expect(up.outputs.regionalCopies.value).toEqual({
      golden: {
        [SH]: {
          imageId: images[`golden-regions@${SH}`].imageId,
          sourceImageId: expect.any(String),
          status: "Available",
        },
      },
      secure: {
        [SH]: {
          imageId: images[`secure-regions@${SH}`].imageId,
          sourceImageId: expect.any(String),
          status: "Available",
        },
      },
    });

    // The figures of the run, for the notes.
    const calls = log.callsSince(mark);
    const byAction: Record<string, number> = {};
    for (const r of calls) byAction[r.action] = (byAction[r.action] ?? 0) + 1;
    console.log(
      `fleet across regions, up: ${copies.length} copies (2 per hop), ${calls.length} ECS calls ` +
        `(${calls.filter((r) => r.mutating).length} mutating) ${JSON.stringify(byAction)}, ${seconds.toFixed(1)} s at time scale 200`,
    );
  }, 240_000);

  it("refuses a region ECS does not know at preview, naming the regions it does, and makes nothing", async () => {
    const config = fleet();
    (config.images.golden as Record<string, unknown>).regions = [SH, "cn-nowhere"];
    await setFleet(config);
    const mark = log.lastSeq();
    const failure = await s.stack.preview().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(failure).toMatch(
      /RegionalImageCopy resource 'image-golden-cn-nowhere': property region value \{cn-nowhere\} has a problem: "cn-nowhere" is not a region ECS knows; use one of cn-hangzhou, cn-shanghai/,
    );
    expect(log.mutatingSince(mark)).toEqual([]);
    await setFleet(fleet());
  }, 60_000);

  it("previews no changes and makes no mutating API call", async () => {
    const mark = log.lastSeq();
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 9 });
    expect(log.mutatingSince(mark)).toEqual([]);
  }, 120_000);

  it("destroys every copy in every region, and every instance", async () => {
    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    const left = workload();
    expect(left.instances).toEqual([]);
    expect(left.images).toEqual([]);
  }, 240_000);
});
