// The change paths operators walk (an interrupted run, then a revert; an image change on a password instance; an
// encryption switch; a copy killed during its wait, then an edit; destroy and re-create), each driven through the
// providers as the engine drives them (test/support/engine-model.ts) against an in-process emulator. Each test is a
// scenario that once lost data or access.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "20ms";

import type { RunningEmulator, WorldSpec } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { setProgressSink } from "../../providers/progress";
import { MARKER_TAGS } from "../../providers/system-disk/sequence-steps";
import { readCreateTag, userTags } from "../../providers/tags";
import { DEMO, demoWorld, emulatorConfigValues, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { type Declared, DeploymentFailed, EngineModel, type Invoker } from "../support/engine-model";
import { resourceIdentity } from "../support/identity";
import { inProcess, PROVIDERS } from "../support/in-process";
import { ProviderProcess } from "../support/provider-process";
import { requestLog } from "../support/requests";

const OWNER = DEMO.owner.accountId;
const WORKLOAD = DEMO.workload.accountId;
const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  other: "m-pathsother01",
  preset: "m-pathspreset01",
};
const PASSWORD = "Paths-Pass-42x";
const approval = { approvedOwners: [OWNER] };

function world(): WorldSpec {
  const w = demoWorld({ copyGiBPerMinute: 400 });
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [WORKLOAD] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-paths" },
    { ...shared, imageId: IMAGES.preset, name: "golden-preset-password", passwordPreset: true },
  );
  return w;
}

let emu: RunningEmulator;
const notices: string[] = [];

const identity = (type: string, name: string) => resourceIdentity(type, name, "paths");

let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

function instance(name: string, extra: (o: (n: string) => Record<string, unknown>) => object): Declared {
  return {
    type: "instance",
    name,
    inputs: (outputsOf) => ({
      identity: identity("InstanceFromSharedImage", name),
      approval,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      ...extra(outputsOf),
    }),
  };
}

function systemDisk(name: string, extra: object): Declared {
  return {
    type: "systemDisk",
    name,
    deleteBeforeReplace: true, // what the SystemDiskReplacement class sets
    inputs: () => ({ identity: identity("SystemDiskReplacement", name), approval, ...extra }),
  };
}

function copy(name: string, extra: object = {}): Declared {
  return {
    type: "copy",
    name,
    inputs: () => ({ identity: identity("SharedImageCopy", name), sourceImageId: IMAGES.plain, approval, ...extra }),
  };
}

const inventory = () => emu.admin.inventory(WORKLOAD)[WORKLOAD];
const emuInstance = (id: string) => {
  const found = inventory().instances.find((i) => i.instanceId === id);
  if (!found) throw new Error(`no instance ${id}`);
  return found;
};
const images = () => inventory().images;
const disksOf = (id: string) => inventory().disks.filter((d) => d.instanceId === id);
const marked = (id: string) => Object.keys(emuInstance(id).tags).some((k) => k === MARKER_TAGS.priorStatus);
const { lastSeq, callsSince: calls } = requestLog(() => emu);
const reimageNoticesFor = (id: string) => notices.filter((n) => n.startsWith(`re-images the system disk of ${id}`));

/** An instance made outside any stack (from an approved image), logging in with a password or the demo key pair. */
async function unmanagedInstance(options: { password?: string; imageId?: string } = {}): Promise<string> {
  const api = EcsApi.forRegion(DEMO.region, "test");
  const id = await api.runInstance({
    imageId: options.imageId ?? IMAGES.plain,
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    ...(options.password ? { password: options.password } : { keyPairName: DEMO.workload.keyPairName }),
    clientToken: unique("paths-token"),
  });
  for (let i = 0; i < 200 && emuInstance(id).status !== "Running"; i++) await new Promise((r) => setTimeout(r, 20));
  return id;
}

/** A fault that fails every ReplaceSystemDisk (retries included), then is removed. */
function replaceSystemDiskFails(): () => void {
  const fault = emu.admin.addFault({
    action: "ReplaceSystemDisk",
    kind: "error",
    code: "ServiceUnavailable",
    httpStatus: 503,
  });
  return () => {
    emu.admin.clearFaults();
    void fault;
  };
}

beforeAll(async () => {
  emu = await startDemoEmulator({ world: world(), timeScale: 200 });
  for (const p of Object.values(PROVIDERS)) await p.configure({ config: emulatorStackConfig(emu) });
  setProgressSink((event) => {
    if (event.severity === "warning") notices.push(event.message);
  });
});

afterAll(async () => {
  setProgressSink(undefined);
  await emu.close();
});

afterEach(() => emu.admin.clearFaults());

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

describe("SharedImageCopy", () => {
  it("a create killed during its wait, then a tag and name edit: the next up adopts the copy and applies the edits", async () => {
    const processes = await ProviderProcess.start(emu, emulatorConfigValues(emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "20ms",
    });
    try {
      const engine = new EngineModel(processes.invoke);
      const name = unique("copy-killed");
      const since = lastSeq();
      processes.killAfterAction("CopyImage");
      await expect(engine.up([copy(name, { name: "golden-copy-a", tags: { team: "a" } })])).rejects.toThrow(/killed/);
      expect(engine.state.has(name)).toBe(false);
      const [started] = images().filter((i) => i.name === "golden-copy-a");
      expect(started).toBeDefined();

      await engine.up([copy(name, { name: "golden-copy-b", tags: { team: "b" } })]);
      expect(calls(since, "CopyImage")).toHaveLength(1);
      expect(engine.state.get(name)?.id).toBe(started.imageId);
      const [copied] = images().filter((i) => i.imageId === started.imageId);
      expect(copied).toMatchObject({ name: "golden-copy-b", status: "Available" });
      expect(Object.entries(copied.tags).filter(([k]) => !k.startsWith("ecs-shared-images:"))).toEqual([["team", "b"]]);
      expect(readCreateTag(copied.tags)?.state).toBe("done");
      await engine.destroy();
    } finally {
      await processes.close();
    }
  });

  it("a replacement of a failed copy evaluates the current approval: tightened since, nothing is copied", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("copy-failed");
    const program = (policy: object) => [copy(name, { name: "golden-copy-failed", approval: policy })];
    const since = lastSeq();
    const running = engine.up(program(approval));
    // The copy fails while it runs (ECS: the owner in arrears, a KMS key disabled, ...).
    for (let i = 0; i < 200 && calls(since, "CopyImage").length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [started] = images().filter((i) => i.name === "golden-copy-failed");
    emu.admin.failCopy(started.imageId);
    await expect(running).rejects.toThrow(/CreateFailed/);
    expect(engine.state.get(name)?.outputs).toMatchObject({ status: "CreateFailed" });

    // The stack no longer approves the owner: the replacement must not copy again.
    const tightened = { approvedOwners: [DEMO.thirdParty.accountId] };
    // The engine checks a replacement again without old inputs: the source is looked up, and refused, before the
    // create (the create would refuse it too, see the next test).
    await expect(engine.up(program(tightened))).rejects.toThrow(/sourceImageId: .*not approved/);
    expect(calls(since, "CopyImage")).toHaveLength(1);
    // Refused before anything ran: the failed copy is still the one in state.
    expect(
      images()
        .filter((i) => i.name === "golden-copy-failed")
        .map((i) => [i.imageId, i.status]),
    ).toEqual([[started.imageId, "CreateFailed"]]);
    expect(engine.state.get(name)?.id).toBe(started.imageId);

    // The failed copy, held as partial state, can still be deleted by the engine (it names the provider it needs).
    await engine.destroy();
    expect(images().filter((i) => i.name === "golden-copy-failed")).toEqual([]);
  });

  it("a revert after a copy replacement whose old copy could not be deleted copies again, never adopting the pending delete", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("copy-revert-pending-delete");
    const declare = (sourceImageId: string, imageName: string) => copy(name, { sourceImageId, name: imageName });
    await engine.up([declare(IMAGES.plain, "golden-copy-v1")]);
    const first = engine.state.get(name)?.id as string;
    emu.admin.addFault({ action: "DeleteImage", kind: "error", code: "OperationDenied", httpStatus: 403 });
    await expect(engine.up([declare(IMAGES.other, "golden-copy-v2")])).rejects.toThrow(DeploymentFailed);
    emu.admin.clearFaults();
    const second = engine.state.get(name)?.id as string;
    expect(engine.state.get(`${name}#old-${first}`)?.id).toBe(first);

    const since = lastSeq();
    await engine.up([declare(IMAGES.plain, "golden-copy-v1b")]);
    const now = engine.state.get(name)?.id as string;
    expect([first, second]).not.toContain(now);
    expect(calls(since, "CopyImage")).toHaveLength(1);
    const ids = images().map((i) => i.imageId);
    expect(ids).toContain(now);
    expect(ids).not.toContain(first);
    expect(ids).not.toContain(second);
    await engine.destroy();
  });

  it("pulumi up --replace with a new name makes a new copy and never adopts the one the engine deletes", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("copy-renamed");
    await engine.up([copy(name, { name: "golden-copy-r1" })]);
    const old = engine.state.get(name)?.id as string;
    notices.length = 0;
    const since = lastSeq();
    await engine.up([copy(name, { name: "golden-copy-r2" })], { replace: [name] });
    expect(calls(since, "CopyImage")).toHaveLength(1);
    const now = engine.state.get(name)?.id as string;
    expect(now).not.toBe(old);
    expect(notices.filter((n) => n.startsWith(`${old} carries this resource's create tag`))).toHaveLength(1);
    expect(images().map((i) => i.imageId)).not.toContain(old);
    expect(images().find((i) => i.imageId === now)).toMatchObject({ name: "golden-copy-r2", status: "Available" });
    await engine.destroy();
  });

  it("pulumi up --replace of a copy evaluates the current approval too", async () => {
    const engine = new EngineModel(inProcess);
    const name = unique("copy-forced");
    await engine.up([copy(name, { name: "golden-copy-forced" })]);
    const since = lastSeq();
    const tightened = [
      copy(name, { name: "golden-copy-forced", approval: { approvedOwners: [DEMO.thirdParty.accountId] } }),
    ];
    await expect(engine.up(tightened, { replace: [name] })).rejects.toThrow(/sourceImageId: .*not approved/);
    expect(calls(since, "CopyImage")).toEqual([]);
  });
});

describe("destroy and re-create of one stack (an ephemeral review environment)", () => {
  it("costs one CopyImage and one RunInstances every cycle, and never gets a deleted resource back", async () => {
    const engine = new EngineModel(inProcess);
    const copyName = unique("cycle-copy");
    const program = [
      copy(copyName, { name: "golden-cycle" }),
      instance(unique("cycle-vm"), (outputsOf) => ({
        imageId: outputsOf(copyName).imageId,
        keyPairName: DEMO.workload.keyPairName,
      })),
    ];
    const seen = new Set<string>();
    for (let cycle = 1; cycle <= 7; cycle++) {
      const since = lastSeq();
      await engine.up(program);
      const made = [...engine.state.values()].map((r) => r.id);
      for (const id of made) expect(seen.has(id)).toBe(false);
      for (const id of made) seen.add(id);
      expect(calls(since, "CopyImage")).toHaveLength(1);
      expect(calls(since, "RunInstances").filter((r) => r.params.DryRun !== "true")).toHaveLength(1);
      await engine.destroy();
      expect(inventory().instances).toEqual([]);
      expect(images().filter((i) => i.name === "golden-cycle")).toEqual([]);
    }
  });
});
