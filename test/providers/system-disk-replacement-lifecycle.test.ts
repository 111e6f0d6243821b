// SystemDiskReplacement's read, update and delete against the in-process emulator, and two resources of one
// instance (a rename makes the new one before deleting the old).
import { resourceKey } from "../../providers/ecs/client-token";
import { diffSystemDiskReplacement } from "../../providers/system-disk/diff";
import {
  provider,
  type SystemDiskReplacementInputs,
  type SystemDiskReplacementOutputs,
} from "../../providers/system-disk-replacement";
import { RESERVED_TAGS } from "../../providers/tags";
import { undefinedPaths } from "../support/expect";
import { inputs } from "../support/system-disk";
import {
  create,
  emu,
  emuInstance,
  hasMarker,
  IMAGES,
  lastSeq,
  mutatingSince,
  newInstance,
  useSystemDiskEmulator,
} from "../support/system-disk-emulator";

useSystemDiskEmulator();

describe("two SystemDiskReplacements of one instance (a rename makes the new one before deleting the old)", () => {
  const del = (id: string, outs: SystemDiskReplacementOutputs) =>
    (provider.delete as NonNullable<typeof provider.delete>)(id, outs);

  it.each([true, false])(
    "the old one's delete (revertOnDelete %s) leaves the instance, and its origin, to the new one",
    async (oldReverts) => {
      const instanceId = await newInstance();
      const first = await create(inputs(instanceId, { revertOnDelete: oldReverts }));
      const second = await create(inputs(instanceId, { imageId: IMAGES.other, revertOnDelete: true }));
      expect(second.outs.previousImageId).toBe(IMAGES.base);
      const since = lastSeq();
      await del(instanceId, first.outs);
      expect(mutatingSince(since)).toEqual([]);
      expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.other, status: "Running" });
      expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBe(
        `${IMAGES.base}@${resourceKey(second.outs.identity)}`,
      );
      // The new one's delete reverts to the image of before both.
      await del(instanceId, second.outs);
      expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.base, status: "Running" });
      expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBeUndefined();
    },
  );
});

describe("read, update and delete", () => {
  let instanceId: string;
  let news: SystemDiskReplacementInputs;
  let outs: SystemDiskReplacementOutputs;
  const read = (id: string, props: SystemDiskReplacementOutputs) =>
    (provider.read as NonNullable<typeof provider.read>)(id, props) as Promise<{
      id: string;
      props: SystemDiskReplacementOutputs;
    }>;
  const update = (olds: SystemDiskReplacementOutputs, next: SystemDiskReplacementInputs) =>
    (provider.update as NonNullable<typeof provider.update>)(instanceId, olds, next) as Promise<{
      outs: SystemDiskReplacementOutputs;
    }>;

  // Each test starts from its own instance with a finished replacement, so none relies on what an earlier one did.
  beforeEach(async () => {
    instanceId = await newInstance();
    news = inputs(instanceId);
    ({ outs } = await create(news));
  });

  /** The outputs of an update to the other image with revertOnDelete set (a second replacement of the disk). */
  async function reimagedWithOther(): Promise<SystemDiskReplacementOutputs> {
    return (await update(outs, { ...news, imageId: IMAGES.other, revertOnDelete: true })).outs;
  }

  it("reads back what create reported, with no mutating call", async () => {
    const since = lastSeq();
    const result = await read(instanceId, outs);
    expect(result).toEqual({ id: instanceId, props: outs });
    expect(mutatingSince(since)).toEqual([]);
    expect(undefinedPaths(result)).toEqual([]);
  });

  it("reports drift when someone replaced the system disk again", async () => {
    emu.admin.modifyInstance(instanceId, { imageId: IMAGES.other });
    const result = await read(instanceId, outs);
    expect(result.props.imageId).toBe(IMAGES.other);
    expect(diffSystemDiskReplacement(result.props, news)).toMatchObject({ changes: true, imageChanged: true });
    emu.admin.modifyInstance(instanceId, { imageId: IMAGES.plain });
  });

  it("updates only what is stored when restart changes", async () => {
    const since = lastSeq();
    const next = { ...news, restart: "running" as const, systemDiskSize: undefined };
    const result = await update(outs, next);
    expect(mutatingSince(since)).toEqual([]);
    expect(result.outs).toEqual({ ...outs, restart: "running" });
    expect(undefinedPaths(result.outs)).toEqual([]);
  });

  it("replaces the disk again when the image changes, keeping the image of before the resource as previous", async () => {
    expect(await reimagedWithOther()).toMatchObject({
      previousImageId: outs.previousImageId,
      previousSystemDiskId: outs.previousSystemDiskId,
      imageId: IMAGES.other,
      instanceStatus: "Running",
    });
    expect(outs.previousImageId).toBe(IMAGES.base);
    expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.other, status: "Running" });
    expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBe(
      `${IMAGES.base}@${resourceKey(news.identity)}`,
    );
  });

  it("reads the origin from the instance when the state lost it (a run killed before its checkpoint)", async () => {
    const lost = { ...(await reimagedWithOther()), previousImageId: IMAGES.plain };
    const since = lastSeq();
    expect((await read(instanceId, lost)).props.previousImageId).toBe(IMAGES.base);
    expect(mutatingSince(since)).toEqual([]);
  });

  it("reverts to the image of before the resource on delete when revertOnDelete is set, and drops the origin", async () => {
    // Even from a state that recorded an intermediate image: the instance's origin tag decides.
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, {
      ...(await reimagedWithOther()),
      previousImageId: IMAGES.plain,
    });
    expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.base, status: "Running" });
    expect(hasMarker(instanceId)).toBe(false);
    expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBeUndefined();
  });

  it("leaves the instance as it is on delete by default", async () => {
    const since = lastSeq();
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, { ...outs, revertOnDelete: false });
    // Its only call drops the origin tag it kept (this test once ran after a revert that had dropped it already).
    expect(mutatingSince(since)).toEqual(["UntagResources"]);
    expect(emuInstance(instanceId)).toMatchObject({ imageId: IMAGES.plain, status: "Running" });
    expect(emuInstance(instanceId).tags[RESERVED_TAGS.originImageId]).toBeUndefined();
  });

  it("reads an instance deleted behind its back as gone", async () => {
    emu.admin.deleteInstance(instanceId);
    expect(await read(instanceId, outs)).toEqual({ id: "", props: {} });
    await (provider.delete as NonNullable<typeof provider.delete>)(instanceId, outs);
  });
});
