// The change paths of a SharedImageCopy (a copy killed during its wait, then an edit) and a destroy and re-create of
// one stack, driven through the providers as the engine drives them (test/support/engine-model.ts) against an
// in-process emulator. Each test is a scenario that once lost data or access.
import { readCreateTag } from "../../providers/tags";
import {
  approval,
  calls,
  copy,
  emu,
  IMAGES,
  images,
  instance,
  inventory,
  lastSeq,
  notices,
  unique,
  useChangePathsEmulator,
} from "../support/change-paths";
import { DEMO, emulatorConfigValues } from "../support/emulator";
import { DeploymentFailed, EngineModel } from "../support/engine-model";
import { inProcess } from "../support/in-process";
import { ProviderProcess } from "../support/provider-process";

useChangePathsEmulator();

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
