// The system disk sequence's pure steps: the table of every observation and what comes next.
import type { DiskView } from "../../providers/ecs/api";
import type { InstanceStatus, InstanceView } from "../../providers/ecs/types";
import {
  credentialParams,
  diskToReplace,
  type Goal,
  type Marker,
  markerTags,
  nextStep,
  readMarker,
  replaceToken,
  type Step,
} from "../../providers/system-disk/sequence-steps";

const OLD = "m-old";
const NEW = "m-new";
const runningMarker: Marker = { priorStatus: "Running", priorImageId: OLD, priorSystemDiskId: "d-old" };
const stoppedMarker: Marker = { priorStatus: "Stopped", priorImageId: OLD, priorSystemDiskId: "d-old" };

function instance(
  status: InstanceStatus,
  imageId: string,
  options: { marker?: Marker; locks?: string[]; keyPairName?: string } = {},
): InstanceView {
  return {
    id: "i-1",
    status,
    imageId,
    zoneId: "z",
    instanceType: "t",
    name: "n",
    hostName: "h",
    description: "",
    operationLocks: (options.locks ?? []).map((lockReason) => ({ lockReason })),
    keyPairName: options.keyPairName,
    tags: { team: "a", ...(options.marker ? markerTags(options.marker) : {}) },
  };
}

function disk(id: string, status = "In_use"): DiskView {
  return { id, type: "system", category: "cloud_essd", size: 40, encrypted: false, status, instanceId: "i-1" };
}

const previous: Goal = { imageId: NEW, restart: "previous" };
/** This run replaces the disk d-old (the instance was on OLD). */
const replacing: Goal = { imageId: NEW, restart: "previous", replaceDiskId: "d-old" };
/** A re-image on the image the instance already runs: disk d-cur must be replaced. */
const reimage: Goal = { imageId: NEW, restart: "previous", replaceDiskId: "d-cur" };
const reimageMarker: Marker = { priorStatus: "Running", priorImageId: NEW, priorSystemDiskId: "d-cur" };

describe("diskToReplace (which disk a run replaces, decided on its first conclusive observation)", () => {
  const plan = { imageId: NEW };
  const cases: [string, InstanceView | undefined, DiskView | undefined, object, string | undefined][] = [
    ["leaves a missing instance to nextStep", undefined, undefined, plan, undefined],
    ["waits while no system disk is attached", instance("Stopped", OLD), undefined, plan, "wait"],
    ["replaces the disk of an instance on another image", instance("Running", OLD), disk("d-old"), plan, "d-old"],
    ["replaces nothing on an instance already on the image", instance("Running", NEW), disk("d-cur"), plan, undefined],
    [
      "re-images the attached disk when asked to, although the image is the same",
      instance("Running", NEW),
      disk("d-cur"),
      { imageId: NEW, reimage: true },
      "d-cur",
    ],
    [
      "winds back an interrupted run that replaced nothing when its prior image is wanted again (a revert)",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      { imageId: OLD },
      undefined,
    ],
    [
      "waits while an accepted replacement still shows the old disk",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-old"),
      plan,
      "wait",
    ],
    [
      "keeps a disk an interrupted run made by default (its password, if any, is set again)",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      plan,
      undefined,
    ],
    [
      "keeps a disk an interrupted run made when the caller accepts it",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { imageId: NEW, acceptsDisk: (d: DiskView) => d.size === 40 },
      undefined,
    ],
    [
      "makes again a disk an interrupted run made with settings the caller does not accept",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { imageId: NEW, acceptsDisk: (d: DiskView) => d.size === 80 },
      "d-new",
    ],
    [
      "replaces the disk of an interrupted run's instance when another image is wanted",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { imageId: "m-third" },
      "d-new",
    ],
    [
      "keeps a disk an interrupted re-image made when it has what is wanted (a killed run is not repeated)",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-new"),
      { imageId: NEW, reimage: true, acceptsDisk: () => true },
      undefined,
    ],
    [
      "re-images a disk an interrupted run made when it lacks what is wanted now",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { imageId: NEW, reimage: true, acceptsDisk: () => false },
      "d-new",
    ],
    [
      "re-images the untouched disk of a marked instance when asked (a re-image that had not replaced yet)",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      { imageId: NEW, reimage: true },
      "d-cur",
    ],
  ];
  it.each(cases)("%s", (_name, inst, systemDisk, p, expected) => {
    expect(diskToReplace({ instance: inst, systemDisk }, p as { imageId: string })).toBe(expected);
  });
});

describe("nextStep (what the sequence does next, given one observation)", () => {
  const cases: [string, InstanceView | undefined, DiskView | undefined, Goal, Step][] = [
    ["fails when the instance is gone", undefined, undefined, previous, { kind: "fail", reason: expect.any(String) }],
    [
      "fails on a security lock",
      instance("Running", OLD, { locks: ["security"] }),
      disk("d-old"),
      replacing,
      { kind: "fail", reason: "the instance is locked (security)" },
    ],
    ["waits while Starting", instance("Starting", OLD), disk("d-old"), replacing, { kind: "wait", reason: "Starting" }],
    ["waits while Stopping", instance("Stopping", OLD), disk("d-old"), replacing, { kind: "wait", reason: "Stopping" }],
    [
      "waits for non-blocking operation locks",
      instance("Stopped", NEW, { locks: ["recycling"] }),
      disk("d-new"),
      previous,
      { kind: "wait", reason: "operation locks pending (recycling)" },
    ],
    [
      "marks a Running instance before touching it",
      instance("Running", OLD),
      disk("d-old"),
      replacing,
      { kind: "mark", marker: runningMarker },
    ],
    [
      "marks a Stopped instance before touching it",
      instance("Stopped", OLD),
      disk("d-old"),
      replacing,
      { kind: "mark", marker: stoppedMarker },
    ],
    [
      "stops a marked Running instance",
      instance("Running", OLD, { marker: runningMarker }),
      disk("d-old"),
      replacing,
      { kind: "stop", reason: expect.any(String) },
    ],
    [
      "replaces once the marked instance is Stopped",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      replacing,
      { kind: "replace", diskId: "d-old" },
    ],
    [
      "waits for the disk to change after ReplaceSystemDisk was accepted",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      { ...replacing, replaceIssued: true },
      { kind: "wait", reason: "system disk is still d-old" },
    ],
    [
      "waits for the image to show after ReplaceSystemDisk was accepted",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-new", "Creating"),
      { ...replacing, replaceIssued: true },
      { kind: "wait", reason: `still on image ${OLD}` },
    ],
    [
      "waits while the new disk is Creating",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new", "Creating"),
      { ...replacing, replaceIssued: true },
      { kind: "wait", reason: "new system disk Creating" },
    ],
    [
      "waits while no system disk is attached",
      instance("Stopped", NEW, { marker: runningMarker }),
      undefined,
      { ...replacing, replaceIssued: true },
      { kind: "wait", reason: "no system disk attached yet" },
    ],
    [
      "starts an instance that was Running once its new disk is ready",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { ...replacing, replaceIssued: true },
      { kind: "start" },
    ],
    [
      "starts an instance that was Running when a resumed run has nothing to replace (a crash while Stopped)",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      previous,
      { kind: "start" },
    ],
    [
      "leaves an instance that was Stopped stopped, and removes the marker",
      instance("Stopped", NEW, { marker: stoppedMarker }),
      disk("d-new"),
      previous,
      { kind: "unmark" },
    ],
    [
      "starts a previously Stopped instance when restart is running",
      instance("Stopped", NEW, { marker: stoppedMarker }),
      disk("d-new"),
      { imageId: NEW, restart: "running" },
      { kind: "start" },
    ],
    [
      "keeps a previously Running instance stopped when restart is stopped",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new"),
      { imageId: NEW, restart: "stopped" },
      { kind: "unmark" },
    ],
    [
      "removes the marker once Running again",
      instance("Running", NEW, { marker: runningMarker }),
      disk("d-new"),
      previous,
      { kind: "unmark" },
    ],
    [
      "is done when on the image, unmarked and in the wanted state",
      instance("Running", NEW),
      disk("d-new"),
      previous,
      { kind: "done", finalStatus: "Running" },
    ],
    [
      "never touches an instance already on the image when there is nothing to replace",
      instance("Stopped", NEW),
      disk("d-x"),
      previous,
      { kind: "done", finalStatus: "Stopped" },
    ],
    [
      "stops an unmarked Running instance when restart is stopped",
      instance("Running", NEW),
      disk("d-x"),
      { imageId: NEW, restart: "stopped" },
      { kind: "stop", reason: "restart is set to stopped" },
    ],
    [
      "winds back to the prior image without replacing anything: it only restarts",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      { imageId: OLD, restart: "previous" },
      { kind: "start" },
    ],
    [
      "fails when the image changed under it without a replacement of its own",
      instance("Stopped", "m-other", { marker: runningMarker }),
      disk("d-x"),
      previous,
      { kind: "fail", reason: "its image changed to m-other while it was being worked on" },
    ],
    [
      "fails when the disk it was to replace was swapped by someone else",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-x"),
      reimage,
      { kind: "fail", reason: "its system disk changed to d-x while it was being worked on" },
    ],
    [
      "re-image: marks an unmarked instance already on the image",
      instance("Running", NEW),
      disk("d-cur"),
      reimage,
      { kind: "mark", marker: reimageMarker },
    ],
    [
      "re-image: stops the marked Running instance",
      instance("Running", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      reimage,
      { kind: "stop", reason: "ReplaceSystemDisk needs the instance Stopped" },
    ],
    [
      "re-image: replaces once Stopped although the image is the same",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      reimage,
      { kind: "replace", diskId: "d-cur" },
    ],
    [
      "re-image: waits for the new disk after ReplaceSystemDisk was accepted",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      { ...reimage, replaceIssued: true },
      { kind: "wait", reason: "system disk is still d-cur" },
    ],
    [
      "re-image: starts the instance once the new disk is ready",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-new"),
      { ...reimage, replaceIssued: true },
      { kind: "start" },
    ],
    [
      "re-image: done once the disk is new and the marker gone (never re-images twice in one run)",
      instance("Running", NEW),
      disk("d-new"),
      { ...reimage, replaceIssued: true },
      { kind: "done", finalStatus: "Running" },
    ],
  ];
  it.each(cases)("%s", (_name, inst, systemDisk, goal, expected) => {
    expect(nextStep({ instance: inst, systemDisk }, goal)).toEqual(expected);
  });
});

describe("marker tags", () => {
  it("round-trips through instance tags and ignores malformed markers", () => {
    expect(readMarker(markerTags(runningMarker))).toEqual(runningMarker);
    expect(readMarker({ ...markerTags(runningMarker), "ecs-shared-images:replacing:prior-status": "Pending" })).toBe(
      undefined,
    );
    expect(readMarker({})).toBe(undefined);
  });
});

describe("credentialParams", () => {
  it.each([
    [
      "a password is sent as the new disk's password",
      { kind: "password", password: "Secret-123" } as const,
      {
        password: "Secret-123",
      },
    ],
    ["a key pair is bound to the new disk", { kind: "keyPair", keyPairName: "k2" } as const, { keyPairName: "k2" }],
    ["the image's preset password is PasswordInherit", { kind: "imagePreset" } as const, { passwordInherit: true }],
    ["none sends nothing", { kind: "none" } as const, {}],
  ])("%s", (_name, credentials, expected) => {
    expect(credentialParams(credentials)).toEqual(expected);
  });
});

describe("replaceToken", () => {
  it("differs per replaced disk and is stable for the same one", () => {
    expect(replaceToken("psi1-abc", "d-1")).toBe(replaceToken("psi1-abc", "d-1"));
    expect(replaceToken("psi1-abc", "d-1")).not.toBe(replaceToken("psi1-abc", "d-2"));
    expect(replaceToken("psi1-abc", "d-1").length).toBeLessThanOrEqual(64);
  });
});
