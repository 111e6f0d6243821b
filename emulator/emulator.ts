// The emulator without its HTTP server: the API pipeline (parse, authenticate, route, faults, throttle, RAM,
// handler), world loading, persistence scheduling and the back doors tests drive.
import { readFileSync } from "node:fs";
import { AdminError } from "./admin/errors";
import {
  applyInstancePatch,
  type InstanceCredentials,
  type InstancePatch,
  type Inventory,
  instanceCredentials,
  inventory,
  type PasswordCheck,
} from "./back-doors";
import { type Clock, EmulatedClock, systemClock } from "./clock";
import type { FaultRule } from "./faults";
import { Faults } from "./faults";
import { PasswordFingerprinter } from "./handlers/context";
import { Params } from "./handlers/params";
import { Cloud, isRunningCopy } from "./models/cloud";
import {
  EcsError,
  InternalError,
  InvalidActionNotFound,
  InvalidVersion,
  ThrottlingUser,
  UnsupportedHTTPMethod,
} from "./models/errors";
import { beginStop, releaseInstance } from "./models/instances/lifecycle";
import { type Callers, type ImageRec, type InstanceRec, type Principal, SETTLED_IMAGE_STATUSES } from "./models/types";
import { buildWorld, type WorldSpec } from "./models/world";
import { readStateFile, writeStateFile } from "./persistence";
import { authenticate, NonceCache, type RawRequest } from "./protocol/auth";
import { errorBody, newRequestId } from "./protocol/envelope";
import { parseQuery } from "./protocol/query";
import { DEFAULT_THROTTLE, mergeThrottle, Throttle, type ThrottleConfig } from "./protocol/throttle";
import { maskParams, RequestLog } from "./request-log";
import { route } from "./routing";
import demoWorld from "./worlds/demo.json";

const API_VERSION = "2014-05-26";

export interface EmulatorOptions {
  /** A world spec or the path of a world JSON file; default: the demo world. */
  world?: WorldSpec | string;
  port?: number;
  /** Emulated seconds per real second for copies and instance transitions (default 1). */
  timeScale?: number;
  /** Base (wall) clock; default the system clock. */
  clock?: Clock;
  /** Persist state here (atomically) and reload it on start. */
  statePath?: string;
  /** Where unexpected errors are reported; default stderr. */
  logError?: (message: string) => void;
}

/** What the API layer answers: a JSON response, or a fault that kills the connection. */
export interface ApiOutcome {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** Destroy the socket instead of answering (connection reset / commit-then-drop faults). */
  drop?: boolean;
  latencyMs?: number;
}

export function loadWorldInput(world: WorldSpec | string | undefined): unknown {
  if (world === undefined) return demoWorld;
  if (typeof world !== "string") return world;
  let text: string;
  try {
    text = readFileSync(world, "utf8");
  } catch (e) {
    throw new Error(`cannot read world file ${world}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`world file ${world} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The emulator without its HTTP server: protocol pipeline, model and back-door operations. */
export class EmulatorCore {
  readonly baseClock: Clock;
  readonly clock: EmulatedClock;
  readonly requestLog = new RequestLog();
  readonly faults = new Faults();
  readonly throttle: Throttle;
  /** Password fingerprints are salted per emulator, so they mean nothing to another emulator or after a restart. */
  readonly passwords = new PasswordFingerprinter();
  cloud!: Cloud;
  private callers!: Callers;
  private nonces: NonceCache;
  private worldInput: unknown;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly logError: (message: string) => void;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.baseClock = options.clock ?? systemClock;
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`timeScale must be a positive number (got ${scale})`);
    this.clock = new EmulatedClock(this.baseClock, scale);
    this.throttle = new Throttle(this.baseClock, DEFAULT_THROTTLE);
    this.nonces = new NonceCache(this.baseClock);
    this.logError = options.logError ?? ((m) => process.stderr.write(`${m}\n`));
    this.worldInput = loadWorldInput(options.world);
    this.applyWorld(this.worldInput);
    if (options.statePath) {
      const saved = readStateFile(options.statePath);
      if (saved) {
        // Emulated time resumes where the file left it, and the model settles time from there.
        this.clock.resetTo(saved.emulatedNow);
        this.cloud = new Cloud(saved.state, this.clock);
      }
    }
  }

  private applyWorld(input: unknown): void {
    const built = buildWorld(input, this.clock.now());
    this.cloud = new Cloud(built.state, this.clock);
    this.callers = built.callers;
    this.throttle.replace(mergeThrottle(DEFAULT_THROTTLE, built.throttle));
    this.nonces = new NonceCache(this.baseClock);
  }

  /** Replaces all state with a new world (validated first; the old state survives a bad world). */
  loadWorld(world: WorldSpec | string): void {
    const input = loadWorldInput(world);
    this.applyWorld(input);
    this.worldInput = input;
    this.requestLog.clear();
    this.faults.clear();
    this.scheduleSave();
  }

  /** Back to the world the emulator was started (or last loaded) with. */
  reset(): void {
    this.applyWorld(this.worldInput);
    this.requestLog.clear();
    this.faults.clear();
    this.scheduleSave();
  }

  // ---- persistence ----

  save(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (!this.options.statePath) return;
    this.cloud.tick();
    writeStateFile(this.options.statePath, {
      format: "ecs-emulator-state/1",
      savedAt: new Date(this.baseClock.now()).toISOString(),
      emulatedNow: this.clock.now(),
      state: this.cloud.state,
    });
  }

  scheduleSave(): void {
    if (!this.options.statePath || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.save();
      } catch (e) {
        this.logError(`emulator: saving state failed: ${(e as Error).stack ?? e}`);
      }
    }, 50);
    this.saveTimer.unref();
  }

  // ---- the API pipeline: parse -> authenticate -> route -> faults -> throttle -> RAM -> handler ----

  handleApi(req: Omit<RawRequest, "query"> & { rawQuery: string }): ApiOutcome {
    const requestId = newRequestId();
    const started = this.baseClock.now();
    let action = req.headers["x-acs-action"]?.toString() ?? "";
    let principal: Principal | undefined;
    let mutating = false;
    let dryRun = false;
    let throttled = false;
    let fault: string | undefined;
    let signatureVersion: "v3" | "v1" | undefined;
    let logged: Record<string, string> = {};
    let latencyMs: number | undefined;
    const finish = (status: number, body: Record<string, unknown>, extra: Partial<ApiOutcome> = {}): ApiOutcome => {
      this.requestLog.add({
        time: new Date(started).toISOString(),
        requestId,
        action: action || "(none)",
        accountId: principal?.accountId ?? "",
        accessKeyId: principal?.accessKeyId ?? "",
        ramUser: principal?.ramUser,
        signatureVersion,
        mutating,
        dryRun,
        params: logged,
        httpStatus: status,
        code: typeof body.Code === "string" ? body.Code : undefined,
        throttled,
        fault,
        durationMs: this.baseClock.now() - started,
      });
      return { status, body, headers: {}, latencyMs, ...extra };
    };
    try {
      if (req.method !== "POST" && req.method !== "GET")
        throw new UnsupportedHTTPMethod(`HTTP method ${req.method} is not supported.`);
      const query = parseQuery(req.rawQuery);
      logged = maskParams(query);
      dryRun = String(query.DryRun).toLowerCase() === "true";
      const auth = authenticate({ ...req, query }, this.callers, this.nonces, this.baseClock);
      principal = auth.principal;
      signatureVersion = auth.signatureVersion;
      action = auth.action;
      if (auth.version !== API_VERSION)
        throw new InvalidVersion(`Specified Version "${auth.version}" is not valid (ECS is ${API_VERSION}).`);
      const r = route(action);
      if (!r)
        throw new InvalidActionNotFound(
          `Specified api "${action.slice(0, 64)}" is not found, please check your url and method.`,
        );
      // A DryRun only validates (ECS answers DryRunOperation), so it never counts as a change.
      mutating = r.mutating && !dryRun;
      if (this.faults.fire(action, "reset").length > 0) {
        fault = "reset";
        return finish(0, {}, { drop: true });
      }
      const lat = this.faults.fire(action, "latency");
      if (lat.length > 0) {
        latencyMs = Math.max(...lat.map((f) => f.latencyMs ?? 0));
        fault = "latency";
      }
      if (!this.throttle.take(principal.accountId, action)) {
        throttled = true;
        throw new ThrottlingUser();
      }
      const injected = this.faults.fire(action, "error")[0];
      if (injected) {
        fault = `error:${injected.code}`;
        throw Faults.toError(injected);
      }
      if (!r.ramInModel) this.cloud.authorize(principal, action);
      this.cloud.tick();
      const p = new Params(query, action);
      const body = r.handler({ cloud: this.cloud, caller: principal, p, raw: query, passwords: this.passwords });
      if (mutating) this.scheduleSave();
      if (this.faults.fire(action, "commitThenDrop").length > 0) {
        fault = "commitThenDrop";
        return finish(200, { RequestId: requestId, ...body }, { drop: true });
      }
      return finish(200, { RequestId: requestId, ...body });
    } catch (e) {
      let err: EcsError;
      if (e instanceof EcsError) err = e;
      else {
        this.logError(
          `emulator: InternalError in ${action || "(unknown action)"} [${requestId}]: ${(e as Error)?.stack ?? String(e)}`,
        );
        err = new InternalError();
      }
      return finish(err.httpStatus, errorBody(err, requestId));
    }
  }

  // ---- back doors for tests (also exposed by the admin API) ----

  advanceClock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new Error("advanceClock: ms must be a non-negative number");
    this.clock.advance(ms);
    this.cloud.tick();
    this.scheduleSave();
    return this.clock.now();
  }

  setThrottle(patch: Partial<ThrottleConfig>): ThrottleConfig {
    this.throttle.configure(patch);
    return this.throttle.config;
  }

  addFault(rule: FaultRule) {
    return this.faults.add(rule);
  }

  revokeShare(imageId: string, accountId: string): void {
    const img = this.existingImage("revokeShare", imageId);
    delete img.sharedWith[accountId];
    this.scheduleSave();
  }

  /** Settles time first: a copy the arrears break fails from this moment, not from the next request. */
  setArrears(accountId: string, inArrears = true): void {
    this.cloud.tick();
    const acc = this.cloud.state.accounts[accountId];
    if (!acc) throw new AdminError(404, `setArrears: no account ${accountId}`);
    acc.inArrears = inArrears;
    this.scheduleSave();
  }

  /** Settles time first, like setArrears. */
  setKmsKeyState(keyId: string, state: "Enabled" | "Disabled"): void {
    this.cloud.tick();
    const key = this.cloud.state.kmsKeys[keyId];
    if (!key) throw new AdminError(404, `setKmsKeyState: no KMS key ${keyId}`);
    key.state = state;
    this.scheduleSave();
  }

  deleteInstance(instanceId: string): void {
    releaseInstance(this.cloud, this.existingInstance("deleteInstance", instanceId));
    this.scheduleSave();
  }

  modifyInstance(instanceId: string, patch: InstancePatch): InstanceRec {
    this.cloud.tick();
    const inst = this.existingInstance("modifyInstance", instanceId);
    applyInstancePatch(inst, patch);
    this.scheduleSave();
    return structuredClone(inst);
  }

  /** An out-of-band standard stop (someone stops the instance in the console): Running -> Stopping -> Stopped. */
  stopInstance(instanceId: string): void {
    this.cloud.tick();
    const inst = this.existingInstance("stopInstance", instanceId);
    if (inst.status !== "Running") {
      throw new AdminError(
        409,
        `stopInstance: instance ${instanceId} is ${inst.status}; only a Running instance stops`,
      );
    }
    beginStop(this.cloud, inst, "KeepCharging");
    this.scheduleSave();
  }

  credentials(instanceId: string): InstanceCredentials {
    const inst = this.existingInstance("credentials", instanceId);
    return instanceCredentials(this.cloud, inst);
  }

  /** Whether the instance's current password is `candidate`. The candidate is compared, never kept or logged. */
  hasPassword(instanceId: string, candidate: string): PasswordCheck {
    const inst = this.existingInstance("hasPassword", instanceId);
    if (inst.password === "none") return false;
    const known = this.cloud.passwordFingerprints.get(instanceId);
    if (inst.password === "imagePreset" || known === undefined) return "unknown";
    return this.passwords.matches(candidate, known);
  }

  deleteImage(imageId: string): void {
    this.existingImage("deleteImage", imageId);
    delete this.cloud.state.images[imageId];
    this.scheduleSave();
  }

  /** Ends a running copy CreateFailed now, as if ECS had failed it. */
  failCopy(imageId: string): void {
    this.cloud.tick();
    const img = this.existingImage("failCopy", imageId);
    if (!isRunningCopy(img)) {
      throw new AdminError(
        409,
        `failCopy: image ${imageId} is not a running copy (it is ${img.status}${img.copy ? "" : " and was not made by CopyImage"})`,
      );
    }
    this.cloud.failCopy(img, this.clock.now());
    this.scheduleSave();
  }

  /** The owner deprecates (or restores) an image behind the workload's back, even while it is shared. */
  setImageDeprecated(imageId: string, deprecated: boolean): void {
    this.cloud.tick();
    const img = this.existingImage(deprecated ? "deprecateImage" : "undeprecateImage", imageId);
    if (!SETTLED_IMAGE_STATUSES.includes(img.status)) {
      throw new AdminError(
        409,
        `image ${imageId} is ${img.status}; only Available and Deprecated images change status`,
      );
    }
    img.status = deprecated ? "Deprecated" : "Available";
    this.scheduleSave();
  }

  private existingInstance(op: string, instanceId: string): InstanceRec {
    const inst = this.cloud.state.instances[instanceId];
    if (!inst) throw new AdminError(404, `${op}: no instance ${instanceId}`);
    return inst;
  }

  private existingImage(op: string, imageId: string): ImageRec {
    const img = this.cloud.state.images[imageId];
    if (!img) throw new AdminError(404, `${op}: no image ${imageId}`);
    return img;
  }

  /** Per account: own images with copy progress, images shared with it, copies under way, instances, disks, keys. */
  inventory(accountId?: string): Inventory {
    this.cloud.tick();
    return inventory(this.cloud, accountId);
  }
}
