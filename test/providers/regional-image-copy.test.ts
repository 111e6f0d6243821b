// RegionalImageCopy against the in-process emulator: the second hop of a shared image (a SharedImageCopy copied to
// another region) with its progress and provenance, and its delete.
import { provider } from "../../providers/regional-image-copy";
import { provider as firstHopProvider } from "../../providers/shared-image-copy";
import { DEMO } from "../support/emulator";
import { firstHopCopy, madeRegional, regionalIdentity, regionalInputs } from "../support/regional-image-copy";
import { identity } from "../support/shared-image-copy";
import { finishedPlainCopy, PLAIN_RESERVED, useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();

describe("RegionalImageCopy create and delete", () => {
  it("copies an own copy of a shared image to another region, carrying its provenance", async () => {
    const source = await firstHopCopy(env);
    const news = regionalInputs({ sourceImageId: source, tags: { team: "platform" } });
    const { id, outs } = await madeRegional(news);
    expect(outs).toEqual({ ...news, ...finishedPlainCopy(id), description: expect.any(String) });
    const copy = env.images().find((image) => image.imageId === id);
    expect(copy).toMatchObject({ regionId: DEMO.otherRegion, name: "golden-sh", status: "Available", isCopied: true });
    // The original's provenance (owner, the shared image's id and name), not the first hop's id.
    expect(copy?.tags).toEqual({ team: "platform", ...PLAIN_RESERVED });
    const calls = env.emu.admin.requests({ action: "CopyImage" });
    expect(calls.at(-1)?.params).toMatchObject({
      RegionId: DEMO.region,
      ImageId: source,
      DestinationRegionId: DEMO.otherRegion,
      ClientToken: expect.stringMatching(/^psi1-[0-9a-f]{48}$/),
    });
    expect(env.progress[0]).toMatchObject({
      urn: regionalIdentity().urn,
      message: `copying ${source} from ${DEMO.region} to ${id} in ${DEMO.otherRegion} (timeout 6h)`,
    });

    await provider.delete(id, outs);
    expect(env.images().map((image) => image.imageId)).toEqual([source]);
    // The first hop is untouched, and goes with its own delete.
    await firstHopProvider.delete(source, { region: DEMO.region, identity: identity() });
    expect(env.images()).toEqual([]);
  });
});
