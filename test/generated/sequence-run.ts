// One generated sequence run step by step against the emulator (test/generated/harness.ts): the steps, the
// out-of-band events and their undoing, and the final convergence, with the invariants (invariants.ts) checked
// after every step.
import * as $Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator } from "../../emulator";
import { readCreateTag } from "../../providers/tags";
import { DEMO } from "../support/emulator";
import { ecsClient } from "../support/emulator-sdk";
import {
  type Declared,
  DeploymentFailed,
  type EngineModel,
  type PlannedStep,
  type ResourceState,
} from "../support/engine-model";
import type { Harness } from "./harness";
import {
  expectAnnounced,
  expectApproved,
  expectDeclared,
  expectExactResources,
  expectNothingStoppedOrMarked,
  expectQuietSecondPreview,
  expectRevertedWhenGone,
  InvariantViolation,
  type RunState,
  violation,
} from "./invariants";
import {
  declared,
  IMAGES,
  type ImageKey,
  NOTHING,
  type OutOfBand,
  OWNER,
  type Program,
  type Sequence,
  type Step,
  WORKLOAD,
} from "./program";

export class SequenceRun {
  /** What the invariants read and keep across steps (test/generated/invariants.ts). */
  private readonly run: RunState;
  private declared: Program;
  private applied: Program | undefined;
  private readonly undo: (() => Promise<void> | void)[] = [];
  private readonly reshares = new Set<() => Promise<void> | void>();
  /** An instance was deleted out of band and no refresh has run since: like Pulumi, an up does not see it. */
  private driftUnseen = false;

  constructor(h: Harness, sequence: Sequence, unmanagedId: string) {
    this.run = {
      h,
      unmanagedId,
      state: new Map(),
      log: [],
      stoppedOutOfBand: new Set(),
      everInState: new Set(),
      keptByProvider: new Set(),
      sdrCreateKilledUnrecorded: false,
      sdrLifeStartImage: undefined,
    };
    this.declared = sequence.initial;
  }

  private program(program = this.declared): Declared[] {
    return declared(program, this.run.unmanagedId);
  }

  async step(step: Step): Promise<void> {
    this.run.log.push(JSON.stringify(step));
    try {
      await this.apply(step);
    } finally {
      for (const r of this.run.state.values()) this.run.everInState.add(r.id);
    }
  }

  private async apply(step: Step): Promise<void> {
    switch (step.kind) {
      case "declare":
        this.declared = step.program;
        return;
      case "revert":
        if (this.applied) this.declared = this.applied;
        return;
      case "up":
        await this.up(this.run.h.inProcess(this.run.state));
        return;
      case "upReplacing":
        await this.up(this.run.h.inProcess(this.run.state), { replace: [...this.run.state.keys()] });
        return;
      case "upWithFault": {
        const rule =
          step.mode === "commitThenDrop"
            ? { action: step.action, kind: "commitThenDrop" as const, count: 1 }
            : {
                action: step.action,
                kind: "error" as const,
                code: "ServiceUnavailable",
                httpStatus: 503,
                count: step.mode === "once" ? 1 : 1000,
              };
        this.run.h.emu.admin.addFault(rule);
        try {
          await this.up(this.run.h.inProcess(this.run.state));
        } finally {
          this.run.h.emu.admin.clearFaults();
        }
        return;
      }
      case "upKilled": {
        const declaredSdr = this.declared.systemDisk !== undefined;
        await this.run.h.killed(this.run.state, step.afterCalls, async (engine) => {
          await this.up(engine);
        });
        // A system disk replacement whose create was killed before the engine recorded it.
        if (declaredSdr && !this.run.state.has("sdr")) this.run.sdrCreateKilledUnrecorded = true;
        return;
      }
      case "event":
        await this.event(step.event);
        return;
      case "refresh":
        try {
          await this.run.h.inProcess(this.run.state).refresh();
          this.driftUnseen = false;
        } catch (err) {
          this.allowFailure("refresh", err);
        }
        return;
      case "destroy":
        await this.destroy();
        return;
    }
  }

  /**
   * Faults and events undone, a refresh, then an up of what is declared (or, when that is refused, e.g. an image the
   * approval does not accept, of the last program applied), then a destroy that must leave nothing behind.
   */
  async converge(): Promise<void> {
    this.run.h.emu.admin.clearFaults();
    // The owner can share an image again only once it is no longer deprecated: re-sharing goes last.
    const undos = this.undo.splice(0);
    for (const undo of [...undos.filter((u) => !this.reshares.has(u)), ...undos.filter((u) => this.reshares.has(u))]) {
      await undo();
    }
    const engine = this.run.h.inProcess(this.run.state);
    await engine.refresh();
    this.driftUnseen = false;

    const attempt = async () =>
      (await this.up(engine, {}, this.declared)) || (await this.up(engine, {}, this.applied ?? NOTHING));
    let ok = await attempt();
    // Then the operator acts on the warnings that named a resource a create left alone, when no state holds it, as
    // the README says (what a create killed between its last ECS call and the engine's record leaves), and retries.
    if (!ok && this.deleteKeptNobodyHolds()) ok = await attempt();
    if (!ok)
      throw violation(this.run, "neither the declared nor the last applied program converged once faults were gone");
    // What the up named and left alone, the operator deletes before a destroy (a copy it runs on cannot go), and so
    // what a create killed before the engine recorded it left, when the program no longer declares that resource (no
    // call is ever made for it again; README "Interrupted runs and reverts"): it is still tagged pending.
    this.deleteKeptNobodyHolds();
    this.deleteInterruptedNobodyHolds();
    await this.destroy();
    if (this.run.state.size > 0)
      throw violation(this.run, `destroy left ${[...this.run.state.keys()].join(", ")} in state`);
    expectExactResources(this.run, NOTHING);
  }

  /**
   * Deletes what creates reported and left alone that no state holds but as a pending delete (the copy error says
   * deleting it by hand is safe then); returns whether there was any.
   */
  private deleteKeptNobodyHolds(): boolean {
    const held = new Set([...this.run.state].filter(([name]) => !name.includes("#old-")).map(([, r]) => r.id));
    const inventory = this.run.h.inventory();
    let deleted = false;
    for (const id of [...this.run.keptByProvider].filter((kept) => !held.has(kept))) {
      if (inventory.instances.some((i) => i.instanceId === id)) this.run.h.emu.admin.deleteInstance(id);
      else if (inventory.images.some((i) => i.imageId === id)) this.run.h.emu.admin.deleteImage(id);
      else continue;
      deleted = true;
    }
    return deleted;
  }

  /** Deletes what interrupted creates made and never handed over (tagged pending) that no state holds. */
  private deleteInterruptedNobodyHolds(): void {
    const held = new Set([...this.run.state.values()].map((r) => r.id));
    const inventory = this.run.h.inventory();
    const pending = (tags: Record<string, string>) => readCreateTag(tags)?.state === "pending";
    for (const i of inventory.instances.filter((x) => pending(x.tags) && !held.has(x.instanceId))) {
      this.run.log.push(
        `  operator deletes ${i.instanceId}, left by an interrupted create of a resource since removed`,
      );
      this.run.h.emu.admin.deleteInstance(i.instanceId);
    }
    for (const i of inventory.images.filter((x) => pending(x.tags) && !held.has(x.imageId))) {
      this.run.log.push(`  operator deletes ${i.imageId}, left by an interrupted create of a resource since removed`);
      this.run.h.emu.admin.deleteImage(i.imageId);
    }
  }

  private async destroy(): Promise<void> {
    const before = this.snapshot();
    const since = this.run.h.lastSeq();
    const plan: PlannedStep[] = [...this.run.state.keys()].map((name) => ({ name, op: "delete", replaces: [] }));
    this.run.h.takeNotices();
    let ok = true;
    try {
      await this.run.h.inProcess(this.run.state).destroy();
    } catch (err) {
      ok = false;
      this.allowFailure("destroy", err);
    }
    expectAnnounced(this.run, since, plan, [], before);
    expectRevertedWhenGone(this.run, before);
    if (ok) {
      this.applied = undefined;
      expectExactResources(this.run, NOTHING);
    }
  }

  /** A preview, then the up (as `pulumi up` does); returns whether the up succeeded. */
  private async up(
    engine: EngineModel,
    options: { replace?: string[] } = {},
    program = this.declared,
  ): Promise<boolean> {
    const resources = this.program(program);
    if (!this.run.state.has("sdr") && !this.run.sdrCreateKilledUnrecorded) {
      this.run.sdrLifeStartImage = this.run.h.instance(this.run.unmanagedId)?.imageId;
    }
    this.run.h.takeNotices();
    let plan: PlannedStep[];
    try {
      plan = await this.run.h.inProcess(this.run.state).preview(resources, options);
    } catch (err) {
      this.allowFailure("preview", err);
      return false; // `pulumi up` stops when its preview fails
    }
    const notices = this.run.h.takeNotices();
    const before = this.snapshot();
    const since = this.run.h.lastSeq();
    let ok = true;
    try {
      await engine.up(resources, options);
    } catch (err) {
      ok = false;
      this.allowFailure("up", err);
    }
    if (plan.some((step) => step.name === "sdr" && step.op === "replace")) this.run.sdrLifeStartImage = undefined;
    expectRevertedWhenGone(this.run, before);
    const all = [...notices, ...this.run.h.takeNotices()];
    for (const notice of all) {
      const kept = /^(\S+) carries this resource's create tag and is left alone/.exec(notice);
      if (kept) this.run.keptByProvider.add(kept[1]);
    }
    expectAnnounced(this.run, since, plan, all, before);
    expectApproved(this.run, since, program);
    if (!ok) return false;
    this.applied = program;
    if (this.driftUnseen) return true; // what is declared is what Pulumi thinks exists, until a refresh
    await expectDeclared(this.run, program);
    expectExactResources(this.run, program);
    if (this.run.state.has("sdr")) this.run.sdrCreateKilledUnrecorded = false;
    expectNothingStoppedOrMarked(this.run, program);
    await expectQuietSecondPreview(this.run, resources);
    return true;
  }

  private allowFailure(what: string, err: unknown): void {
    if (err instanceof InvariantViolation) throw err;
    // Deployment failures and check failures are expected here (faults, kills, refused images); bugs are not.
    if (err instanceof DeploymentFailed || (err instanceof Error && /killed|: /.test(err.message))) {
      this.run.log.push(`  ${what} failed: ${err.message.slice(0, 300)}`);
      return;
    }
    throw err;
  }

  private async event(event: OutOfBand): Promise<void> {
    const admin = this.run.h.emu.admin;
    const vm = this.run.state.get("vm")?.id;
    const running = (id: string | undefined) => id !== undefined && this.run.h.instance(id)?.status === "Running";
    switch (event) {
      case "stopInstance":
      case "stopUnmanaged": {
        const id = event === "stopInstance" ? vm : this.run.unmanagedId;
        if (id === undefined || !running(id)) return;
        admin.stopInstance(id);
        this.run.stoppedOutOfBand.add(id);
        return;
      }
      case "deleteInstance":
        if (vm !== undefined && this.run.h.instance(vm)) {
          admin.deleteInstance(vm);
          this.driftUnseen = true;
        }
        return;
      case "revokeShare": {
        const image = this.currentSharedImage();
        if (!image) return;
        admin.revokeShare(image, WORKLOAD);
        const reshare = () => this.reshare(image);
        this.reshares.add(reshare);
        this.undo.push(reshare);
        return;
      }
      case "deprecate": {
        const image = this.currentSharedImage();
        if (!image) return;
        admin.deprecateImage(image);
        this.undo.push(() => admin.undeprecateImage(image));
        return;
      }
      case "arrears":
        admin.setArrears(OWNER, true);
        this.undo.push(() => admin.setArrears(OWNER, false));
        return;
      case "disableOwnerKey":
        admin.disableKmsKey(DEMO.ownerKmsKeyId);
        this.undo.push(() => admin.enableKmsKey(DEMO.ownerKmsKeyId));
        return;
      case "failCopy": {
        const copy = this.run.state.get("copy")?.id;
        const running = this.run.h.inventory().copiesInProgress.find((c) => c.imageId === copy);
        if (running) admin.failCopy(running.imageId);
        return;
      }
    }
  }

  /** A shared image the declared program uses (so an event about it matters). */
  private currentSharedImage(): string | undefined {
    const p = this.declared;
    const key = p.copy?.source ?? (p.instance?.image !== "copy" ? p.instance?.image : undefined) ?? p.systemDisk?.image;
    if (key === undefined || key === "copy" || key === "U" || key === "D") return undefined;
    return IMAGES[key as ImageKey];
  }

  private async reshare(imageId: string): Promise<void> {
    await shareAgain(this.run.h.emu, imageId);
  }

  private snapshot(): Map<string, ResourceState> {
    return new Map([...this.run.state].map(([k, v]) => [k, v]));
  }
}

/** The owner shares the image with the workload account again (its own SDK call, as the owner would). */
async function shareAgain(emu: RunningEmulator, imageId: string): Promise<void> {
  await ecsClient(emu, DEMO.owner).modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({ regionId: DEMO.region, imageId, addAccount: [WORKLOAD] }),
  );
}
