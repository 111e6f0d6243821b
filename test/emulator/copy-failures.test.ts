// Image copies that fail in the emulator (an account in arrears, a broken precondition), their slots, and failed
// copies across a restart.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest, startDemoEmulator, tempDirPerTest } from "../support/emulator";
import {
  adminCall,
  describeImage,
  ecsClient,
  expectEcsError,
  expectRequestId,
  runRequest,
  stoppedInstance,
} from "../support/emulator-sdk";

const region = DEMO.region;

describe("emulator copies that fail", () => {
  const emu = emulatorPerTest();

  const workload = () => ecsClient(emu());
  /** A copy by the workload; 40 GiB images take 4 emulated minutes. */
  const copy = async (req: Partial<$Ecs.CopyImageRequest> = {}) =>
    (await workload().copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain, ...req })))
      .body?.imageId as string;
  const statusOf = async (imageId: string) => (await describeImage(emu(), imageId))?.status;

  it.each([
    ["the source owner goes into arrears", () => emu().admin.setArrears(DEMO.owner.accountId), {}],
    [
      "the source image's KMS key is disabled",
      () => emu().admin.disableKmsKey(DEMO.ownerKmsKeyId),
      { imageId: DEMO.images.encrypted, encrypted: true },
    ],
    [
      "the destination KMS key is disabled",
      () => emu().admin.disableKmsKey(DEMO.workload.kmsKeyId),
      { encrypted: true, KMSKeyId: DEMO.workload.kmsKeyId },
    ],
    ["the admin API fails it", (imageId: string) => emu().admin.failCopy(imageId), {}],
  ])("ends a running copy CreateFailed when %s, and its progress stops", async (_what, breakIt, req) => {
    const imageId = await copy(req);
    emu().admin.advanceClock(60_000);
    expect(await describeImage(emu(), imageId)).toMatchObject({ status: "Creating", progress: "25%" });
    breakIt(imageId);
    emu().admin.advanceClock(3_600_000);
    expect(await describeImage(emu(), imageId)).toMatchObject({ status: "CreateFailed", progress: "25%" });
  });

  it("fails copies that wait for a slot too, and a failed copy frees its slot for a waiting one", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await copy({ destinationImageName: `copy-${i}` }));
    const statuses = async () => Promise.all(ids.map(statusOf));
    expect(await statuses()).toEqual(["Creating", "Creating", "Creating", "Creating", "Creating", "Waiting"]);
    emu().admin.failCopy(ids[0]);
    expect(await statuses()).toEqual(["CreateFailed", "Creating", "Creating", "Creating", "Creating", "Creating"]);
    emu().admin.setArrears(DEMO.owner.accountId);
    expect(await statuses()).toEqual(Array(6).fill("CreateFailed"));
  });

  it("starts a waiting copy at once when the arrears fail the running ones", async () => {
    const own = await copy({ destinationImageName: "own-source" });
    emu().admin.advanceClock(3_600_000);
    for (let i = 0; i < 5; i++) await copy({ destinationImageName: `shared-${i}` });
    // A copy of the workload's own image: it waits for a slot and does not depend on the owner of the shared image.
    const waiting = await copy({ imageId: own, destinationImageName: "own-copy" });
    expect(await statusOf(waiting)).toBe("Waiting");
    emu().admin.setArrears(DEMO.owner.accountId);
    emu().admin.advanceClock(60_000);
    expect(await describeImage(emu(), waiting)).toMatchObject({ status: "Creating", progress: "25%" });
  });

  it("fails a copy from the moment its precondition broke, even when the clock then jumps past its end", async () => {
    const imageId = await copy();
    emu().admin.setArrears(DEMO.owner.accountId);
    emu().admin.advanceClock(3_600_000);
    expect(await statusOf(imageId)).toBe("CreateFailed");
  });

  it("does not fail a copy of the workload's own image when another account goes into arrears", async () => {
    const source = await copy({ destinationImageName: "own-source" });
    emu().admin.advanceClock(3_600_000);
    const own = await copy({ imageId: source, destinationImageName: "own-copy" });
    emu().admin.setArrears(DEMO.owner.accountId);
    emu().admin.advanceClock(3_600_000);
    expect(await statusOf(own)).toBe("Available");
  });

  it("lists a failed copy only when Status includes CreateFailed", async () => {
    const imageId = await copy();
    emu().admin.failCopy(imageId);
    const list = async (status?: string) =>
      (
        await workload().describeImages(new $Ecs.DescribeImagesRequest({ regionId: region, imageId, status }))
      ).body?.images?.image?.map((i) => i.imageId);
    expect(await list()).toEqual([]);
    expect(await list("Available,Creating,Waiting")).toEqual([]);
    expect(await list("CreateFailed")).toEqual([imageId]);
  });

  it("deletes a failed copy with DeleteImage", async () => {
    const imageId = await copy();
    emu().admin.failCopy(imageId);
    const res = await workload().deleteImage(new $Ecs.DeleteImageRequest({ regionId: region, imageId }));
    expectRequestId(res.body ?? {});
    expect(await describeImage(emu(), imageId)).toBeUndefined();
  });

  it("lets the owner delete the source of a failed copy", async () => {
    const imageId = await copy();
    emu().admin.failCopy(imageId);
    await ecsClient(emu(), DEMO.owner).deleteImage(
      new $Ecs.DeleteImageRequest({ regionId: region, imageId: DEMO.images.plain, force: true }),
    );
    expect(await statusOf(imageId)).toBe("CreateFailed");
  });

  it("refuses to cancel a failed copy (IncorrectImageStatus)", async () => {
    const imageId = await copy();
    emu().admin.failCopy(imageId);
    const err = await expectEcsError(
      workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: region, imageId })),
      "IncorrectImageStatus",
      400,
    );
    expect(err.message).toContain("copy has been failed");
  });

  it("refuses a failed copy for RunInstances, CopyImage and ReplaceSystemDisk (IncorrectImageStatus)", async () => {
    const imageId = await copy();
    emu().admin.failCopy(imageId);
    await expectEcsError(workload().runInstances(runRequest({ imageId })), "IncorrectImageStatus", 400);
    await expectEcsError(
      workload().copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId })),
      "IncorrectImageStatus",
      400,
    );
    const instanceId = await stoppedInstance(emu());
    await expectEcsError(
      workload().replaceSystemDisk(new $Ecs.ReplaceSystemDiskRequest({ instanceId, imageId })),
      "IncorrectImageStatus",
      400,
    );
  });

  it("fails a copy over the HTTP admin API", async () => {
    const imageId = await copy();
    const res = await adminCall(emu(), "POST", "images/fail-copy", { imageId });
    expect(res.status).toBe(200);
    expect(await statusOf(imageId)).toBe("CreateFailed");
  });

  it("refuses to fail what is not a running copy, in-process and over HTTP", async () => {
    const finished = await copy();
    emu().admin.advanceClock(3_600_000);
    expect(() => emu().admin.failCopy(finished)).toThrow(`failCopy: image ${finished} is not a running copy`);
    expect(() => emu().admin.failCopy(DEMO.images.plain)).toThrow(/not a running copy .*not made by CopyImage/);
    expect((await adminCall(emu(), "POST", "images/fail-copy", { imageId: finished })).status).toBe(409);
    expect((await adminCall(emu(), "POST", "images/fail-copy", { imageId: "m-nope" })).status).toBe(404);
    expect((await adminCall(emu(), "POST", "images/fail-copy", {})).status).toBe(400);
    expect(await statusOf(finished)).toBe("Available");
  });
});

describe("emulator copies that fail across restarts", () => {
  const dir = tempDirPerTest("ecs-emu-copies-");

  it("fails a copy whose owner is in arrears in the state file at the time the file was saved", async () => {
    const statePath = join(dir(), "state.json");
    let emu = await startDemoEmulator({ statePath });
    const copy = await ecsClient(emu).copyImage(
      new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain }),
    );
    const imageId = copy.body?.imageId as string;
    emu.admin.advanceClock(60_000);
    await emu.close();
    const file = JSON.parse(readFileSync(statePath, "utf8"));
    file.state.accounts[DEMO.owner.accountId].inArrears = true;
    writeFileSync(statePath, JSON.stringify(file));
    emu = await startDemoEmulator({ statePath });
    try {
      expect(await describeImage(emu, imageId)).toMatchObject({ status: "CreateFailed", progress: "25%" });
    } finally {
      await emu.close();
    }
  });
});
