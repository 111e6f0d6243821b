// The emulator's copies of an own image to another region (the second hop of a shared image), through the real ECS
// client: twice as slow as a copy within a region, slots counted per destination region, encrypted with a key of the
// destination, cancelled there, and failed when that key is disabled mid-copy.
import * as $Ecs from "@alicloud/ecs20140526";
import { DEMO, emulatorPerTest } from "../support/emulator";
import { ecsClient, expectEcsError } from "../support/emulator-sdk";

/** The workload's KMS key in the destination region (emulator/worlds/demo.json). */
const SHANGHAI_KEY = "key-demo-workload-sh";
/** A copy of the 40 GiB plain image takes 4 emulated minutes within a region. */
const SAME_REGION_MS = 240_000;

describe("emulator copies to another region", () => {
  const emu = emulatorPerTest();
  let firstHop: string;
  const workload = () => ecsClient(emu());
  const copy = async (req: Partial<$Ecs.CopyImageRequest>) =>
    (await workload().copyImage(new $Ecs.CopyImageRequest({ regionId: DEMO.region, imageId: firstHop, ...req }))).body
      ?.imageId as string;
  const toShanghai = (req: Partial<$Ecs.CopyImageRequest> = {}) =>
    copy({ destinationRegionId: DEMO.otherRegion, ...req });
  const image = async (imageId: string, regionId: string = DEMO.otherRegion) =>
    (
      await workload().describeImages(
        new $Ecs.DescribeImagesRequest({ regionId, imageId, status: "Creating,Waiting,Available,CreateFailed" }),
      )
    ).body?.images?.image?.[0];

  beforeEach(async () => {
    firstHop = (
      await workload().copyImage(new $Ecs.CopyImageRequest({ regionId: DEMO.region, imageId: DEMO.images.plain }))
    ).body?.imageId as string;
    emu().admin.advanceClock(SAME_REGION_MS);
  });

  it("lists the copy in the destination region only, and takes twice as long as a copy within the region", async () => {
    const id = await toShanghai();
    expect(await image(id, DEMO.region)).toBeUndefined();
    emu().admin.advanceClock(SAME_REGION_MS);
    expect(await image(id)).toMatchObject({ status: "Creating", progress: "50%", isCopied: true });
    emu().admin.advanceClock(SAME_REGION_MS);
    expect(await image(id)).toMatchObject({ status: "Available", progress: "100%" });
  });

  it("runs at most 5 copies per destination region: a sixth to it waits, a copy within the source region does not", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await toShanghai({ destinationImageName: `sh-${i}` }));
    const local = await copy({ destinationImageName: "hz-local" });
    const statuses = await Promise.all(ids.map(async (id) => (await image(id))?.status));
    expect(statuses).toEqual(["Creating", "Creating", "Creating", "Creating", "Creating", "Waiting"]);
    expect((await image(local, DEMO.region))?.status).toBe("Creating");
    await workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: DEMO.otherRegion, imageId: ids[0] }));
    expect((await image(ids[5]))?.status).toBe("Creating");
  });

  it("encrypts with a key of the destination region and refuses one of the source region", async () => {
    const id = await toShanghai({ encrypted: true, KMSKeyId: SHANGHAI_KEY });
    const inventory = emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const made = inventory.images.find((i) => i.imageId === id);
    expect(made?.diskMappings.map((m) => [m.encrypted, m.kmsKeyId])).toEqual([[true, SHANGHAI_KEY]]);
    await expectEcsError(
      toShanghai({ encrypted: true, KMSKeyId: DEMO.workload.kmsKeyId, destinationImageName: "other-key" }),
      "InvalidParameter.KMSKeyId.NotFound",
      404,
    );
  });

  it("fails the copy when its destination key is disabled mid-copy, and gives its slot to a waiting copy", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(
        await toShanghai({
          destinationImageName: `sh-${i}`,
          encrypted: i === 0,
          KMSKeyId: i === 0 ? SHANGHAI_KEY : undefined,
        }),
      );
    }
    emu().admin.advanceClock(SAME_REGION_MS / 2);
    emu().admin.disableKmsKey(SHANGHAI_KEY);
    // 500 s in: the others (8 minutes each) finished, the waiting one started when the first failed (at 120 s).
    emu().admin.advanceClock(380_000);
    expect(await image(ids[0])).toMatchObject({ status: "CreateFailed", progress: "25%" });
    expect(await image(ids[5])).toMatchObject({ status: "Creating", progress: "79%" });
    expect((await image(ids[1]))?.status).toBe("Available");
  });

  it("cancels a running cross-region copy in its destination region", async () => {
    const id = await toShanghai();
    await expectEcsError(
      workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: DEMO.region, imageId: id })),
      "InvalidImageId.NotFound",
      404,
    );
    await workload().cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: DEMO.otherRegion, imageId: id }));
    expect(await image(id)).toBeUndefined();
  });
});
