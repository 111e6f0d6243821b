// The invariants of the generated tests (listed in harness.ts), checked against the emulator after every step of a
// sequence run (sequence-run.ts): functions over the run's explicit state, each throwing an InvariantViolation that
// names what does not hold and the steps so far.
import { RESERVED_TAGS, readCreateTag } from "../../providers/tags";
import { DEMO } from "../support/emulator";
import type { Declared, PlannedStep, ResourceState } from "../support/engine-model";
import type { Harness } from "./harness";
import { APPROVALS, IMAGES, type ImageKey, OWNER, PASSWORDS, type Program, THIRD_PARTY, WORKLOAD } from "./program";

/** An invariant that does not hold: the message says which, with what the emulator shows. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

/** What a sequence run keeps across its steps that the invariants read (and, for the revert point, reset). */
export interface RunState {
  readonly h: Harness;
  /** The instance the SystemDiskReplacement works on, which no state holds. */
  readonly unmanagedId: string;
  /** The engine's state: resource name -> what it recorded. */
  readonly state: Map<string, ResourceState>;
  /** The steps so far, and what failed in them: every violation reports it. */
  readonly log: string[];
  /** Instances stopped out of band while Running: Pulumi leaves them stopped. */
  readonly stoppedOutOfBand: Set<string>;
  /** Every resource id any state has held: a resource deleted from state must be gone from the cloud too. */
  readonly everInState: Set<string>;
  /**
   * Resources a create reported and left alone because the engine may hold them (a finished create the engine never
   * recorded: a kill right after the create's last ECS call; documented).
   */
  readonly keptByProvider: Set<string>;
  /**
   * A system disk replacement's create was killed before the engine recorded it, and none has been recorded since:
   * if the program then drops it, no call is ever made for it, and the unmanaged instance stays as the run left it
   * (documented; re-declaring it winds the run back or finishes it).
   */
  sdrCreateKilledUnrecorded: boolean;
  /**
   * The unmanaged instance's image before the life of the current SystemDiskReplacement began (the first up while
   * none was in state); undefined when unknown (after a replace of it, whose revert point the outside cannot see).
   */
  sdrLifeStartImage: string | undefined;
}

export function violation(run: RunState, message: string): InvariantViolation {
  return new InvariantViolation(`${message}\n  steps so far:\n    ${run.log.join("\n    ")}`);
}

/** No disk replaced and nothing deleted that the preview did not announce. */
export function expectAnnounced(
  run: RunState,
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
  for (const r of run.h.emu.admin.requests({ since })) {
    if (r.httpStatus !== 200) continue;
    const id = r.params.InstanceId ?? r.params.ImageId ?? "";
    if (r.action === "ReplaceSystemDisk" && !reimaged.has(id)) {
      throw violation(
        run,
        `ReplaceSystemDisk on ${id} was not announced by the preview (notices: ${JSON.stringify(notices)})`,
      );
    }
    const deletes = r.action === "DeleteInstance" || r.action === "DeleteImage" || r.action === "CancelCopyImage";
    if (deletes && !mayDelete(id)) {
      throw violation(run, `${r.action} of ${id} was not announced by the preview (plan: ${JSON.stringify(plan)})`);
    }
  }
}

/** Every instance, copy and re-image to a declared image used an image the current approval accepts. */
export function expectApproved(run: RunState, since: number, program: Program): void {
  const owners = APPROVALS[program.approval];
  const declaredImages = new Set<string>(
    [program.instance?.image, program.systemDisk?.image]
      .filter((k) => k && k !== "copy")
      .map((k) => IMAGES[k as ImageKey]),
  );
  const copyId = run.state.get("copy")?.id;
  if (copyId) declaredImages.add(copyId);
  for (const r of run.h.emu.admin.requests({ since })) {
    if (r.httpStatus !== 200 || r.params.DryRun === "true") continue;
    const checked =
      r.action === "RunInstances" ||
      r.action === "CopyImage" ||
      (r.action === "ReplaceSystemDisk" && declaredImages.has(String(r.params.ImageId)));
    if (!checked) continue;
    const owner = rootOwner(run, r.params.ImageId);
    if (!owners.includes(owner)) {
      throw violation(
        run,
        `${r.action} used ${r.params.ImageId} of owner ${owner}, which the approval (${owners}) does not accept`,
      );
    }
  }
}

/** The owner of the shared image an image comes from (for this account's copies, their source's owner). */
function rootOwner(run: RunState, imageId: string): string {
  const own = run.h.inventory().images.find((i) => i.imageId === imageId);
  if (own) {
    const source = own.tags[RESERVED_TAGS.sourceImage] ?? own.copy?.sourceImageId;
    return source ? rootOwner(run, source) : WORKLOAD;
  }
  return imageId === IMAGES.U ? THIRD_PARTY : OWNER;
}

/** What the program declares is what the cloud has. */
export async function expectDeclared(run: RunState, program: Program): Promise<void> {
  const inv = run.h.inventory();
  const fail = (what: string) => {
    throw violation(run, `after a successful up, ${what}`);
  };
  const copyState = run.state.get("copy");
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
    const id = run.state.get("vm")?.id as string;
    const inst = run.h.instance(id);
    if (!inst) return fail(`the instance ${id} does not exist`);
    const imageId = decl.image === "copy" ? copyState?.id : IMAGES[decl.image];
    if (inst.imageId !== imageId) fail(`the instance ${id} runs ${inst.imageId}, not ${imageId}`);
    if (inst.instanceType !== decl.type) fail(`the instance ${id} is ${inst.instanceType}`);
    const userTags = Object.fromEntries(Object.entries(inst.tags).filter(([k]) => !k.startsWith("ecs-shared-images:")));
    if (JSON.stringify(userTags) !== JSON.stringify(decl.team ? { team: decl.team } : {})) {
      fail(`the instance's tags are ${JSON.stringify(inst.tags)}`);
    }
    if (decl.name && inst.name !== decl.name) fail(`the instance is named ${inst.name}`);
    expectCredentials(run, id, decl.credential === "none" ? "keep" : decl.credential, fail);
    const dataDisks = inv.disks.filter((d) => d.instanceId === id && d.type === "data" && d.sizeGiB === 40);
    if (decl.dataDisk && dataDisks.length !== 1) fail(`the instance ${id} has ${dataDisks.length} declared data disks`);
  }
  if (program.systemDisk) {
    const decl = program.systemDisk;
    const inst = run.h.instance(run.unmanagedId);
    if (!inst) return fail(`the unmanaged instance is gone`);
    const imageId = decl.image === "copy" ? copyState?.id : IMAGES[decl.image];
    if (inst.imageId !== imageId) fail(`the unmanaged instance runs ${inst.imageId}, not ${imageId}`);
    expectCredentials(run, run.unmanagedId, decl.credential, fail);
    const disk = inv.disks.find((d) => d.instanceId === run.unmanagedId && d.type === "system");
    if (decl.size && disk?.sizeGiB !== decl.size) fail(`its system disk is ${disk?.sizeGiB} GiB, not ${decl.size}`);
  }
}

function expectCredentials(run: RunState, id: string, credential: string, fail: (what: string) => void): void {
  const admin = run.h.emu.admin;
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
export function expectExactResources(run: RunState, program: Program): void {
  const inv = run.h.inventory();
  const states = [...run.state.values()];
  const instances = new Set([run.unmanagedId, ...states.filter((s) => s.type === "instance").map((s) => s.id)]);
  const images = new Set(states.filter((s) => s.type === "copy").map((s) => s.id));
  for (const r of states) run.everInState.add(r.id);
  // Made by a create the engine never recorded, for a resource no longer declared, or reported and kept by a
  // create: never in any state.
  const abandoned = (id: string, tags: Record<string, string>, declared: boolean) =>
    readCreateTag(tags) !== undefined && (!declared || run.keptByProvider.has(id)) && !run.everInState.has(id);
  const extraInstances = inv.instances
    .filter((i) => !instances.has(i.instanceId) && !abandoned(i.instanceId, i.tags, program.instance !== undefined))
    .map((i) => i.instanceId);
  const extraImages = inv.images
    .filter((i) => !images.has(i.imageId) && !abandoned(i.imageId, i.tags, program.copy !== undefined))
    .map((i) => `${i.imageId} (${i.status})`);
  if (extraInstances.length > 0 || extraImages.length > 0) {
    throw violation(run, `the account holds resources no state has: ${[...extraInstances, ...extraImages].join(", ")}`);
  }
  for (const i of inv.instances) {
    if (instances.has(i.instanceId) && readCreateTag(i.tags)?.state === "pending") {
      throw violation(run, `${i.instanceId} is in state but still marked as creating`);
    }
  }
}

/**
 * A SystemDiskReplacement that left the state was deleted: with revertOnDelete, the instance is back on the image
 * it had before the resource's life began, whatever changes and interruptions came between; the origin tag went
 * with the resource either way.
 */
export function expectRevertedWhenGone(run: RunState, before: Map<string, ResourceState>): void {
  const sdr = before.get("sdr");
  if (sdr === undefined || run.state.has("sdr")) return;
  const instance = run.h.instance(run.unmanagedId);
  const start = run.sdrLifeStartImage;
  if (sdr.outputs.revertOnDelete === true && start !== undefined && instance?.imageId !== start) {
    throw violation(
      run,
      `the deleted system disk replacement left ${run.unmanagedId} on ${instance?.imageId}, not ${start}`,
    );
  }
  if (instance && RESERVED_TAGS.originImageId in instance.tags) {
    throw violation(run, `the deleted system disk replacement left its origin tag on ${run.unmanagedId}`);
  }
  run.sdrLifeStartImage = undefined;
}

/**
 * No instance in state (or the unmanaged one) left stopped by us (only ones stopped out of band may be) or carrying
 * a marker. (Any other instance is a leak, which expectExactResources reports.)
 */
export function expectNothingStoppedOrMarked(run: RunState, program: Program): void {
  const leftByKilledCreate = run.sdrCreateKilledUnrecorded && program.systemDisk === undefined;
  const managed = new Set([...[...run.state.values()].map((r) => r.id)]);
  if (!leftByKilledCreate) managed.add(run.unmanagedId);
  for (const i of run.h.inventory().instances.filter((x) => managed.has(x.instanceId))) {
    if (Object.keys(i.tags).some((k) => k.startsWith("ecs-shared-images:replacing:"))) {
      throw violation(run, `${i.instanceId} still carries the system disk marker`);
    }
    const stoppedByOthers = run.stoppedOutOfBand.has(i.instanceId) && ["Stopping", "Stopped"].includes(i.status);
    if (i.status !== "Running" && !stoppedByOthers) {
      throw violation(run, `${i.instanceId} is left ${i.status}`);
    }
  }
}

/** A second preview right after a successful up changes nothing and asks ECS nothing. */
export async function expectQuietSecondPreview(run: RunState, resources: Declared[]): Promise<void> {
  const since = run.h.lastSeq();
  const plan = await run.h.inProcess(run.state).preview(resources);
  const calls = run.h.emu.admin.requests({ since }).map((r) => r.action);
  const changed = plan.filter((s) => s.op !== "same");
  if (changed.length > 0 || calls.length > 0) {
    throw violation(run, `a second preview shows ${JSON.stringify(changed)} and calls ${JSON.stringify(calls)}`);
  }
}
