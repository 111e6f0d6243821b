// The resumable stop -> ReplaceSystemDisk -> start sequence, shared by SystemDiskReplacement and
// InstanceFromSharedImage (onImageChange: replaceSystemDisk). Its pure decisions are in sequence-steps.ts.
//
// Resumability: before the first mutating call the sequence tags the instance with a marker recording the state it
// was in (Running or Stopped), its image and its system disk. The marker lives on the instance, not in Pulumi state,
// because a provider process that is killed (Ctrl-C twice, a CI runner dying) never gets to report partial state:
// whatever run comes next reads the marker and finishes the job or winds it back, restarting the instance if it was
// Running. The marker is removed as the last step.
//
// Every run is driven by pure decisions over a fresh observation: which disk (if any) this run must replace
// (`diskToReplace`, decided once) and what to do next (`nextStep`). So "resume" and "wind back" are not special
// paths: a run that finds the instance Stopped on the wanted image with a marker saying it was Running decides
// "start"; a run whose wanted image is the one the instance never left decides "start" too, and replaces nothing.
import type { DiskView, EcsApi } from "../ecs/api";
import { EcsError, isIncorrectInstanceStatus, TimeoutError } from "../ecs/errors";
import type { InstanceStatus, InstanceView } from "../ecs/types";
import { poll, pollDelays } from "../ecs/wait";
import { progressDelivered, reportProgress } from "../progress";
import { MARKER_TAGS, RESERVED_TAGS } from "../tags";
import {
  credentialParams,
  diskToReplace,
  type Marker,
  madeByInterruptedRun,
  markerTags,
  nextStep,
  type Observation,
  readMarker,
  replaceToken,
  type Step,
} from "./sequence-steps";

/**
 * The login credentials the new system disk gets. There is no "keep": ECS gives a new system disk no password unless
 * one is sent, and PasswordInherit means the *image's preset* password, not the instance's current one. Callers decide
 * what to send before the sequence starts (a key pair instance keeps its key pair by sending it again).
 */
export type DiskCredentials =
  | { kind: "password"; password: string }
  | { kind: "keyPair"; keyPairName: string }
  /** PasswordInherit: the password preset in the image (only when the user asks for it). */
  | { kind: "imagePreset" }
  /** Nothing: the new disk has no password and no key pair (for instances that had none). */
  | { kind: "none" };

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
   * Replace the system disk even when the instance already runs `imageId` (new credentials, size or encryption on the
   * same image). Default false: an instance already on the image keeps its disk.
   */
  reimage?: boolean;
  /**
   * Whether a system disk that an interrupted run made from `imageId` (and left for this run to finish) can be kept:
   * it carries what that run was given, which may not be what is wanted now. Default: kept. A password is not
   * something a disk shows, so when one is wanted it is set again on a kept disk (ModifyInstanceAttribute) instead.
   */
  acceptsDisk?: (disk: DiskView, instance: InstanceView) => boolean;
  /**
   * The system disk the caller's state records as already having the plan's password (after an interrupted run that
   * reported it): a kept disk that is this one is not given the password again.
   */
  recordedDiskId?: string;
  /**
   * Whether this run may replace a system disk at all (the caller's preview announced a re-image). When a
   * replacement turns out to be needed anyway, the run stops before touching the instance and says why.
   */
  mayReplace?: boolean;
  /**
   * The caller's deterministic token for this logical replacement (see ecs/client-token.ts). The token sent with
   * ReplaceSystemDisk is derived from it and the disk being replaced, so a retry repeats the same operation while a
   * later replacement of another disk (a revert, a re-apply) is a new one.
   */
  clientToken: string;
  /** Deadline of the whole sequence. */
  timeoutMs: number;
  /** Progress lines are attached to this resource. */
  urn: string;
  /**
   * The image to record on the instance as its origin (RESERVED_TAGS.originImageId) with the first marker, when it
   * carries none yet; the tag outlives the sequence (the caller removes it). Default: none recorded.
   */
  origin?: string;
}

export interface SystemDiskReplacementResult {
  /** The image and disk the instance had before the sequence first touched it (an interrupted run's included). */
  previousImageId: string;
  previousSystemDiskId: string;
  newSystemDiskId: string;
  imageId: string;
  finalStatus: "Running" | "Stopped";
  /** Whether this run replaced the system disk (so the disk carries this run's credentials and settings). */
  replaced: boolean;
  /** Whether the instance got `credentials`' password in this run (on a new disk, or set again on a kept one). */
  passwordSet: boolean;
}

/**
 * The run failed. `unfinished` says the instance carries our marker (it may be Stopped or on a half-done
 * replacement): the next run finishes it, so callers report partial state. When false, the instance is as it was
 * before the run (a refusal before anything changed, or one that the sequence undid).
 */
export class SystemDiskSequenceError extends Error {
  /** Whether the run had given the instance the plan's password (a new disk, or set again) before it failed. */
  passwordSet = false;
  /** Whether the run had its ReplaceSystemDisk accepted before it failed (the new disk has the plan's settings). */
  replaceIssued = false;

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

/** The instance and its system disk as ECS reports them now (one batched DescribeInstances, one DescribeDisks). */
export async function observeInstance(api: EcsApi, instanceId: string): Promise<Observation> {
  const [instance, disks] = await Promise.all([
    api.getInstance(instanceId),
    api.describeDisks({ instanceId, diskType: "system" }),
  ]);
  return { instance, systemDisk: disks.find((d) => d.instanceId === instanceId) ?? disks[0] };
}

/** ECS refused the call outright (4xx that is not throttling): nothing changed, so the sequence can undo its steps. */
function definiteRefusal(err: unknown): err is EcsError {
  return err instanceof EcsError && err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500;
}

/** Runs (or resumes) the sequence until the instance is on `plan.imageId` and in its final state. */
export async function runSystemDiskSequence(plan: SystemDiskReplacementPlan): Promise<SystemDiskReplacementResult> {
  const { api, instanceId, urn } = plan;
  const deadline = Date.now() + plan.timeoutMs;
  const progress = (message: string, ephemeral = false) =>
    reportProgress(urn, `${instanceId}: ${message}`, { ephemeral });
  let marker: Marker | undefined;
  let replaceIssued = false;
  let passwordSet = false;
  let lastStep: Step["kind"] | undefined;
  /** What the first conclusive observation showed: the disk to replace (if any), and the instance as it was. */
  let decided:
    | { replaceDiskId: string | undefined; imageId: string; systemDiskId: string; keptInterrupted: boolean }
    | undefined;

  const observe = () => observeInstance(api, instanceId);

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
        if (decided === undefined) {
          const disk = diskToReplace(o, plan);
          if (disk === "wait") {
            const reason = o.systemDisk
              ? "an earlier replacement is still switching disks"
              : "no system disk attached yet";
            step = { kind: "wait", reason };
            return { state: "retry", reason: step.reason };
          }
          decided = {
            replaceDiskId: disk,
            imageId: o.instance?.imageId ?? "",
            systemDiskId: o.systemDisk?.id ?? "",
            keptInterrupted: disk === undefined && madeByInterruptedRun(o) && o.systemDisk?.id !== plan.recordedDiskId,
          };
        }
        const { replaceDiskId } = decided;
        step = nextStep(o, { imageId: plan.imageId, restart: plan.restart, replaceDiskId, replaceIssued });
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
    // The origin rides on the marker's own tag write: no extra call, and no replacement without it.
    const origin: Record<string, string> =
      next !== undefined && plan.origin !== undefined && current[RESERVED_TAGS.originImageId] === undefined
        ? { [RESERVED_TAGS.originImageId]: plan.origin }
        : {};
    await api.setTags(
      "instance",
      instanceId,
      current,
      next === undefined ? wanted : { ...wanted, ...origin, ...markerTags(next) },
    );
  };

  try {
    for (;;) {
      const { step, observed } = await settle();
      const first = decided as NonNullable<typeof decided>;
      if (first.replaceDiskId !== undefined && plan.mayReplace === false && !replaceIssued) {
        throw new InstanceNotReplaceableError(
          `The system disk of ${instanceId} must be made again (it was made by a run that Pulumi never recorded, ` +
            "with settings that are not the ones wanted now), and the preview did not announce that. Run " +
            "pulumi refresh, so that the preview shows the re-image, then pulumi up.",
        );
      }
      if (first.keptInterrupted && plan.credentials.kind === "password" && !passwordSet && step.kind !== "fail") {
        // A disk an interrupted run made is kept: its password is whatever that run sent, so set the wanted one.
        progress("setting the password on the system disk an interrupted run made");
        await api.modifyInstanceAttribute(instanceId, { password: plan.credentials.password });
        passwordSet = true;
      }
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
          progress(`replacing the system disk ${step.diskId} with image ${plan.imageId}`);
          await api.replaceSystemDisk({
            instanceId,
            imageId: plan.imageId,
            size: plan.systemDiskSize,
            ...credentialParams(plan.credentials),
            encrypted: plan.encrypted,
            kmsKeyId: plan.kmsKeyId,
            clientToken: replaceToken(plan.clientToken, step.diskId),
          });
          replaceIssued = true;
          passwordSet = plan.credentials.kind === "password";
          break;
        case "start":
          progress(`starting again (it was ${marker?.priorStatus ?? "Running"} before)`);
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
            previousImageId: marker?.priorImageId ?? first.imageId,
            previousSystemDiskId: marker?.priorSystemDiskId ?? first.systemDiskId,
            newSystemDiskId: disk.id,
            imageId: instance.imageId,
            finalStatus: step.finalStatus,
            replaced: replaceIssued,
            passwordSet,
          };
        }
      }
    }
  } catch (err) {
    const failure = await afterFailure(err);
    if (failure instanceof SystemDiskSequenceError) {
      failure.passwordSet = passwordSet;
      failure.replaceIssued = replaceIssued;
    }
    throw failure;
  }

  /**
   * When ECS refused stop or ReplaceSystemDisk outright and the instance is still on the image and disk it had before
   * the sequence first touched it, nothing was replaced: put it back the way it was (start it if it was Running) and
   * drop the marker, so a refusal never leaves a running instance stopped. Any other failure (timeout, network, crash,
   * or a refusal after an earlier run replaced the disk) leaves the marker for the next run.
   */
  async function afterFailure(err: unknown): Promise<Error> {
    const message = err instanceof Error ? err.message : String(err);
    if (marker === undefined) return new SystemDiskSequenceError(message, false, undefined, err);
    const unfinished = () =>
      new SystemDiskSequenceError(
        `${message} The instance ${instanceId} is marked as being replaced and will be finished ` +
          `(and ${marker?.priorStatus === "Running" ? "started again" : "left Stopped"}) by the next pulumi up.`,
        true,
        marker,
        err,
      );
    if (!definiteRefusal(err) || (lastStep !== "stop" && lastStep !== "replace") || replaceIssued) return unfinished();
    const restore = marker;
    try {
      const now = await observe();
      const untouched =
        now.instance?.imageId === restore.priorImageId && now.systemDisk?.id === restore.priorSystemDiskId;
      if (!untouched) return unfinished();
      progress(`ECS refused the replacement; restoring the instance to ${restore.priorStatus}`);
      await runSystemDiskSequence({
        ...plan,
        imageId: restore.priorImageId,
        reimage: false,
        restart: "previous",
        timeoutMs: Math.min(plan.timeoutMs, 600_000),
      });
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
