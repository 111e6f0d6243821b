// RegionalImageCopy as an operator drives it after things went wrong: a create killed mid-copy and then edited, and
// a name another resource's copy holds, and a copy renamed and retagged outside Pulumi, then refreshed.
import { EcsApi } from "../../providers/ecs/api";
import { provider, type RegionalImageCopyOutputs } from "../../providers/regional-image-copy";
import { DEMO, emulatorConfigValues } from "../support/emulator";
import { ProviderProcess } from "../support/provider-process";
import { firstHopCopy, madeRegional, regionalIdentity, regionalInputs } from "../support/regional-image-copy";
import { rejection } from "../support/requests";
import { useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();
const SHANGHAI_KEY = "key-demo-workload-sh";
const inShanghai = () => env.images().filter((image) => image.regionId === DEMO.otherRegion);

describe("a create killed mid-copy, then edited", () => {
  it("makes the copy the edit asks for and removes the one the killed run started", async () => {
    const source = await firstHopCopy(env);
    const processes = await ProviderProcess.start(env.emu, emulatorConfigValues(env.emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "20ms",
    });
    try {
      processes.killAfterAction("CopyImage");
      await expect(processes.invoke("regional", "create", [regionalInputs({ sourceImageId: source })])).rejects.toThrow(
        /killed/,
      );
      const [started] = inShanghai();
      expect(started).toMatchObject({ status: "Creating" });
      // The operator now encrypts the copy with the destination's key: a different copy, same name.
      const edited = regionalInputs({ sourceImageId: source, encrypted: true, kmsKeyId: SHANGHAI_KEY });
      const { id } = (await processes.invoke("regional", "create", [edited])) as { id: string };
      expect(id).not.toBe(started.imageId);
      expect(inShanghai().map((image) => [image.imageId, image.status])).toEqual([[id, "Available"]]);
      expect(inShanghai()[0].diskMappings.map((m) => m.kmsKeyId)).toEqual([SHANGHAI_KEY]);
      expect(processes.progress.map((p) => p.message)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^deleting ${started.imageId} \\(\\w+\\): an interrupted run of this create made it with other inputs`,
          ),
        ),
      );
    } finally {
      await processes.close();
    }
  });
});

describe("a name another resource's copy holds", () => {
  it("is refused naming the image that holds it, its region, and the ways out", async () => {
    const source = await firstHopCopy(env);
    const { id } = await madeRegional(regionalInputs({ sourceImageId: source }));
    // A renamed resource (a catalogue entry renamed): the new one is created before the old one is deleted.
    const err = await rejection(
      provider.create(regionalInputs({ sourceImageId: source, identity: regionalIdentity("renamed") })),
    );
    expect(err.message).toMatch(
      new RegExp(
        `\\(InvalidImageName\\.Duplicated, .* The name golden-sh belongs to ${id} in ${DEMO.otherRegion}, which this resource did not make: .* Fix: set name to another value`,
      ),
    );
    expect(inShanghai().map((image) => image.imageId)).toEqual([id]);
  });
});

describe("a copy changed outside Pulumi", () => {
  it("is seen by refresh as renamed and retagged, and up puts name and tags back without a new copy", async () => {
    const source = await firstHopCopy(env);
    const news = regionalInputs({ sourceImageId: source, tags: { team: "a" } });
    const { id, outs } = await madeRegional(news);
    const api = EcsApi.forRegion(DEMO.otherRegion, "test");
    const image = await api.getImage(id);
    if (image === undefined) throw new Error(`the copy ${id} is not listed`);
    await api.modifyImageAttribute(id, "renamed-by-hand", image.description);
    const { team: _team, ...withoutTeam } = image.tags;
    await api.setTags("image", id, image.tags, { ...withoutTeam, owner: "someone" });

    const refreshed = (await provider.read?.(id, outs))?.props;
    expect(refreshed).toMatchObject({ name: "renamed-by-hand", tags: { owner: "someone" } });
    const olds = refreshed as RegionalImageCopyOutputs;
    expect(await provider.diff?.(id, olds, news)).toMatchObject({ changes: true, replaces: [] });
    env.emu.admin.clearRequests();
    const updated = await provider.update?.(id, olds, news);
    expect(updated?.outs).toMatchObject({ name: "golden-sh", tags: { team: "a" } });
    expect(env.mutatingCalls()).not.toContain("CopyImage");
    expect(inShanghai()).toMatchObject([{ imageId: id, name: "golden-sh" }]);
    expect(Object.keys(inShanghai()[0].tags)).not.toContain("owner");
  });
});
