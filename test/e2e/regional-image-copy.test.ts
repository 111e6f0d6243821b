// RegionalImageCopy end to end: the real Pulumi CLI runs a consumer program with both hops (a SharedImageCopy in
// cn-hangzhou, a RegionalImageCopy of it in cn-shanghai); the provider process loads the new entry module through
// the shim and talks to the in-process emulator through the real SDK.
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { PROVENANCE_TAGS } from "../../providers/tags";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createConsumerStack, type EngineStack, tempDir } from "../support/engine";

const PROJECT = "ric-e2e";
const STACK = "e2e";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { RegionalImageCopy, SharedImageCopy } = require("pulumi-ecs-shared-images");
const config = new pulumi.Config();
const copy = new SharedImageCopy("golden-copy", {
  sourceImageId: config.require("sourceImageId"),
  approval: { approvedOwners: [config.require("approvedOwner")] },
});
const regional = new RegionalImageCopy("golden-sh", { sourceImageId: copy.imageId, region: config.require("otherRegion") });
for (const key of ["imageId", "status", "region", "sourceRegion", "sourceImageId", "sourceOwnerId", "sourceImageName"]) {
  exports[key] = regional[key];
}
`;

describe("RegionalImageCopy through the Pulumi engine (local program, emulator)", () => {
  const work = tempDir("ric-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  let emu: RunningEmulator;
  let s: EngineStack;
  const images = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images;

  beforeAll(async () => {
    // A copy within a region: 240 emulated s, 3 s of real time at 80x; the second hop twice that.
    emu = await startDemoEmulator({ timeScale: 80 });
    const config = {
      ...emulatorConfigValues(emu),
      sourceImageId: DEMO.images.plain,
      approvedOwner: DEMO.owner.accountId,
      otherRegion: DEMO.otherRegion,
    };
    s = await createConsumerStack({ projectDir, backendDir, project: PROJECT, stack: STACK, program: PROGRAM, config });
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("makes both hops on up, the second in the other region with the original's provenance", async () => {
    let output = "";
    const up = await s.stack.up({ onOutput: (text) => (output += text) });
    expect(up.summary.resourceChanges).toMatchObject({ create: 3 });
    const id = up.outputs.imageId.value;
    expect(up.outputs).toMatchObject({
      status: { value: "Available" },
      region: { value: DEMO.otherRegion },
      sourceRegion: { value: DEMO.region },
      sourceOwnerId: { value: DEMO.owner.accountId },
      sourceImageName: { value: "golden-base-2024-10" },
    });
    const copy = images().find((image) => image.imageId === up.outputs.sourceImageId.value);
    expect(copy?.regionId).toBe(DEMO.region);
    const regional = images().find((image) => image.imageId === id);
    expect(regional).toMatchObject({ regionId: DEMO.otherRegion, status: "Available", isCopied: true });
    expect(regional?.tags[PROVENANCE_TAGS.sourceImage]).toBe(DEMO.images.plain);
    expect(output).toMatch(
      new RegExp(`RegionalImageCopy golden-sh creating \\(\\d+s\\) copy ${id} of m-\\w+: Creating \\d+%`),
    );
  }, 180_000);

  it("previews no changes, with zero mutating ECS calls", async () => {
    const since = emu.admin.requests().at(-1)?.seq ?? 0;
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 3 });
    expect(emu.admin.requests({ since }).filter((c) => c.mutating)).toEqual([]);
  }, 120_000);

  it("destroys both copies, in both regions", async () => {
    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(images()).toEqual([]);
  }, 120_000);
});
