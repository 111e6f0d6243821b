// The change paths of an InstanceFromSharedImage (an image change on a password instance, an encryption switch, …),
// driven through the providers as the engine drives them (test/support/engine-model.ts) against an in-process emulator.
// Each test is a scenario that once lost data or access.
import { EcsApi } from "../../providers/ecs/api";
import { readCreateTag, userTags } from "../../providers/tags";
import {
  calls,
  disksOf,
  emu,
  emuInstance,
  IMAGES,
  instance,
  inventory,
  lastSeq,
  marked,
  notices,
  PASSWORD,
  reimageNoticesFor,
  replaceSystemDiskFails,
  unique,
  useChangePathsEmulator,
  WORKLOAD,
  world,
} from "../support/change-paths";
import { DEMO, emulatorConfigValues } from "../support/emulator";
import { DeploymentFailed, EngineModel, type Invoker } from "../support/engine-model";
import { inProcess } from "../support/in-process";
import { ProviderProcess } from "../support/provider-process";

useChangePathsEmulator();

describe("InstanceFromSharedImage", () => {
  it("switching between a plain and an encrypted image in place keeps the instance and its data disks", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-switch");
    const declare = (imageId: string) =>
      instance(name, () => ({
        imageId,
        onImageChange: "replaceSystemDisk",
        dataDisks: [{ size: 50 }],
        keyPairName: DEMO.workload.keyPairName,
      }));
    await engine.up([declare(IMAGES.plain)]);
    const id = engine.state.get(name)?.id as string;
    const dataDisks = () =>
      disksOf(id)
        .filter((d) => d.type === "data")
        .map((d) => d.diskId);
    const before = dataDisks();
    expect(before).toHaveLength(1);

    for (const imageId of [IMAGES.encrypted, IMAGES.plain]) {
      notices.length = 0;
      expect(await engine.preview([declare(imageId)])).toEqual([{ name, op: "update", replaces: [] }]);
      expect(reimageNoticesFor(id)).toEqual([expect.stringMatching(/data disks stay/)]);
      const since = lastSeq();
      await engine.up([declare(imageId)]);
      expect(calls(since, "RunInstances")).toEqual([]);
      expect(calls(since, "DeleteInstance")).toEqual([]);
      expect(calls(since, "ReplaceSystemDisk")).toHaveLength(1);
      expect(engine.state.get(name)?.id).toBe(id);
      expect(emuInstance(id)).toMatchObject({ imageId, status: "Running", keyPairName: DEMO.workload.keyPairName });
      expect(dataDisks()).toEqual(before);
      expect(disksOf(id).find((d) => d.type === "system")?.encrypted).toBe(imageId === IMAGES.encrypted);
    }
  });

  it("a revert after a replacement whose old instance could not be deleted makes a new one, never adopting the pending delete", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-revert-pending-delete");
    const declare = (imageId: string) => instance(name, () => ({ imageId, keyPairName: DEMO.workload.keyPairName }));
    await engine.up([declare(IMAGES.plain)]);
    const first = engine.state.get(name)?.id as string;
    // The replacement makes a second instance; deleting the first fails, so the engine keeps it, pending deletion.
    emu.admin.addFault({ action: "DeleteInstance", kind: "error", code: "OperationDenied", httpStatus: 403 });
    await expect(engine.up([declare(IMAGES.other)])).rejects.toThrow(DeploymentFailed);
    emu.admin.clearFaults();
    const second = engine.state.get(name)?.id as string;
    expect(engine.state.get(`${name}#old-${first}`)?.id).toBe(first);

    // Set back: the first instance has exactly the inputs asked for, but the engine deletes it at the end.
    notices.length = 0;
    const since = lastSeq();
    await engine.up([declare(IMAGES.plain)]);
    const now = engine.state.get(name)?.id as string;
    expect([first, second]).not.toContain(now);
    expect(calls(since, "RunInstances").filter((c) => c.params.DryRun !== "true")).toHaveLength(1);
    expect(notices.filter((n) => n.startsWith(`${first} carries this resource's create tag`))).toHaveLength(1);
    const alive = inventory().instances.map((i) => i.instanceId);
    expect(alive).toContain(now);
    expect(alive).not.toContain(first);
    expect(alive).not.toContain(second);
    expect([...engine.state.keys()]).toEqual([name]);
    await engine.destroy();
  });

  it("a create that could not mark its instance does not hand it over, and the next up adopts it", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-unmarked");
    const program = [instance(name, () => ({ imageId: IMAGES.plain, keyPairName: DEMO.workload.keyPairName }))];
    // Untagging refused (a RAM policy without ecs:UntagResources, say): the create fails after RunInstances.
    const since = lastSeq();
    emu.admin.addFault({ action: "UntagResources", kind: "error", code: "Forbidden.RAM", httpStatus: 403 });
    await expect(engine.up(program)).rejects.toThrow(
      /could not be marked as handed over to Pulumi, so Pulumi does not/,
    );
    emu.admin.clearFaults();
    // Not in state, so a `--replace` cannot take it for the resource it replaces; pending, so the next create adopts it.
    expect(engine.state.has(name)).toBe(false);
    const [made] = calls(since, "RunInstances").filter((c) => c.params.DryRun !== "true");
    expect(made).toBeDefined();

    await engine.up(program);
    const id = engine.state.get(name)?.id as string;
    expect(calls(since, "RunInstances").filter((c) => c.params.DryRun !== "true")).toHaveLength(1);
    expect(readCreateTag(emuInstance(id).tags)?.state).toBe("done");
    await engine.destroy();
  });

  it("a replacement killed after RunInstances, then reverted: refresh names the instance the killed run made", async () => {
    const processes = await ProviderProcess.start(emu, emulatorConfigValues(emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "20ms",
    });
    try {
      // The kill is armed when create starts, so that the dry runs of check pass.
      let armOnCreate = false;
      const invoke: Invoker = (type, method, args) => {
        if (method === "create" && armOnCreate) {
          processes.killAfterAction("RunInstances");
          armOnCreate = false;
        }
        return processes.invoke(type, method, args);
      };
      const engine = new EngineModel(invoke);
      const name = unique("vm-killed-revert");
      const declare = (imageId: string) => instance(name, () => ({ imageId, keyPairName: DEMO.workload.keyPairName }));
      await engine.up([declare(IMAGES.plain)]);
      const before = new Set(inventory().instances.map((i) => i.instanceId));
      armOnCreate = true;
      await expect(engine.up([declare(IMAGES.other)])).rejects.toThrow(/killed/);
      await processes.restart();
      const made = inventory()
        .instances.map((i) => i.instanceId)
        .filter((id) => !before.has(id));
      expect(made).toHaveLength(1);
      expect((await engine.up([declare(IMAGES.plain)])).map((step) => step.op)).toEqual(["same"]);

      processes.progress.length = 0;
      await engine.refresh();
      const warnings = processes.progress.filter((e) => e.severity === "warning").map((e) => e.message);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^${made[0]} was made by an interrupted run`))]);
      await engine.destroy();
      await EcsApi.forRegion(DEMO.region, "test").deleteInstance(made[0]);
    } finally {
      await processes.close();
    }
  });

  it("pulumi up --replace makes a new instance and leaves the live one to the engine's delete", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-forced");
    const program = [instance(name, () => ({ imageId: IMAGES.plain, keyPairName: DEMO.workload.keyPairName }))];
    await engine.up(program);
    const old = engine.state.get(name)?.id as string;
    notices.length = 0;
    const since = lastSeq();
    await engine.up(program, { replace: [name] });
    expect(calls(since, "RunInstances").filter((c) => c.params.DryRun !== "true")).toHaveLength(1);
    const now = engine.state.get(name)?.id as string;
    expect(now).not.toBe(old);
    // The create cannot know the live instance is the one being replaced (nobody asked diff): it names it and leaves
    // it alone; the engine deletes it next.
    expect(notices.filter((n) => n.startsWith(`${old} carries this resource's create tag`))).toHaveLength(1);
    expect(inventory().instances.map((i) => i.instanceId)).toEqual(expect.arrayContaining([now]));
    expect(inventory().instances.map((i) => i.instanceId)).not.toContain(old);
    expect(emuInstance(now).status).toBe("Running");
    await engine.destroy();
  });

  it("an in-place image change on a password instance gives the new disk the declared password, not PasswordInherit", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-password");
    const declare = (imageId: string) =>
      instance(name, () => ({ imageId, onImageChange: "replaceSystemDisk", password: PASSWORD }));
    await engine.up([declare(IMAGES.plain)]);
    const id = engine.state.get(name)?.id as string;
    const since = lastSeq();
    await engine.up([declare(IMAGES.other)]);
    const [replace] = calls(since, "ReplaceSystemDisk");
    expect(replace.params).toMatchObject({ Password: "******" });
    expect(replace.params.PasswordInherit).toBeUndefined();
    expect(emu.admin.hasPassword(id, PASSWORD)).toBe(true);
  });

  it("removing the password in the same change as an in-place image change is refused at preview", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-drop-password");
    await engine.up([
      instance(name, () => ({ imageId: IMAGES.plain, onImageChange: "replaceSystemDisk", password: PASSWORD })),
    ]);
    await expect(
      engine.preview([instance(name, () => ({ imageId: IMAGES.other, onImageChange: "replaceSystemDisk" }))]),
    ).rejects.toThrow(/password: the instance logs in with a password it was given/);
  });

  it("an in-place image change after the password was removed in an earlier up is refused too", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-dropped-password");
    const declare = (extra: object) =>
      instance(name, () => ({ imageId: IMAGES.plain, onImageChange: "replaceSystemDisk", ...extra }));
    await engine.up([declare({ password: PASSWORD })]);
    await engine.up([declare({})]); // the instance keeps the password it has
    const id = engine.state.get(name)?.id as string;
    expect(emu.admin.hasPassword(id, PASSWORD)).toBe(true);
    await expect(engine.preview([declare({ imageId: IMAGES.other })])).rejects.toThrow(
      /password: the instance logs in with a password it was given/,
    );
    // Declaring the password again (it can be the current one) allows it, and the new disk gets it.
    const since = lastSeq();
    await engine.up([declare({ imageId: IMAGES.other, password: PASSWORD })]);
    expect(calls(since, "ReplaceSystemDisk")).toHaveLength(1);
    expect(emu.admin.hasPassword(id, PASSWORD)).toBe(true);
  });

  it("setting the image back after an interrupted in-place change winds it back, and refresh shows the stopped, marked instance", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-revert");
    const declare = (imageId: string) =>
      instance(name, () => ({ imageId, onImageChange: "replaceSystemDisk", keyPairName: DEMO.workload.keyPairName }));
    await engine.up([declare(IMAGES.plain)]);
    const id = engine.state.get(name)?.id as string;
    const healed = replaceSystemDiskFails();
    await expect(engine.up([declare(IMAGES.other)])).rejects.toThrow(DeploymentFailed);
    healed();
    expect(emuInstance(id)).toMatchObject({ status: "Stopped", imageId: IMAGES.plain });
    expect(marked(id)).toBe(true);

    await engine.refresh();
    expect(engine.state.get(name)?.outputs).toMatchObject({ status: "Stopped", interrupted: true });
    notices.length = 0;
    expect(await engine.preview([declare(IMAGES.plain)])).toEqual([{ name, op: "update", replaces: [] }]);
    expect(reimageNoticesFor(id)).toEqual([]);
    const since = lastSeq();
    await engine.up([declare(IMAGES.plain)]);
    expect(calls(since, "ReplaceSystemDisk")).toEqual([]);
    expect(emuInstance(id)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(marked(id)).toBe(false);
    expect(engine.state.get(name)?.outputs).toMatchObject({ status: "Running", interrupted: false });
  });

  it("from an encrypted image: a no-change preview makes no ECS call, and a tag edit still applies after the owner revoked the share", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("vm-encrypted");
    const declare = (tags: Record<string, string>) =>
      instance(name, () => ({ imageId: IMAGES.encrypted, dataDisks: [{ size: 50 }], tags }));
    await engine.up([declare({ team: "a" })]);
    const since = lastSeq();
    expect((await engine.preview([declare({ team: "a" })])).map((s) => s.op)).toEqual(["same"]);
    expect(emu.admin.requests({ since })).toEqual([]);

    emu.admin.revokeShare(IMAGES.encrypted, WORKLOAD);
    try {
      await engine.up([declare({ team: "b" })]);
      expect(userTags(emuInstance(engine.state.get(name)?.id as string).tags)).toEqual({ team: "b" });
      expect(calls(since, "RunInstances")).toEqual([]);
    } finally {
      emu.admin.loadWorld(world());
    }
  });
});
