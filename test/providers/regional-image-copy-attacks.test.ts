// RegionalImageCopy as an operator drives it after things went wrong: a create killed mid-copy and then edited.
import { DEMO, emulatorConfigValues } from "../support/emulator";
import { ProviderProcess } from "../support/provider-process";
import { firstHopCopy, regionalInputs } from "../support/regional-image-copy";
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
