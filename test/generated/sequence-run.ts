// One generated sequence run step by step against the emulator (test/generated/harness.ts), with the invariants
// (listed in harness.ts) checked after every step.
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import type { RunningEmulator } from "../../emulator";
import { RESERVED_TAGS, readCreateTag } from "../../providers/tags";
import { DEMO } from "../support/emulator";
import {
  type Declared,
  DeploymentFailed,
  type EngineModel,
  type PlannedStep,
  type ResourceState,
} from "../support/engine-model";
import type { Harness } from "./harness";
import {
  APPROVALS,
  declared,
  IMAGES,
  type ImageKey,
  NOTHING,
  type OutOfBand,
  OWNER,
  PASSWORDS,
  type Program,
  type Sequence,
  type Step,
  THIRD_PARTY,
  WORKLOAD,
} from "./program";

/** An invariant that does not hold: the message says which, with what the emulator shows. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

export class SequenceRun {
  private readonly state = new Map<string, ResourceState>();
  private declared: Program;
  private applied: Program | undefined;
  /** Instances stopped out of band while Running: Pulumi leaves them stopped. */
  private readonly stoppedOutOfBand = new Set<string>();
  private readonly undo: (() => Promise<void> | void)[] = [];
  private readonly reshares = new Set<() => Promise<void> | void>();
  /**
   * A system disk replacement's create was killed before the engine recorded it, and none has been recorded since:
   * if the program then drops it, no call is ever made for it, and the unmanaged instance stays as the run left it
   * (documented; re-declaring it winds the run back or finishes it).
   */
  private sdrCreateKilledUnrecorded = false;
  /**
   * The unmanaged instance's image before the life of the current SystemDiskReplacement began (the first up while
   * none was in state); undefined when unknown (after a replace of it, whose revert point the outside cannot see).
   */
  private sdrLifeStartImage: string | undefined;
  /** Every resource id any state has held: a resource deleted from state must be gone from the cloud too. */
  private readonly everInState = new Set<string>();
  /**
   * Resources a create reported and left alone because the engine may hold them (a finished create the engine never
   * recorded: a kill right after the create's last ECS call; documented).
   */
  private readonly keptByProvider = new Set<string>();
  /** An instance was deleted out of band and no refresh has run since: like Pulumi, an up does not see it. */
  private driftUnseen = false;
  private readonly log: string[] = [];

  constructor(
    private readonly h: Harness,
    sequence: Sequence,
    private readonly unmanagedId: string,
  ) {
    this.declared = sequence.initial;
  }

  private program(program = this.declared): Declared[] {
    return declared(program, this.unmanagedId);
  }

  async step(step: Step): Promise<void> {
    this.log.push(JSON.stringify(step));
    try {
      await this.apply(step);
    } finally {
      for (const r of this.state.values()) this.everInState.add(r.id);
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
        await this.up(this.h.inProcess(this.state));
        return;
      case "upReplacing":
        await this.up(this.h.inProcess(this.state), { replace: [...this.state.keys()] });
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
        this.h.emu.admin.addFault(rule);
        try {
          await this.up(this.h.inProcess(this.state));
        } finally {
          this.h.emu.admin.clearFaults();
        }
        return;
      }
      case "upKilled": {
        const declaredSdr = this.declared.systemDisk !== undefined;
        await this.h.killed(this.state, step.afterCalls, async (engine) => {
          await this.up(engine);
        });
        // A system disk replacement whose create was killed before the engine recorded it.
        if (declaredSdr && !this.state.has("sdr")) this.sdrCreateKilledUnrecorded = true;
        return;
      }
      case "event":
        await this.event(step.event);
        return;
      case "refresh":
        try {
          await this.h.inProcess(this.state).refresh();
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
    this.h.emu.admin.clearFaults();
    // The owner can share an image again only once it is no longer deprecated: re-sharing goes last.
    const undos = this.undo.splice(0);
    for (const undo of [...undos.filter((u) => !this.reshares.has(u)), ...undos.filter((u) => this.reshares.has(u))]) {
      await undo();
    }
    const engine = this.h.inProcess(this.state);
    await engine.refresh();
    this.driftUnseen = false;

    const attempt = async () =>
      (await this.up(engine, {}, this.declared)) || (await this.up(engine, {}, this.applied ?? NOTHING));
    let ok = await attempt();
    // Then the operator acts on the warnings that named a resource a create left alone, when no state holds it, as
    // the README says (what a create killed between its last ECS call and the engine's record leaves), and retries.
    if (!ok && this.deleteKeptNobodyHolds()) ok = await attempt();
    if (!ok) throw this.violation("neither the declared nor the last applied program converged once faults were gone");
    // What the up named and left alone, the operator deletes before a destroy (a copy it runs on cannot go), and so
    // what a create killed before the engine recorded it left, when the program no longer declares that resource (no
    // call is ever made for it again; README "Interrupted runs and reverts"): it is still tagged pending.
    this.deleteKeptNobodyHolds();
    this.deleteInterruptedNobodyHolds();
    await this.destroy();
    if (this.state.size > 0) throw this.violation(`destroy left ${[...this.state.keys()].join(", ")} in state`);
    this.expectExactResources(NOTHING);
  }

  /**
   * Deletes what creates reported and left alone that no state holds but as a pending delete (the copy error says
   * deleting it by hand is safe then); returns whether there was any.
   */
  private deleteKeptNobodyHolds(): boolean {
    const held = new Set([...this.state].filter(([name]) => !name.includes("#old-")).map(([, r]) => r.id));
    const inventory = this.h.inventory();
    let deleted = false;
    for (const id of [...this.keptByProvider].filter((kept) => !held.has(kept))) {
      if (inventory.instances.some((i) => i.instanceId === id)) this.h.emu.admin.deleteInstance(id);
      else if (inventory.images.some((i) => i.imageId === id)) this.h.emu.admin.deleteImage(id);
      else continue;
      deleted = true;
    }
    return deleted;
  }

  /** Deletes what interrupted creates made and never handed over (tagged pending) that no state holds. */
  private deleteInterruptedNobodyHolds(): void {
    const held = new Set([...this.state.values()].map((r) => r.id));
    const inventory = this.h.inventory();
    const pending = (tags: Record<string, string>) => readCreateTag(tags)?.state === "pending";
    for (const i of inventory.instances.filter((x) => pending(x.tags) && !held.has(x.instanceId))) {
      this.log.push(`  operator deletes ${i.instanceId}, left by an interrupted create of a resource since removed`);
      this.h.emu.admin.deleteInstance(i.instanceId);
    }
    for (const i of inventory.images.filter((x) => pending(x.tags) && !held.has(x.imageId))) {
      this.log.push(`  operator deletes ${i.imageId}, left by an interrupted create of a resource since removed`);
      this.h.emu.admin.deleteImage(i.imageId);
    }
  }

  private async destroy(): Promise<void> {
    const before = this.snapshot();
    const since = this.h.lastSeq();
    const plan: PlannedStep[] = [...this.state.keys()].map((name) => ({ name, op: "delete", replaces: [] }));
    this.h.takeNotices();
    let ok = true;
    try {
      await this.h.inProcess(this.state).destroy();
    } catch (err) {
      ok = false;
      this.allowFailure("destroy", err);
    }
    this.expectAnnounced(since, plan, [], before);
    this.expectRevertedWhenGone(before);
    if (ok) {
      this.applied = undefined;
      this.expectExactResources(NOTHING);
    }
  }

  /** A preview, then the up (as `pulumi up` does); returns whether the up succeeded. */
  private async up(
    engine: EngineModel,
    options: { replace?: string[] } = {},
    program = this.declared,
  ): Promise<boolean> {
    const resources = this.program(program);
    if (!this.state.has("sdr") && !this.sdrCreateKilledUnrecorded) {
      this.sdrLifeStartImage = this.h.instance(this.unmanagedId)?.imageId;
    }
    this.h.takeNotices();
    let plan: PlannedStep[];
    try {
      plan = await this.h.inProcess(this.state).preview(resources, options);
    } catch (err) {
      this.allowFailure("preview", err);
      return false; // `pulumi up` stops when its preview fails
    }
    const notices = this.h.takeNotices();
    const before = this.snapshot();
    const since = this.h.lastSeq();
    let ok = true;
    try {
      await engine.up(resources, options);
    } catch (err) {
      ok = false;
      this.allowFailure("up", err);
    }
    if (plan.some((step) => step.name === "sdr" && step.op === "replace")) this.sdrLifeStartImage = undefined;
    this.expectRevertedWhenGone(before);
    const all = [...notices, ...this.h.takeNotices()];
    for (const notice of all) {
      const kept = /^(\S+) carries this resource's create tag and is left alone/.exec(notice);
      if (kept) this.keptByProvider.add(kept[1]);
    }
    this.expectAnnounced(since, plan, all, before);
    this.expectApproved(since, program);
    if (!ok) return false;
    this.applied = program;
    if (this.driftUnseen) return true; // what is declared is what Pulumi thinks exists, until a refresh
    await this.expectDeclared(program);
    this.expectExactResources(program);
    if (this.state.has("sdr")) this.sdrCreateKilledUnrecorded = false;
    this.expectNothingStoppedOrMarked(program);
    await this.expectQuietSecondPreview(resources);
    return true;
  }

  private allowFailure(what: string, err: unknown): void {
    if (err instanceof InvariantViolation) throw err;
    // Deployment failures and check failures are expected here (faults, kills, refused images); bugs are not.
    if (err instanceof DeploymentFailed || (err instanceof Error && /killed|: /.test(err.message))) {
      this.log.push(`  ${what} failed: ${err.message.slice(0, 300)}`);
      return;
    }
    throw err;
  }

  private async event(event: OutOfBand): Promise<void> {
    const admin = this.h.emu.admin;
    const vm = this.state.get("vm")?.id;
    const running = (id: string | undefined) => id !== undefined && this.h.instance(id)?.status === "Running";
    switch (event) {
      case "stopInstance":
      case "stopUnmanaged": {
        const id = event === "stopInstance" ? vm : this.unmanagedId;
        if (id === undefined || !running(id)) return;
        admin.stopInstance(id);
        this.stoppedOutOfBand.add(id);
        return;
      }
      case "deleteInstance":
        if (vm !== undefined && this.h.instance(vm)) {
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
        const copy = this.state.get("copy")?.id;
        const running = this.h.inventory().copiesInProgress.find((c) => c.imageId === copy);
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
    await shareAgain(this.h.emu, imageId);
  }

  // ---- invariants ----

  private snapshot(): Map<string, ResourceState> {
    return new Map([...this.state].map(([k, v]) => [k, v]));
  }

  private violation(message: string): InvariantViolation {
    return new InvariantViolation(`${message}\n  steps so far:\n    ${this.log.join("\n    ")}`);
  }

  /** No disk replaced and nothing deleted that the preview did not announce. */
  private expectAnnounced(
    since: number,
    plan: readonly PlannedStep[],
    notices: readonly string[],
    before: Map<string, ResourceState>,
  ): void {
    const op = (name: string) => plan.find((s) => s.name === name)?.op;
    const reimaged = new Set(
      notices.flatMap((n) => {
        const match = /^re-images the system disk of (i-[\w-]+)/.exec(n);
        return match ? [match[1]] : [];
      }),
    );
    const sdr = before.get("sdr");
    if (sdr && sdr.outputs.revertOnDelete === true && (op("sdr") === "delete" || op("sdr") === "replace")) {
      reimaged.add(String(sdr.outputs.instanceId));
    }
    // A resource in state may go only by a replace or delete the preview showed (or as the leftover of one);
    // anything else deleted was never the engine's (what an interrupted create left behind).
    const mayDelete = (id: string) =>
      [...before.entries()].every(
        ([n, r]) => r.id !== id || op(n) === "replace" || op(n) === "delete" || n.includes("#old-"),
      );
    for (const r of this.h.emu.admin.requests({ since })) {
      if (r.httpStatus !== 200) continue;
      const id = r.params.InstanceId ?? r.params.ImageId ?? "";
      if (r.action === "ReplaceSystemDisk" && !reimaged.has(id)) {
        throw this.violation(
          `ReplaceSystemDisk on ${id} was not announced by the preview (notices: ${JSON.stringify(notices)})`,
        );
      }
      const deletes = r.action === "DeleteInstance" || r.action === "DeleteImage" || r.action === "CancelCopyImage";
      if (deletes && !mayDelete(id)) {
        throw this.violation(`${r.action} of ${id} was not announced by the preview (plan: ${JSON.stringify(plan)})`);
      }
    }
  }

  /** Every instance, copy and re-image to a declared image used an image the current approval accepts. */
  private expectApproved(since: number, program: Program): void {
    const owners = APPROVALS[program.approval];
    const declaredImages = new Set<string>(
      [program.instance?.image, program.systemDisk?.image]
        .filter((k) => k && k !== "copy")
        .map((k) => IMAGES[k as ImageKey]),
    );
    const copyId = this.state.get("copy")?.id;
    if (copyId) declaredImages.add(copyId);
    for (const r of this.h.emu.admin.requests({ since })) {
      if (r.httpStatus !== 200 || r.params.DryRun === "true") continue;
      const checked =
        r.action === "RunInstances" ||
        r.action === "CopyImage" ||
        (r.action === "ReplaceSystemDisk" && declaredImages.has(String(r.params.ImageId)));
      if (!checked) continue;
      const owner = this.rootOwner(r.params.ImageId);
      if (!owners.includes(owner)) {
        throw this.violation(
          `${r.action} used ${r.params.ImageId} of owner ${owner}, which the approval (${owners}) does not accept`,
        );
      }
    }
  }

  /** The owner of the shared image an image comes from (for this account's copies, their source's owner). */
  private rootOwner(imageId: string): string {
    const own = this.h.inventory().images.find((i) => i.imageId === imageId);
    if (own) {
      const source = own.tags[RESERVED_TAGS.sourceImage] ?? own.copy?.sourceImageId;
      return source ? this.rootOwner(source) : WORKLOAD;
    }
    return imageId === IMAGES.U ? THIRD_PARTY : OWNER;
  }

  /** What the program declares is what the cloud has. */
  private async expectDeclared(program: Program): Promise<void> {
    const inv = this.h.inventory();
    const fail = (what: string) => {
      throw this.violation(`after a successful up, ${what}`);
    };
    const copyState = this.state.get("copy");
    if (program.copy) {
      const decl = program.copy;
      const image = inv.images.find((i) => i.imageId === copyState?.id);
      if (!image) return fail(`the copy ${copyState?.id} does not exist`);
      if (image.status !== "Available") fail(`the copy ${image.imageId} is ${image.status}`);
      const name = copyState?.inputs.name;
      if (image.name !== name) fail(`the copy is named ${image.name}, not ${name}`);
      if (decl.description && image.description !== decl.description)
        fail(`the copy's description is ${image.description}`);
      const userTags = Object.fromEntries(
        Object.entries(image.tags).filter(([k]) => !k.startsWith("ecs-shared-images:")),
      );
      if (JSON.stringify(userTags) !== JSON.stringify(decl.team ? { team: decl.team } : {})) {
        fail(`the copy's tags are ${JSON.stringify(userTags)}`);
      }
      if (readCreateTag(image.tags)?.state !== "done") fail(`the copy's create is not marked done`);
      const encrypted = image.diskMappings.some((m) => m.encrypted);
      if (encrypted !== (decl.encrypted || decl.source === "E")) fail(`the copy's encryption is ${encrypted}`);
    }
    if (program.instance) {
      const decl = program.instance;
      const id = this.state.get("vm")?.id as string;
      const inst = this.h.instance(id);
      if (!inst) return fail(`the instance ${id} does not exist`);
      const imageId = decl.image === "copy" ? copyState?.id : IMAGES[decl.image];
      if (inst.imageId !== imageId) fail(`the instance ${id} runs ${inst.imageId}, not ${imageId}`);
      if (inst.instanceType !== decl.type) fail(`the instance ${id} is ${inst.instanceType}`);
      const userTags = Object.fromEntries(
        Object.entries(inst.tags).filter(([k]) => !k.startsWith("ecs-shared-images:")),
      );
      if (JSON.stringify(userTags) !== JSON.stringify(decl.team ? { team: decl.team } : {})) {
        fail(`the instance's tags are ${JSON.stringify(inst.tags)}`);
      }
      if (decl.name && inst.name !== decl.name) fail(`the instance is named ${inst.name}`);
      this.expectCredentials(id, decl.credential === "none" ? "keep" : decl.credential, fail);
      const dataDisks = inv.disks.filter((d) => d.instanceId === id && d.type === "data" && d.sizeGiB === 40);
      if (decl.dataDisk && dataDisks.length !== 1)
        fail(`the instance ${id} has ${dataDisks.length} declared data disks`);
    }
    if (program.systemDisk) {
      const decl = program.systemDisk;
      const inst = this.h.instance(this.unmanagedId);
      if (!inst) return fail(`the unmanaged instance is gone`);
      const imageId = decl.image === "copy" ? copyState?.id : IMAGES[decl.image];
      if (inst.imageId !== imageId) fail(`the unmanaged instance runs ${inst.imageId}, not ${imageId}`);
      this.expectCredentials(this.unmanagedId, decl.credential, fail);
      const disk = inv.disks.find((d) => d.instanceId === this.unmanagedId && d.type === "system");
      if (decl.size && disk?.sizeGiB !== decl.size) fail(`its system disk is ${disk?.sizeGiB} GiB, not ${decl.size}`);
    }
  }

  private expectCredentials(id: string, credential: string, fail: (what: string) => void): void {
    const admin = this.h.emu.admin;
    const creds = admin.credentials(id);
    if (credential === "password1" || credential === "password2") {
      const password = PASSWORDS[credential];
      if (admin.hasPassword(id, password) !== true)
        fail(`${id} does not have the declared password (${JSON.stringify(creds)})`);
    } else if (credential === "keyPair") {
      if (creds.keyPairName !== DEMO.workload.keyPairName) fail(`${id} has key pair "${creds.keyPairName}"`);
    } else if (credential === "imagePreset") {
      if (creds.password !== "imagePreset")
        fail(`${id} does not use the image's preset password (${JSON.stringify(creds)})`);
    }
  }

  /**
   * The account holds exactly the resources in state (and the unmanaged instance): no duplicate, no leak. The
   * exceptions are documented: what a create killed before the engine recorded it left behind, when the program no
   * longer declares that resource (no provider call is ever made for it again), and a finished create the engine
   * never recorded, which later creates report and leave alone (they cannot tell it from what the engine holds).
   */
  private expectExactResources(program: Program): void {
    const inv = this.h.inventory();
    const states = [...this.state.values()];
    const instances = new Set([this.unmanagedId, ...states.filter((s) => s.type === "instance").map((s) => s.id)]);
    const images = new Set(states.filter((s) => s.type === "copy").map((s) => s.id));
    for (const r of states) this.everInState.add(r.id);
    // Made by a create the engine never recorded, for a resource no longer declared, or reported and kept by a
    // create: never in any state.
    const abandoned = (id: string, tags: Record<string, string>, declared: boolean) =>
      readCreateTag(tags) !== undefined && (!declared || this.keptByProvider.has(id)) && !this.everInState.has(id);
    const extraInstances = inv.instances
      .filter((i) => !instances.has(i.instanceId) && !abandoned(i.instanceId, i.tags, program.instance !== undefined))
      .map((i) => i.instanceId);
    const extraImages = inv.images
      .filter((i) => !images.has(i.imageId) && !abandoned(i.imageId, i.tags, program.copy !== undefined))
      .map((i) => `${i.imageId} (${i.status})`);
    if (extraInstances.length > 0 || extraImages.length > 0) {
      throw this.violation(
        `the account holds resources no state has: ${[...extraInstances, ...extraImages].join(", ")}`,
      );
    }
    for (const i of inv.instances) {
      if (instances.has(i.instanceId) && readCreateTag(i.tags)?.state === "pending") {
        throw this.violation(`${i.instanceId} is in state but still marked as creating`);
      }
    }
  }

  /**
   * A SystemDiskReplacement that left the state was deleted: with revertOnDelete, the instance is back on the image
   * it had before the resource's life began, whatever changes and interruptions came between; the origin tag went
   * with the resource either way.
   */
  private expectRevertedWhenGone(before: Map<string, ResourceState>): void {
    const sdr = before.get("sdr");
    if (sdr === undefined || this.state.has("sdr")) return;
    const instance = this.h.instance(this.unmanagedId);
    const start = this.sdrLifeStartImage;
    if (sdr.outputs.revertOnDelete === true && start !== undefined && instance?.imageId !== start) {
      throw this.violation(
        `the deleted system disk replacement left ${this.unmanagedId} on ${instance?.imageId}, not ${start}`,
      );
    }
    if (instance && RESERVED_TAGS.originImageId in instance.tags) {
      throw this.violation(`the deleted system disk replacement left its origin tag on ${this.unmanagedId}`);
    }
    this.sdrLifeStartImage = undefined;
  }

  /**
   * No instance in state (or the unmanaged one) left stopped by us (only ones stopped out of band may be) or carrying
   * a marker. (Any other instance is a leak, which expectExactResources reports.)
   */
  private expectNothingStoppedOrMarked(program: Program): void {
    const leftByKilledCreate = this.sdrCreateKilledUnrecorded && program.systemDisk === undefined;
    const managed = new Set([...[...this.state.values()].map((r) => r.id)]);
    if (!leftByKilledCreate) managed.add(this.unmanagedId);
    for (const i of this.h.inventory().instances.filter((x) => managed.has(x.instanceId))) {
      if (Object.keys(i.tags).some((k) => k.startsWith("ecs-shared-images:replacing:"))) {
        throw this.violation(`${i.instanceId} still carries the system disk marker`);
      }
      const stoppedByOthers = this.stoppedOutOfBand.has(i.instanceId) && ["Stopping", "Stopped"].includes(i.status);
      if (i.status !== "Running" && !stoppedByOthers) {
        throw this.violation(`${i.instanceId} is left ${i.status}`);
      }
    }
  }

  /** A second preview right after a successful up changes nothing and asks ECS nothing. */
  private async expectQuietSecondPreview(resources: Declared[]): Promise<void> {
    const since = this.h.lastSeq();
    const plan = await this.h.inProcess(this.state).preview(resources);
    const calls = this.h.emu.admin.requests({ since }).map((r) => r.action);
    const changed = plan.filter((s) => s.op !== "same");
    if (changed.length > 0 || calls.length > 0) {
      throw this.violation(`a second preview shows ${JSON.stringify(changed)} and calls ${JSON.stringify(calls)}`);
    }
  }
}

/** The owner shares the image with the workload account again (its own SDK call, as the owner would). */
async function shareAgain(emu: RunningEmulator, imageId: string): Promise<void> {
  const client = new Ecs(
    new $OpenApiUtil.Config({
      accessKeyId: DEMO.owner.accessKeyId,
      accessKeySecret: DEMO.owner.accessKeySecret,
      endpoint: emu.endpoint,
      protocol: "HTTP",
      regionId: DEMO.region,
      readTimeout: 10_000,
      connectTimeout: 10_000,
    }),
  );
  await client.modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({ regionId: DEMO.region, imageId, addAccount: [WORKLOAD] }),
  );
}
