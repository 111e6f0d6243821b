// The typed back-door object tests use in-process (emu.admin); the HTTP admin API under /_emulator/ maps onto it.
import type { InstanceCredentials, InstancePatch, Inventory, PasswordCheck } from "../back-doors";
import type { EmulatorCore } from "../emulator";
import type { ArmedFault, FaultRule } from "../faults";
import type { InstanceRec } from "../models/types";
import type { WorldSpec } from "../models/world";
import type { ThrottleConfig } from "../protocol/throttle";
import type { ActionCounters, RequestLogEntry } from "../request-log";

/** Typed in-process access to everything the HTTP admin API (/_emulator/...) offers. */
export interface EmulatorAdmin {
  /** Replaces all state with a world (spec or path). Clears the request log and faults. */
  loadWorld(world: WorldSpec | string): void;
  /** Back to the world the emulator started with (or last loaded). */
  reset(): void;
  /** Per account: own images (with copy progress), images shared with it, copies in progress, instances, disks. */
  inventory(accountId?: string): Inventory;
  requests(filter?: { action?: string; since?: number }): RequestLogEntry[];
  /** Per-action counters, per request: calls, succeeded, failed, throttled, mutating (never a DryRun), dryRuns. */
  stats(): Record<string, ActionCounters>;
  clearRequests(): void;
  addFault(rule: FaultRule): ArmedFault;
  faults(): ArmedFault[];
  clearFaults(): void;
  /** The owner unshares an image behind the workload's back. */
  revokeShare(imageId: string, accountId: string): void;
  setArrears(accountId: string, inArrears?: boolean): void;
  disableKmsKey(keyId: string): void;
  enableKmsKey(keyId: string): void;
  deleteInstance(instanceId: string): void;
  modifyInstance(instanceId: string, patch: InstancePatch): InstanceRec;
  /** An out-of-band standard stop (KeepCharging) of a Running instance: Stopping, then Stopped. */
  stopInstance(instanceId: string): void;
  /** What the emulator knows of the instance's login credentials (never a password). */
  credentials(instanceId: string): InstanceCredentials;
  /** Whether the instance's current password is `candidate`; "unknown" when the emulator cannot tell. */
  hasPassword(instanceId: string, candidate: string): PasswordCheck;
  deleteImage(imageId: string): void;
  /** Ends a running copy (Creating or Waiting) CreateFailed now; refuses anything else. */
  failCopy(imageId: string): void;
  /** The owner deprecates an image (Status Deprecated), even while it is shared. */
  deprecateImage(imageId: string): void;
  /** The owner restores a deprecated image (Status Available). */
  undeprecateImage(imageId: string): void;
  /** Moves emulated time forward; returns the new emulated time (ms). */
  advanceClock(ms: number): number;
  /** Emulated time (ms since the epoch). */
  now(): number;
  setThrottle(patch: Partial<ThrottleConfig>): ThrottleConfig;
  /** Writes the state file now (no-op without statePath). */
  save(): void;
}

export function createAdmin(core: EmulatorCore): EmulatorAdmin {
  return {
    loadWorld: (world) => core.loadWorld(world),
    reset: () => core.reset(),
    inventory: (accountId) => core.inventory(accountId),
    requests: (filter) => core.requestLog.list(filter),
    stats: () => core.requestLog.stats(),
    clearRequests: () => core.requestLog.clear(),
    addFault: (rule) => core.addFault(rule),
    faults: () => core.faults.list(),
    clearFaults: () => core.faults.clear(),
    revokeShare: (imageId, accountId) => core.revokeShare(imageId, accountId),
    setArrears: (accountId, inArrears = true) => core.setArrears(accountId, inArrears),
    disableKmsKey: (keyId) => core.setKmsKeyState(keyId, "Disabled"),
    enableKmsKey: (keyId) => core.setKmsKeyState(keyId, "Enabled"),
    deleteInstance: (instanceId) => core.deleteInstance(instanceId),
    modifyInstance: (instanceId, patch) => core.modifyInstance(instanceId, patch),
    stopInstance: (instanceId) => core.stopInstance(instanceId),
    credentials: (instanceId) => core.credentials(instanceId),
    hasPassword: (instanceId, candidate) => core.hasPassword(instanceId, candidate),
    deleteImage: (imageId) => core.deleteImage(imageId),
    failCopy: (imageId) => core.failCopy(imageId),
    deprecateImage: (imageId) => core.setImageDeprecated(imageId, true),
    undeprecateImage: (imageId) => core.setImageDeprecated(imageId, false),
    advanceClock: (ms) => core.advanceClock(ms),
    now: () => core.clock.now(),
    setThrottle: (patch) => core.setThrottle(patch),
    save: () => core.save(),
  };
}
