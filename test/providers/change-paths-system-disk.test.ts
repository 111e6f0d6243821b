// The change paths of a SystemDiskReplacement (an interrupted run, then a revert; a run killed before the engine
// recorded it), driven through the providers as the engine drives them (test/support/engine-model.ts) against an
// in-process emulator. Each test is a scenario that once lost data or access.

import {
  calls,
  disksOf,
  emu,
  emuInstance,
  IMAGES,
  lastSeq,
  marked,
  notices,
  PASSWORD,
  reimageNoticesFor,
  replaceSystemDiskFails,
  systemDisk,
  unique,
  unmanagedInstance,
  useChangePathsEmulator,
} from "../support/change-paths";
import { emulatorConfigValues } from "../support/emulator";
import { DeploymentFailed, EngineModel } from "../support/engine-model";
import { inProcess } from "../support/in-process";
import { ProviderProcess } from "../support/provider-process";

useChangePathsEmulator();

describe("SystemDiskReplacement", () => {
  it("setting the image back after a run that failed before replacing winds it back: started again, unmarked, no ReplaceSystemDisk", async () => {
    const instanceId = await unmanagedInstance();
    const engine = new EngineModel(inProcess);
    const name = unique("sdr-revert");
    const healed = replaceSystemDiskFails();
    await expect(engine.up([systemDisk(name, { instanceId, imageId: IMAGES.other })])).rejects.toThrow(
      DeploymentFailed,
    );
    healed();
    expect(emuInstance(instanceId)).toMatchObject({ status: "Stopped", imageId: IMAGES.plain });
    expect(marked(instanceId)).toBe(true);
    const diskBefore = disksOf(instanceId).find((d) => d.type === "system")?.diskId;

    // The operator cancels: the image back to the one the instance is still on.
    const revert = [systemDisk(name, { instanceId, imageId: IMAGES.plain })];
    notices.length = 0;
    expect(await engine.preview(revert)).toEqual([{ name, op: "update", replaces: [] }]);
    expect(reimageNoticesFor(instanceId)).toEqual([]);
    const since = lastSeq();
    await engine.up(revert);
    expect(calls(since, "ReplaceSystemDisk")).toEqual([]);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(marked(instanceId)).toBe(false);
    expect(disksOf(instanceId).find((d) => d.type === "system")?.diskId).toBe(diskBefore);
    expect(engine.state.get(name)?.outputs).toMatchObject({ imageId: IMAGES.plain, interrupted: false });
  });

  it("created for an instance already on the image, it applies the declared password by a re-image the preview announces", async () => {
    const instanceId = await unmanagedInstance({ password: "Someone-Elses-1" });
    const engine = new EngineModel(inProcess);
    const program = [systemDisk(unique("sdr-on-image"), { instanceId, imageId: IMAGES.plain, password: PASSWORD })];
    notices.length = 0;
    await engine.preview(program);
    expect(reimageNoticesFor(instanceId)).toEqual([
      expect.stringMatching(
        /from image m-demogoldenplain01 again because password changed: everything on the system disk is lost/,
      ),
    ]);
    const since = lastSeq();
    await engine.up(program);
    expect(calls(since, "ReplaceSystemDisk")).toHaveLength(1);
    expect(emu.admin.hasPassword(instanceId, PASSWORD)).toBe(true);
    // A second preview has nothing to do.
    expect((await engine.preview(program)).map((s) => s.op)).toEqual(["same"]);
  });

  it("an image change on a password instance gives the new disk the declared password; PasswordInherit only when asked", async () => {
    const instanceId = await unmanagedInstance({ password: PASSWORD });
    const engine = new EngineModel(inProcess);
    const name = unique("sdr-password");
    const since = lastSeq();
    await engine.up([systemDisk(name, { instanceId, imageId: IMAGES.other, password: PASSWORD })]);
    const [first] = calls(since, "ReplaceSystemDisk");
    expect(first.params).toMatchObject({ Password: "******" });
    expect(first.params.PasswordInherit).toBeUndefined();
    expect(emu.admin.hasPassword(instanceId, PASSWORD)).toBe(true);

    // Asked for explicitly, the image's preset password is used.
    const later = lastSeq();
    await engine.up([systemDisk(name, { instanceId, imageId: IMAGES.preset, passwordInherit: true })]);
    expect(calls(later, "ReplaceSystemDisk")[0].params).toMatchObject({ PasswordInherit: "true" });
    expect(emu.admin.credentials(instanceId)).toMatchObject({ password: "imagePreset", presetImageId: IMAGES.preset });
  });

  it("asking for the preset password of an image that has none is refused by ECS, and the instance is put back", async () => {
    const instanceId = await unmanagedInstance({ password: PASSWORD });
    const engine = new EngineModel(inProcess);
    const failure = engine.up([
      systemDisk(unique("sdr-no-preset"), { instanceId, imageId: IMAGES.other, passwordInherit: true }),
    ]);
    await expect(failure).rejects.toThrow(/ReplaceSystemDisk failed: .*Nothing was replaced/);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(marked(instanceId)).toBe(false);
    expect(emu.admin.hasPassword(instanceId, PASSWORD)).toBe(true);
  });
});

describe("SystemDiskReplacement killed before the engine recorded it", () => {
  it("declared again with the image the instance is still on, the next up winds the killed run back", async () => {
    const instanceId = await unmanagedInstance();
    const processes = await ProviderProcess.start(emu, emulatorConfigValues(emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "20ms",
    });
    try {
      const killed = new EngineModel(processes.invoke);
      const name = unique("sdr-killed");
      processes.killAfterAction("StopInstance");
      await expect(killed.up([systemDisk(name, { instanceId, imageId: IMAGES.other })])).rejects.toThrow(/killed/);
      expect(killed.state.has(name)).toBe(false);
      expect(marked(instanceId)).toBe(true);

      const engine = new EngineModel(inProcess);
      const since = lastSeq();
      await engine.up([systemDisk(name, { instanceId, imageId: IMAGES.plain })]);
      expect(calls(since, "ReplaceSystemDisk")).toEqual([]);
      expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
      expect(marked(instanceId)).toBe(false);
    } finally {
      await processes.close();
    }
  });
});
