// The pure decisions of the system disk sequence (see sequence.ts): the marker an interrupted run leaves on the
// instance, which disk a run replaces, the next call from one observation, and the replacement's token and
// credential parameters. No I/O, so the table test in test/unit/system-disk-sequence.test.ts lists every case.
import type { DiskView } from "../ecs/api";
import { nextClientToken } from "../ecs/client-token";
import type { InstanceView, Tags } from "../ecs/types";
import { blockingLocks, IN_PROGRESS_INSTANCE } from "../ecs/wait";
import { MARKER_TAGS } from "../tags";
import type { DiskCredentials, SystemDiskReplacementPlan } from "./sequence";

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
  /** The disk this run must replace (see diskToReplace); undefined: none. */
  readonly replaceDiskId?: string;
  /** ReplaceSystemDisk was accepted in this run: the old disk or image may still show for a moment. */
  readonly replaceIssued?: boolean;
}

export type Step =
  | { readonly kind: "fail"; readonly reason: string }
  | { readonly kind: "wait"; readonly reason: string }
  | { readonly kind: "mark"; readonly marker: Marker }
  | { readonly kind: "stop"; readonly reason: string }
  | { readonly kind: "replace"; readonly diskId: string }
  | { readonly kind: "start" }
  | { readonly kind: "unmark" }
  | { readonly kind: "done"; readonly finalStatus: "Running" | "Stopped" };

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
 * Which system disk this run must replace, decided on its first conclusive observation; undefined when none (the
 * instance only needs to be brought back to its state), "wait" when the observation cannot tell yet. Pure: the table
 * test in test/unit/system-disk-sequence.test.ts lists every case.
 * - not on the wanted image: the disk attached now;
 * - on the wanted image with a disk an interrupted run made (from that image, never booted since): none if the
 *   caller accepts that disk (its password is then set again), else that disk. So a run killed right after its
 *   ReplaceSystemDisk is finished by the next one, not repeated;
 * - on the wanted image and untouched (no marker, or the marker's own disk still attached): the disk when a re-image
 *   is asked for, else none. This is how a revert after an interrupted run winds back without replacing anything.
 */
export function diskToReplace(
  observed: Observation,
  plan: Pick<SystemDiskReplacementPlan, "imageId" | "reimage" | "acceptsDisk">,
): string | undefined | "wait" {
  const { instance, systemDisk } = observed;
  if (instance === undefined) return undefined; // nextStep reports it
  if (systemDisk === undefined) return "wait";
  const marker = readMarker(instance.tags);
  const attached = systemDisk.id;
  // An earlier run's ReplaceSystemDisk was accepted (the image changed) and the disks are still being switched.
  if (marker && attached === marker.priorSystemDiskId && instance.imageId !== marker.priorImageId) return "wait";
  if (instance.imageId !== plan.imageId) return attached;
  if (marker !== undefined && attached !== marker.priorSystemDiskId) {
    return plan.acceptsDisk === undefined || plan.acceptsDisk(systemDisk, instance) ? undefined : attached;
  }
  return plan.reimage === true ? attached : undefined;
}

/** Whether the disk attached was made by an interrupted run (a marker, and not the disk it recorded). */
export function madeByInterruptedRun(observed: Observation): boolean {
  const marker = observed.instance ? readMarker(observed.instance.tags) : undefined;
  return (
    marker !== undefined && observed.systemDisk !== undefined && observed.systemDisk.id !== marker.priorSystemDiskId
  );
}

/**
 * What to do next, given one observation and the disk this run replaces. Pure: the table test lists every case.
 */
export function nextStep(observed: Observation, goal: Goal): Step {
  const { instance, systemDisk } = observed;
  if (instance === undefined) return { kind: "fail", reason: "the instance no longer exists" };
  const blocking = blockingLocks(instance);
  if (blocking !== undefined) return { kind: "fail", reason: `the instance is locked (${blocking})` };
  if (IN_PROGRESS_INSTANCE.has(instance.status)) return { kind: "wait", reason: instance.status };
  const locks = instance.operationLocks.map((l) => l.lockReason);
  if (locks.length > 0) return { kind: "wait", reason: `operation locks pending (${locks.join(", ")})` };
  const status = instance.status as "Running" | "Stopped";
  const marker = readMarker(instance.tags);

  if (goal.replaceDiskId !== undefined && systemDisk?.id === goal.replaceDiskId) {
    if (goal.replaceIssued) return { kind: "wait", reason: `system disk is still ${systemDisk.id}` };
    if (marker === undefined) {
      return {
        kind: "mark",
        marker: { priorStatus: status, priorImageId: instance.imageId, priorSystemDiskId: systemDisk.id },
      };
    }
    if (status === "Running") return { kind: "stop", reason: "ReplaceSystemDisk needs the instance Stopped" };
    return { kind: "replace", diskId: systemDisk.id };
  }
  if (systemDisk === undefined) return { kind: "wait", reason: "no system disk attached yet" };
  if (instance.imageId !== goal.imageId) {
    if (goal.replaceIssued) return { kind: "wait", reason: `still on image ${instance.imageId}` };
    return { kind: "fail", reason: `its image changed to ${instance.imageId} while it was being worked on` };
  }
  if (goal.replaceDiskId !== undefined && !goal.replaceIssued) {
    return { kind: "fail", reason: `its system disk changed to ${systemDisk.id} while it was being worked on` };
  }
  if (systemDisk.status !== "In_use") return { kind: "wait", reason: `new system disk ${systemDisk.status}` };
  const wanted = finalStatus(goal, marker, status);
  if (status !== wanted) {
    return status === "Stopped" ? { kind: "start" } : { kind: "stop", reason: "restart is set to stopped" };
  }
  if (marker !== undefined) return { kind: "unmark" };
  return { kind: "done", finalStatus: status };
}

/** The token sent with ReplaceSystemDisk: one per (logical operation, disk being replaced). */
export function replaceToken(planToken: string, diskId: string): string {
  return diskId === "" ? planToken : nextClientToken(planToken, diskId);
}

/** ReplaceSystemDisk parameters for the credentials. */
export function credentialParams(credentials: DiskCredentials): {
  password?: string;
  passwordInherit?: boolean;
  keyPairName?: string;
} {
  switch (credentials.kind) {
    case "password":
      return { password: credentials.password };
    case "keyPair":
      return { keyPairName: credentials.keyPairName };
    case "imagePreset":
      return { passwordInherit: true };
    case "none":
      return {};
  }
}
