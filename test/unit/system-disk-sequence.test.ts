import type { DiskView } from "../../providers/ecs/api";
import type { InstanceStatus, InstanceView } from "../../providers/ecs/types";
import {
  credentialParams,
  type Goal,
  type Marker,
  markerTags,
  nextStep,
  readMarker,
  replaceToken,
  type Step,
} from "../../providers/system-disk-sequence";

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
/** A re-image on the image the instance already runs: disk d-cur must be replaced. */
const reimage: Goal = { imageId: NEW, restart: "previous", reimageDiskId: "d-cur" };
const reimageMarker: Marker = { priorStatus: "Running", priorImageId: NEW, priorSystemDiskId: "d-cur" };

describe("nextStep (what the sequence does next, given one observation)", () => {
  const cases: [string, InstanceView | undefined, DiskView | undefined, Goal, Step][] = [
    ["fails when the instance is gone", undefined, undefined, previous, { kind: "fail", reason: expect.any(String) }],
    [
      "fails on a security lock",
      instance("Running", OLD, { locks: ["security"] }),
      disk("d-old"),
      previous,
      { kind: "fail", reason: "the instance is locked (security)" },
    ],
    ["waits while Starting", instance("Starting", OLD), disk("d-old"), previous, { kind: "wait", reason: "Starting" }],
    ["waits while Stopping", instance("Stopping", OLD), disk("d-old"), previous, { kind: "wait", reason: "Stopping" }],
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
      previous,
      { kind: "mark", marker: runningMarker },
    ],
    [
      "marks a Stopped instance before touching it",
      instance("Stopped", OLD),
      disk("d-old"),
      previous,
      { kind: "mark", marker: stoppedMarker },
    ],
    [
      "refuses an instance without a system disk",
      instance("Stopped", OLD),
      undefined,
      previous,
      { kind: "fail", reason: "the instance has no system disk attached" },
    ],
    [
      "stops a marked Running instance",
      instance("Running", OLD, { marker: runningMarker }),
      disk("d-old"),
      previous,
      { kind: "stop", reason: expect.any(String) },
    ],
    [
      "replaces once the marked instance is Stopped",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      previous,
      { kind: "replace", marker: runningMarker },
    ],
    [
      "waits for the image to show after ReplaceSystemDisk was accepted",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      { ...previous, replaceIssued: true },
      { kind: "wait", reason: `still on image ${OLD}` },
    ],
    [
      "waits while the new disk is Creating",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-new", "Creating"),
      previous,
      { kind: "wait", reason: "new system disk Creating" },
    ],
    [
      "waits while the old disk is still attached",
      instance("Stopped", NEW, { marker: runningMarker }),
      disk("d-old"),
      previous,
      { kind: "wait", reason: "system disk is still d-old" },
    ],
    [
      "starts an instance that was Running (a crash while Stopped still restarts)",
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
      "never re-images an instance already on the image",
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
      "undoes to the prior image without waiting for a new disk (goal = prior image)",
      instance("Stopped", OLD, { marker: runningMarker }),
      disk("d-old"),
      { imageId: OLD, restart: "previous" },
      { kind: "start" },
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
      { kind: "replace", marker: reimageMarker },
    ],
    [
      "re-image: waits for the new disk after ReplaceSystemDisk was accepted",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      { ...reimage, replaceIssued: true },
      { kind: "wait", reason: "system disk is still d-cur" },
    ],
    [
      "re-image: waits while the new disk is Creating",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-new", "Creating"),
      reimage,
      { kind: "wait", reason: "new system disk Creating" },
    ],
    [
      "re-image: a resumed run whose disk was replaced already only starts the instance",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-new"),
      reimage,
      { kind: "start" },
    ],
    [
      "re-image: removes the marker once Running again",
      instance("Running", NEW, { marker: reimageMarker }),
      disk("d-new"),
      reimage,
      { kind: "unmark" },
    ],
    [
      "re-image: done once the disk is new and the marker gone (never re-images twice in one run)",
      instance("Running", NEW),
      disk("d-new"),
      reimage,
      { kind: "done", finalStatus: "Running" },
    ],
    [
      "re-image: an instance on another image is replaced the usual way",
      instance("Running", OLD),
      disk("d-cur"),
      reimage,
      { kind: "mark", marker: { priorStatus: "Running", priorImageId: OLD, priorSystemDiskId: "d-cur" } },
    ],
    [
      "undoing a refused re-image (no reimageDiskId) never replaces: it restarts",
      instance("Stopped", NEW, { marker: reimageMarker }),
      disk("d-cur"),
      previous,
      { kind: "start" },
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
    ["password", { kind: "password", password: "Secret-123" } as const, undefined, { password: "Secret-123" }],
    ["key pair", { kind: "keyPair", keyPairName: "k2" } as const, "k1", { keyPairName: "k2" }],
    ["keep on a key-pair instance re-sends its key pair", { kind: "keep" } as const, "k1", { keyPairName: "k1" }],
    ["keep on a password instance inherits", { kind: "keep" } as const, undefined, { passwordInherit: true }],
  ])("%s", (_name, credentials, keyPairName, expected) => {
    expect(credentialParams(credentials, { keyPairName })).toEqual(expected);
  });
});

describe("replaceToken", () => {
  it("differs per replaced disk and is stable for the same one", () => {
    expect(replaceToken("psi1-abc", "d-1")).toBe(replaceToken("psi1-abc", "d-1"));
    expect(replaceToken("psi1-abc", "d-1")).not.toBe(replaceToken("psi1-abc", "d-2"));
    expect(replaceToken("psi1-abc", "d-1").length).toBeLessThanOrEqual(64);
  });
});
