// The resumable stop -> ReplaceSystemDisk -> start sequence, shared by SystemDiskReplacement and
// InstanceFromSharedImage (onImageChange: replaceSystemDisk).
//
// Resumability: before the first mutating call the sequence tags the instance with a marker recording the state it
// was in (Running or Stopped), its image and its system disk. The marker lives on the instance, not in Pulumi state,
// because a provider process that is killed (Ctrl-C twice, a CI runner dying) never gets to report partial state:
// whatever run comes next (an update, a create after a lost create, a re-run of InstanceFromSharedImage) reads the
// marker and finishes the job, restarting the instance if it was Running. The marker is removed as the last step.
//
// Every run is driven by one pure decision function (`nextStep`) over a fresh observation, so "resume" is not a
// special path: a run that finds the instance Stopped with the new image and a marker saying it was Running simply
// decides "start".
import type { DiskView, EcsApi } from "./ecs/api";
import { nextClientToken } from "./ecs/client-token";
import { EcsError, isIncorrectInstanceStatus, TimeoutError } from "./ecs/errors";
import type { InstanceStatus, InstanceView, Tags } from "./ecs/types";
import { poll, pollDelays } from "./ecs/wait";
import { progressDelivered, reportProgress } from "./progress";

export type DiskCredentials =
  | { kind: "password"; password: string }
  | { kind: "keyPair"; keyPairName: string }
  | { kind: "keep" };

export interface SystemDiskReplacementPlan {
  api: EcsApi;
  instanceId: string;
  imageId: string;
  /** GiB; default: ECS picks max(current size, image size). */
  systemDiskSize?: number;
  credentials: DiskCredentials;
  encrypted?: boolean;
  kmsKeyId?: string;
  /** State after the replacement: the one before it ("previous"), or always Running / Stopped. */
  restart: "previous" | "running" | "stopped";
  /**
   * Re-image even when the instance already runs `imageId` (new credentials, size or encryption on the same image).
   * Default false: an instance already on the image is left as it is. The disk to re-image is the one attached when
   * the run begins, or, when the instance carries a marker for this image (an interrupted re-image), the one the
   * marker recorded: a resumed run then repeats the same ReplaceSystemDisk (same ClientToken) instead of a second one.
   */
  reimage?: boolean;
  /**
   * The caller's deterministic token for this logical replacement (see ecs/client-token.ts). The token actually sent
   * with ReplaceSystemDisk is derived from it and the system disk being replaced, so replacing again with the same
   * inputs later (a revert and re-apply) is a new operation while a resumed run repeats the same one.
   */
  clientToken: string;
  /** Deadline of the whole sequence. */
  timeoutMs: number;
  /** Progress lines are attached to this resource. */
  urn: string;
}

export interface SystemDiskReplacementResult {
  previousImageId: string;
  previousSystemDiskId: string;
  newSystemDiskId: string;
  imageId: string;
  finalStatus: "Running" | "Stopped";
}

/** Instance tag keys of the marker. Tag values are at most 128 characters, so each fact gets its own key. */
export const MARKER_TAGS = {
  priorStatus: "ecs-shared-images:replacing:prior-status",
  priorImageId: "ecs-shared-images:replacing:prior-image",
  priorSystemDiskId: "ecs-shared-images:replacing:prior-disk",
} as const;

/** What the instance looked like before the sequence first touched it. */
export interface Marker {
  readonly priorStatus: "Running" | "Stopped";
  readonly priorImageId: string;
  readonly priorSystemDiskId: string;
}

export interface Observation {
  /** undefined: the instance does not exist. */
  readonly instance: InstanceView | undefined;
  /** undefined: no system disk is attached. */
  readonly systemDisk: DiskView | undefined;
}

export interface Goal {
  readonly imageId: string;
  readonly restart: SystemDiskReplacementPlan["restart"];
  /** ReplaceSystemDisk was accepted in this run: a Stopped instance still on the old image is catching up. */
  readonly replaceIssued?: boolean;
  /**
   * Re-image although the instance may already be on `imageId`: the system disk with this id must be replaced (the
   * disk found when the run began, or the one an existing marker recorded). Unset: an instance on the image is done.
   */
  readonly reimageDiskId?: string;
}

export type Step =
  | { readonly kind: "fail"; readonly reason: string }
  | { readonly kind: "wait"; readonly reason: string }
  | { readonly kind: "mark"; readonly marker: Marker }
  | { readonly kind: "stop"; readonly reason: string }
  | { readonly kind: "replace"; readonly marker: Marker }
  | { readonly kind: "start" }
  | { readonly kind: "unmark" }
  | { readonly kind: "done"; readonly finalStatus: "Running" | "Stopped" };

const TRANSIENT: ReadonlySet<InstanceStatus> = new Set(["Pending", "Starting", "Stopping"]);
/** Locks that waiting will not clear (the account owner has to act). */
const BLOCKING_LOCKS: ReadonlySet<string> = new Set(["financial", "security", "dedicatedhostfinancial", "refunded"]);

/** The marker on an instance, or undefined when it has none (or a malformed one, which is then ignored). */
export function readMarker(tags: Tags): Marker | undefined {
  const priorStatus = tags[MARKER_TAGS.priorStatus];
  const priorImageId = tags[MARKER_TAGS.priorImageId];
  const priorSystemDiskId = tags[MARKER_TAGS.priorSystemDiskId];
  if ((priorStatus !== "Running" && priorStatus !== "Stopped") || !priorImageId || priorSystemDiskId === undefined) {
    return undefined;
  }
  return { priorStatus, priorImageId, priorSystemDiskId };
}

export function markerTags(marker: Marker): Record<string, string> {
  return {
    [MARKER_TAGS.priorStatus]: marker.priorStatus,
    [MARKER_TAGS.priorImageId]: marker.priorImageId,
    [MARKER_TAGS.priorSystemDiskId]: marker.priorSystemDiskId,
  };
}

function finalStatus(goal: Goal, marker: Marker | undefined, current: "Running" | "Stopped"): "Running" | "Stopped" {
  if (goal.restart === "running") return "Running";
  if (goal.restart === "stopped") return "Stopped";
  return marker?.priorStatus ?? current;
}

/**
 * What to do next, given one observation. Pure: the table test in test/unit/system-disk-sequence.test.ts lists
 * every case. An instance already on the target image without a marker is taken as done (replacing a disk with the
 * image it already runs would only wipe it), unless the goal asks for a re-image of the disk still attached.
 */
export function nextStep(observed: Observation, goal: Goal): Step {
  const { instance, systemDisk } = observed;
  if (instance === undefined) return { kind: "fail", reason: "the instance no longer exists" };
  const locks = instance.operationLocks.map((l) => l.lockReason);
  const blocking = locks.filter((l) => BLOCKING_LOCKS.has(l.toLowerCase()));
  if (blocking.length > 0) return { kind: "fail", reason: `the instance is locked (${blocking.join(", ")})` };
  if (TRANSIENT.has(instance.status)) return { kind: "wait", reason: instance.status };
  if (locks.length > 0) return { kind: "wait", reason: `operation locks pending (${locks.join(", ")})` };
  const status = instance.status as "Running" | "Stopped";
  const marker = readMarker(instance.tags);

  if (instance.imageId !== goal.imageId) {
    if (marker === undefined) {
      if (systemDisk === undefined) return { kind: "fail", reason: "the instance has no system disk attached" };
      return {
        kind: "mark",
        marker: { priorStatus: status, priorImageId: instance.imageId, priorSystemDiskId: systemDisk.id },
      };
    }
    if (status === "Running") return { kind: "stop", reason: "ReplaceSystemDisk needs the instance Stopped" };
    if (goal.replaceIssued) return { kind: "wait", reason: `still on image ${instance.imageId}` };
    return { kind: "replace", marker };
  }

  // A re-image on the same image: the same steps as a replacement, as long as the disk to re-image is attached.
  if (goal.reimageDiskId !== undefined && systemDisk?.id === goal.reimageDiskId) {
    if (marker === undefined) {
      return {
        kind: "mark",
        marker: { priorStatus: status, priorImageId: instance.imageId, priorSystemDiskId: systemDisk.id },
      };
    }
    if (status === "Running") return { kind: "stop", reason: "ReplaceSystemDisk needs the instance Stopped" };
    if (goal.replaceIssued) return { kind: "wait", reason: `system disk is still ${systemDisk.id}` };
    return { kind: "replace", marker };
  }

  // On the target image: the new disk must be ready (and really new, when this sequence replaced it).
  if (systemDisk === undefined) return { kind: "wait", reason: "no system disk attached yet" };
  if (systemDisk.status !== "In_use") return { kind: "wait", reason: `new system disk ${systemDisk.status}` };
  const replacedHere =
    marker !== undefined && (marker.priorImageId !== goal.imageId || goal.reimageDiskId !== undefined);
  if (replacedHere && systemDisk.id === marker.priorSystemDiskId) {
    return { kind: "wait", reason: `system disk is still ${systemDisk.id}` };
  }
  const wanted = finalStatus(goal, marker, status);
  if (status !== wanted) {
    return status === "Stopped" ? { kind: "start" } : { kind: "stop", reason: "restart is set to stopped" };
  }
  if (marker !== undefined) return { kind: "unmark" };
  return { kind: "done", finalStatus: status };
}

/**
 * The run failed. `unfinished` says the instance carries our marker (it may be Stopped or on a half-done
 * replacement): the next run finishes it, so callers report partial state. When false, the instance is as it was
 * before the run (a refusal before anything changed, or one that the sequence undid).
 */
export class SystemDiskSequenceError extends Error {
  constructor(
    message: string,
    readonly unfinished: boolean,
    readonly marker: Marker | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "SystemDiskSequenceError";
  }
}

/** The instance is in a state the sequence cannot work with (gone, locked, no system disk). */
export class InstanceNotReplaceableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstanceNotReplaceableError";
  }
}

/** Failures that come from ECS or the instance, as opposed to bugs. */
function isSequenceFailure(err: unknown): boolean {
  return err instanceof EcsError || err instanceof TimeoutError || err instanceof InstanceNotReplaceableError;
}

/** The token sent with ReplaceSystemDisk: one per (logical operation, disk being replaced). */
export function replaceToken(planToken: string, priorSystemDiskId: string): string {
  return priorSystemDiskId === "" ? planToken : nextClientToken(planToken, priorSystemDiskId);
}

/** ECS refused the call outright (4xx that is not throttling): nothing changed, so the sequence can undo its steps. */
function definiteRefusal(err: unknown): err is EcsError {
  return err instanceof EcsError && err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500;
}

/** Runs (or resumes) the sequence until the instance is on `plan.imageId` and in its final state. */
export async function replaceSystemDisk(plan: SystemDiskReplacementPlan): Promise<SystemDiskReplacementResult> {
  const { api, instanceId, urn } = plan;
  const deadline = Date.now() + plan.timeoutMs;
  const progress = (message: string, ephemeral = false) =>
    reportProgress(urn, `${instanceId}: ${message}`, { ephemeral });
  let marker: Marker | undefined;
  let replaceIssued = false;
  let lastStep: Step["kind"] | undefined;
  /** For a re-image: the disk to replace, fixed at the first observation (see SystemDiskReplacementPlan.reimage). */
  let reimageDiskId: string | undefined;
  let reimageFixed = plan.reimage !== true;
  const fixReimageDisk = (o: Observation) => {
    if (reimageFixed || o.instance === undefined) return;
    const found = readMarker(o.instance.tags);
    if (found === undefined) {
      if (o.systemDisk === undefined) return; // nothing attached yet: decide on a later observation
      reimageDiskId = o.systemDisk.id;
    } else if (found.priorImageId === plan.imageId) {
      reimageDiskId = found.priorSystemDiskId; // an interrupted re-image: finish that one
    }
    // (A marker for another image is an unfinished replacement, which makes a new disk anyway.)
    reimageFixed = true;
  };

  const observe = async (): Promise<Observation> => {
    const [instance, disks] = await Promise.all([
      api.getInstance(instanceId),
      api.describeDisks({ instanceId, diskType: "system" }),
    ]);
    return { instance, systemDisk: disks.find((d) => d.instanceId === instanceId) ?? disks[0] };
  };

  /** Polls until the decision is something other than "wait". */
  const settle = async (): Promise<{ step: Step; observed: Observation }> => {
    let step: Step = { kind: "wait", reason: "not observed yet" };
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const last = lastStep === undefined ? "nothing done yet" : `last step ${lastStep}`;
      throw new TimeoutError(`the system disk replacement of ${instanceId}`, plan.timeoutMs, last);
    }
    const observed = await poll({
      describe: observe,
      acceptor: (o) => {
        fixReimageDisk(o);
        step = nextStep(o, { imageId: plan.imageId, restart: plan.restart, replaceIssued, reimageDiskId });
        return step.kind === "wait" ? { state: "retry", reason: step.reason } : { state: "success", reason: step.kind };
      },
      what: `instance ${instanceId} during its system disk replacement`,
      timeoutMs: remaining,
      ...pollDelays(),
      onProgress: (p) => progress(`waiting: ${p.reason}`, true),
    });
    return { step, observed };
  };

  const setMarker = async (instance: InstanceView, next: Marker | undefined) => {
    const current = { ...instance.tags };
    const wanted: Record<string, string> = { ...current };
    for (const key of Object.values(MARKER_TAGS)) delete wanted[key];
    await api.setTags(
      "instance",
      instanceId,
      current,
      next === undefined ? wanted : { ...wanted, ...markerTags(next) },
    );
  };

  try {
    for (;;) {
      const { step, observed } = await settle();
      const instance = observed.instance as InstanceView;
      marker = readMarker(instance?.tags ?? {}) ?? marker;
      lastStep = step.kind;
      switch (step.kind) {
        case "fail":
          throw new InstanceNotReplaceableError(`Cannot replace the system disk of ${instanceId}: ${step.reason}.`);
        case "mark":
          progress(`recording its ${step.marker.priorStatus} state before replacing the system disk`);
          await setMarker(instance, step.marker);
          marker = step.marker;
          break;
        case "stop":
          progress(`stopping (standard mode): ${step.reason}`);
          await tolerateRace(() => api.stopInstance(instanceId), observe, ["Stopping", "Stopped"]);
          break;
        case "replace":
          progress(`replacing the system disk with image ${plan.imageId}`);
          await api.replaceSystemDisk({
            instanceId,
            imageId: plan.imageId,
            size: plan.systemDiskSize,
            ...credentialParams(plan.credentials, instance),
            encrypted: plan.encrypted,
            kmsKeyId: plan.kmsKeyId,
            clientToken: replaceToken(plan.clientToken, step.marker.priorSystemDiskId),
          });
          replaceIssued = true;
          break;
        case "start":
          progress("starting again (it was running before the replacement)");
          await tolerateRace(() => api.startInstance(instanceId), observe, ["Starting", "Running"]);
          break;
        case "unmark":
          await setMarker(instance, undefined);
          break;
        case "done": {
          const disk = observed.systemDisk as DiskView;
          progress(`system disk ${disk.id} from image ${plan.imageId}, instance ${step.finalStatus}`);
          await progressDelivered();
          return {
            previousImageId: marker?.priorImageId ?? instance.imageId,
            previousSystemDiskId: marker?.priorSystemDiskId ?? disk.id,
            newSystemDiskId: disk.id,
            imageId: instance.imageId,
            finalStatus: step.finalStatus,
          };
        }
      }
    }
  } catch (err) {
    throw await afterFailure(err);
  }

  /**
   * When ECS refused stop or ReplaceSystemDisk outright, nothing was replaced: put the instance back the way it was
   * (start it if it was Running) and drop the marker, so a refusal never leaves a running instance stopped. Any
   * other failure (timeout, network, crash) leaves the marker for the next run.
   */
  async function afterFailure(err: unknown): Promise<Error> {
    const message = err instanceof Error ? err.message : String(err);
    if (marker === undefined) return new SystemDiskSequenceError(message, false, undefined, err);
    if (!definiteRefusal(err) || (lastStep !== "stop" && lastStep !== "replace") || replaceIssued) {
      return new SystemDiskSequenceError(
        `${message} The instance ${instanceId} is marked as being replaced and will be finished ` +
          `(and ${marker.priorStatus === "Running" ? "started again" : "left Stopped"}) by the next pulumi up.`,
        true,
        marker,
        err,
      );
    }
    try {
      const restore = marker;
      const undo: SystemDiskReplacementPlan = {
        ...plan,
        imageId: restore.priorImageId,
        restart: "previous",
        reimage: false,
      };
      progress(`ECS refused the replacement; restoring the instance to ${restore.priorStatus}`);
      await resumeAfterRefusal(undo, restore);
      return new SystemDiskSequenceError(
        `${message} Nothing was replaced; the instance ${instanceId} is ${restore.priorStatus} as before.`,
        false,
        restore,
        err,
      );
    } catch (undoErr) {
      // Only a failure of the instance or of ECS is reported this way; a bug in the undo surfaces as itself.
      if (!isSequenceFailure(undoErr instanceof SystemDiskSequenceError ? undoErr.cause : undoErr)) throw undoErr;
      const why = undoErr instanceof Error ? undoErr.message : String(undoErr);
      return new SystemDiskSequenceError(
        `${message} Restoring the instance ${instanceId} also failed (${why}); the next pulumi up finishes it.`,
        true,
        marker,
        err,
      );
    }
  }
}

/**
 * Back to the state recorded in the marker, without replacing anything: the instance is still on the prior image,
 * so the sequence towards that image only starts it (if it was Running) and removes the marker.
 */
async function resumeAfterRefusal(plan: SystemDiskReplacementPlan, marker: Marker): Promise<void> {
  await replaceSystemDisk({
    ...plan,
    imageId: marker.priorImageId,
    reimage: false,
    timeoutMs: Math.min(plan.timeoutMs, 600_000),
  });
}

/**
 * Start/StopInstance carry no ClientToken: when a retried call (its first answer was lost) meets the instance
 * already moving the right way, ECS says IncorrectInstanceStatus. That is success here.
 */
async function tolerateRace(
  call: () => Promise<void>,
  observe: () => Promise<Observation>,
  accepted: readonly InstanceStatus[],
): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (isIncorrectInstanceStatus(err)) {
      const { instance } = await observe();
      if (instance !== undefined && accepted.includes(instance.status)) return;
    }
    throw err;
  }
}

/**
 * ReplaceSystemDisk parameters for the credentials. "keep" re-sends the instance's key pair (ECS drops it
 * otherwise: the Terraform provider's lost-SSH bug) or asks for PasswordInherit on password instances.
 */
export function credentialParams(
  credentials: DiskCredentials,
  instance: Pick<InstanceView, "keyPairName">,
): { password?: string; passwordInherit?: boolean; keyPairName?: string } {
  switch (credentials.kind) {
    case "password":
      return { password: credentials.password };
    case "keyPair":
      return { keyPairName: credentials.keyPairName };
    case "keep":
      return instance.keyPairName ? { keyPairName: instance.keyPairName } : { passwordInherit: true };
  }
}
