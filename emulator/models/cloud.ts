// The emulated cloud: all state, the rules several operations share (visibility, usability, KMS keys,
// idempotency) and time, which advances copies, instance transitions and disks.
import { randomBytes } from "node:crypto";
import type { Clock } from "../clock";
import {
  IdempotentParameterMismatch,
  IncorrectImageStatus,
  InvalidImageIdNotFound,
  InvalidInstanceIdNotFound,
  InvalidParameterKMSKeyIdCMKNotEnabled,
  InvalidParameterKMSKeyIdNotFound,
  InvalidRegionIdNotFound,
  OperationDeniedImageNotValid,
} from "./errors";
import { authorize } from "./ram";
import {
  COPYING_IMAGE_STATUSES,
  type ImageRec,
  type InstanceRec,
  type KmsKeyRec,
  type Principal,
  type RegionRec,
  SETTLED_IMAGE_STATUSES,
  type State,
} from "./types";

const REGION_CODES: Record<string, string> = { "cn-hangzhou": "bp1", "cn-shanghai": "uf6", "cn-beijing": "2ze" };

/**
 * The emulated cloud: all state plus the rules shared by several operations. No HTTP in here; time comes from the
 * injected (emulated) clock.
 */
export class Cloud {
  /**
   * instanceId -> salted fingerprint of the instance's current password. In memory only, never part of `state`: the
   * state file holds no password and no fingerprint, so after a restart from a state file the fingerprint is unknown.
   */
  readonly passwordFingerprints = new Map<string, string>();
  /** Idempotency key -> fingerprint of the Password it was first used with; in memory only, like the above. */
  private readonly idempotencyPasswords = new Map<string, string>();
  /** Emulated time up to which `tick()` has applied state changes. */
  private settledAt: number;

  constructor(
    public state: State,
    readonly clock: Clock,
  ) {
    this.settledAt = clock.now();
  }

  now(): number {
    return this.clock.now();
  }

  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** Alibaba-style id: prefix, a region code, then random base-36 characters. */
  newId(prefix: string, regionId: string): string {
    const code = REGION_CODES[regionId] ?? "emu";
    let s = "";
    for (const b of randomBytes(17)) s += "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36];
    return `${prefix}-${code}${s}`;
  }

  region(regionId: string): RegionRec {
    const r = this.state.regions.find((x) => x.regionId === regionId);
    if (!r) throw new InvalidRegionIdNotFound(`The specified RegionId "${regionId}" does not exist.`);
    return r;
  }

  authorize(caller: Principal, action: string, context: Record<string, string> = {}): void {
    authorize(caller, action, context);
  }

  // ---- time ----

  /**
   * Applies every state change due by now: copies that can no longer finish fail, then copy progress and queue,
   * instance transitions, disk readiness. Back doors that break a copy's preconditions (arrears, a disabled key) settle
   * time first, so a copy fails at the moment its precondition broke, before any later completion.
   */
  tick(): void {
    const now = this.now();
    const s = this.state;
    this.failBrokenCopies(this.settledAt);
    for (;;) {
      let next: ImageRec | undefined;
      let nextEnd = Number.POSITIVE_INFINITY;
      for (const img of Object.values(s.images)) {
        if (img.status !== "Creating" || !img.copy || img.copy.startedAt === null) continue;
        const end = img.copy.startedAt + img.copy.durationMs;
        if (end <= now && end < nextEnd) {
          next = img;
          nextEnd = end;
        }
      }
      if (!next) break;
      next.status = "Available";
      next.copy = null;
      this.startWaitingCopies(next.ownerId, next.regionId, nextEnd);
    }
    for (const inst of Object.values(s.instances)) {
      while (inst.transitions.length > 0 && inst.transitions[0].at <= now) {
        const t = inst.transitions.shift();
        if (!t) break;
        inst.status = t.status;
        if (t.status === "Running") inst.startTime = this.iso(t.at);
      }
    }
    for (const disk of Object.values(s.disks)) {
      if (disk.status === "Creating" && disk.readyAt <= now) disk.status = disk.instanceId ? "In_use" : "Available";
    }
    this.settledAt = now;
  }

  /**
   * Why a running copy cannot finish (undefined while it can). A copy of another account's shared image needs the
   * owner to stay paid up (ECS: the shared image becomes unavailable when its owner has overdue payments); any copy
   * needs the KMS keys that encrypt its source and the key it encrypts with (the KMSKeyId it was made with) to stay
   * enabled.
   */
  private copyFailure(img: ImageRec): string | undefined {
    const task = img.copy;
    if (!task) return undefined;
    const s = this.state;
    if (task.sourceOwnerId !== img.ownerId && s.accounts[task.sourceOwnerId]?.inArrears) {
      return `the owner ${task.sourceOwnerId} of the source image ${task.sourceImageId} has overdue payments`;
    }
    const keyOff = (keyId: string) => keyId !== "" && s.kmsKeys[keyId]?.state !== "Enabled";
    const sourceKey = s.images[task.sourceImageId]?.diskMappings.find((m) => m.encrypted && keyOff(m.kmsKeyId));
    if (sourceKey) return `the KMS key ${sourceKey.kmsKeyId} that encrypts the source image is disabled`;
    const destinationKey = img.diskMappings.find((m) => m.encrypted && keyOff(m.kmsKeyId));
    if (destinationKey) return `the KMS key ${destinationKey.kmsKeyId} the copy encrypts with is disabled`;
    return undefined;
  }

  /** Ends a running copy CreateFailed at `at`: its progress stops there and its copy slot goes to a waiting copy. */
  failCopy(img: ImageRec, at: number): void {
    if (!img.copy || !isRunningCopy(img)) return;
    img.status = "CreateFailed";
    img.copy.failedAt = at;
    this.startWaitingCopies(img.ownerId, img.regionId, at);
  }

  private failBrokenCopies(at: number): void {
    for (const img of Object.values(this.state.images)) {
      if (isRunningCopy(img) && this.copyFailure(img) !== undefined) this.failCopy(img, at);
    }
  }

  /**
   * ECS runs at most `maxConcurrentCopies` copies per account and destination region at a time; further copies wait
   * (status Waiting) and start, oldest first, when a slot frees.
   */
  startWaitingCopies(ownerId: string, regionId: string, at: number): void {
    const inRegion = Object.values(this.state.images).filter(
      (i) => i.ownerId === ownerId && i.regionId === regionId && isRunningCopy(i),
    );
    let running = inRegion.filter((i) => i.status === "Creating").length;
    const waiting = inRegion
      .filter((i) => i.status === "Waiting")
      .sort((a, b) => (a.copy?.queuedAt ?? 0) - (b.copy?.queuedAt ?? 0));
    for (const img of waiting) {
      if (running >= this.state.settings.maxConcurrentCopies || !img.copy) break;
      img.status = "Creating";
      img.copy.startedAt = at;
      running++;
    }
  }

  copyProgress(img: ImageRec): number {
    if (!img.copy) return SETTLED_IMAGE_STATUSES.includes(img.status) ? 100 : 0;
    if (img.copy.startedAt === null) return 0;
    const at = img.copy.failedAt ?? this.now();
    const pct = Math.floor(((at - img.copy.startedAt) / img.copy.durationMs) * 100);
    return Math.max(0, Math.min(99, pct));
  }

  // ---- lookups ----

  isVisible(caller: Principal, img: ImageRec): boolean {
    return img.kind !== "custom" || img.ownerId === caller.accountId || img.sharedWith[caller.accountId] !== undefined;
  }

  /** An image the caller can see in `regionId` (own, shared with it, or public), else InvalidImageId.NotFound. */
  visibleImage(caller: Principal, regionId: string, imageId: string): ImageRec {
    const img = this.state.images[imageId];
    if (!img || img.regionId !== regionId || !this.isVisible(caller, img)) {
      throw new InvalidImageIdNotFound(`The specified ImageId "${imageId}" does not exist in ${regionId}.`);
    }
    return img;
  }

  /** An image owned by the caller; other accounts' images are reported as not found, as ECS does. */
  ownImage(caller: Principal, regionId: string, imageId: string): ImageRec {
    const img = this.state.images[imageId];
    if (!img || img.regionId !== regionId || img.kind !== "custom" || img.ownerId !== caller.accountId) {
      throw new InvalidImageIdNotFound(
        `The specified ImageId "${imageId}" does not exist in ${regionId} or is not owned by you.`,
      );
    }
    return img;
  }

  /**
   * Checks that an image can be used: to create disks (RunInstances, CreateInstance, ReplaceSystemDisk) or as the
   * source of CopyImage. Resources behind a shared image become unusable when the owner is in arrears or the owner's
   * KMS key is disabled (ECS docs, "Share images": "the shared image becomes unavailable ... if the owner's account has
   * overdue payments").
   *
   * Deprecated: ECS still creates disks from a deprecated image of your own but will not copy it. A shared image must
   * be unshared before its owner can deprecate it, so ECS never shows a Deprecated image to the accounts it was shared
   * with; the emulator can (world file, deprecateImage back door) and then refuses it for everything (stricter).
   */
  assertUsable(caller: Principal, img: ImageRec, use: "disks" | "copy"): void {
    const shared = img.kind === "custom" && img.ownerId !== caller.accountId;
    if (img.status === "Deprecated" && (use === "copy" || shared)) {
      throw new IncorrectImageStatus(
        use === "copy"
          ? `The image "${img.imageId}" is deprecated; deprecated images cannot be copied.`
          : `The image "${img.imageId}" was deprecated by its owner ${img.ownerId} and cannot be used.`,
      );
    }
    if (!SETTLED_IMAGE_STATUSES.includes(img.status)) {
      throw new IncorrectImageStatus(`The image "${img.imageId}" is ${img.status}; only Available images can be used.`);
    }
    if (shared && this.state.accounts[img.ownerId]?.inArrears) {
      throw new OperationDeniedImageNotValid(
        `The shared image "${img.imageId}" is not valid: its owner account ${img.ownerId} has overdue payments.`,
      );
    }
    for (const m of img.diskMappings) {
      if (m.encrypted && m.kmsKeyId && this.state.kmsKeys[m.kmsKeyId]?.state !== "Enabled") {
        throw new OperationDeniedImageNotValid(
          `The image "${img.imageId}" is not valid: the KMS key ${m.kmsKeyId} that encrypts it is disabled.`,
        );
      }
    }
  }

  /** A KMS key of the caller in `regionId` that is enabled. */
  usableKmsKey(caller: Principal, regionId: string, keyId: string): KmsKeyRec {
    const key = this.state.kmsKeys[keyId];
    if (!key || key.ownerId !== caller.accountId || key.regionId !== regionId) {
      throw new InvalidParameterKMSKeyIdNotFound(`The specified KMSKeyId "${keyId}" does not exist in ${regionId}.`);
    }
    if (key.state !== "Enabled") {
      throw new InvalidParameterKMSKeyIdCMKNotEnabled(`The specified KMS key "${keyId}" is ${key.state}.`);
    }
    return key;
  }

  instance(caller: Principal, instanceId: string, regionId?: string): InstanceRec {
    const inst = this.state.instances[instanceId];
    if (!inst || inst.ownerId !== caller.accountId || (regionId !== undefined && inst.regionId !== regionId)) {
      throw new InvalidInstanceIdNotFound(`The specified InstanceId "${instanceId}" does not exist.`);
    }
    return inst;
  }

  // ---- idempotency ----

  /**
   * ClientToken semantics: the same token with the same parameters returns the first result again; the same token
   * with different parameters is IdempotentParameterMismatch. Only successful results are remembered. `fingerprint`
   * counts a Password only as present; `passwordFingerprint` (salted, in memory) tells two passwords apart, so a token
   * reused with another password is a mismatch too, except after a restart, when the emulator no longer knows.
   */
  idempotent<T extends Record<string, unknown>>(
    caller: Principal,
    action: string,
    token: string | undefined,
    fingerprint: string,
    run: () => T,
    passwordFingerprint?: string,
  ): T {
    if (!token) return run();
    const key = `${caller.accountId}/${action}/${token}`;
    const seen = this.state.idempotency[key];
    if (seen) {
      const firstPassword = this.idempotencyPasswords.get(key);
      if (
        seen.fingerprint !== fingerprint ||
        (firstPassword !== undefined && passwordFingerprint !== undefined && firstPassword !== passwordFingerprint)
      ) {
        throw new IdempotentParameterMismatch(
          `The ClientToken "${token}" was already used by a ${action} request with different parameters.`,
        );
      }
      return structuredClone(seen.response) as T;
    }
    const result = run();
    this.state.idempotency[key] = { fingerprint, response: structuredClone(result), at: this.now() };
    if (passwordFingerprint !== undefined) this.idempotencyPasswords.set(key, passwordFingerprint);
    return result;
  }
}

/** A copy still under way (Waiting for a slot or Creating); a failed copy keeps its task but is no longer running. */
export function isRunningCopy(img: ImageRec): boolean {
  return img.copy !== null && COPYING_IMAGE_STATUSES.includes(img.status);
}
