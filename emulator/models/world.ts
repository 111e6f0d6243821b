import type { ThrottleConfig } from "../protocol/throttle";
import {
  type Callers,
  type DiskMappingRec,
  IMAGE_STATUSES,
  type ImageRec,
  type ImageStatus,
  type RamPolicy,
  type RamStatement,
  type Settings,
  type State,
} from "./types";

/** A world file: the regions, catalogue and accounts the emulator starts from. See emulator/README.md. */
export interface WorldSpec {
  regions: { regionId: string; localName?: string; zones: { zoneId: string; localName?: string }[] }[];
  instanceTypes: { instanceTypeId: string; cpu: number; memoryGiB: number; zones?: string[] }[];
  /** Public images (ImageOwnerAlias system) or, with productCode, marketplace images. */
  publicImages?: ImageSpec[];
  accounts: AccountSpec[];
  throttle?: Partial<ThrottleConfig>;
  settings?: Partial<Settings>;
}

export interface AccountSpec {
  accountId: string;
  name: string;
  inArrears?: boolean;
  accessKeys?: { accessKeyId: string; accessKeySecret: string }[];
  ramUsers?: {
    name: string;
    accessKeys?: { accessKeyId: string; accessKeySecret: string }[];
    policies?: RamPolicy[];
  }[];
  stsTokens?: {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    ramUser?: string;
    /** ISO time; default: never expires. */
    expiration?: string;
  }[];
  kmsKeys?: { keyId: string; regionId: string; state?: "Enabled" | "Disabled" }[];
  vSwitches?: { vSwitchId: string; regionId: string; zoneId: string; vpcId: string; cidrBlock?: string }[];
  securityGroups?: { securityGroupId: string; regionId: string; vpcId: string; name?: string; description?: string }[];
  keyPairs?: { keyPairName: string; regionId: string; fingerprint?: string }[];
  images?: ImageSpec[];
}

export interface ImageSpec {
  imageId: string;
  regionId: string;
  name: string;
  description?: string;
  sizeGiB: number;
  osType?: string;
  osName?: string;
  platform?: string;
  architecture?: string;
  status?: ImageStatus;
  productCode?: string;
  imageFamily?: string;
  /** Encrypts every disk mapping with this KMS key of the owner. */
  kmsKeyId?: string;
  dataDisks?: { sizeGiB: number }[];
  sharedWith?: string[];
  tags?: Record<string, string>;
  supportsResize?: boolean;
  creationTime?: string;
  /**
   * The image carries a preset login password, which PasswordInherit=true uses (default false: public images carry
   * none, and a custom image only when its creator left one in it). The password itself is never in a world.
   */
  passwordPreset?: boolean;
}

export class WorldValidationError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`invalid world: ${path}: ${problem}`);
    this.name = "WorldValidationError";
  }
}

export const DEFAULT_SETTINGS: Settings = {
  copyGiBPerMinute: 10,
  maxConcurrentCopies: 5,
  maxCustomImagesPerRegion: 100,
  pendingMs: 5_000,
  startingMs: 10_000,
  stoppingMs: 10_000,
  diskCreatingMs: 10_000,
};

type Json = Record<string, unknown>;

function fail(path: string, problem: string): never {
  throw new WorldValidationError(path, problem);
}

function obj(value: unknown, path: string, allowed: readonly string[]): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "must be an object");
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown key (allowed: ${allowed.join(", ")})`);
  }
  return value as Json;
}

function arr(o: Json, key: string, path: string, required = false): unknown[] {
  const v = o[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) fail(`${path}.${key}`, required ? "is required and must be an array" : "must be an array");
  return v;
}

function str(
  o: Json,
  key: string,
  path: string,
  opts: { optional?: boolean; pattern?: RegExp; hint?: string } = {},
): string {
  const v = o[key];
  if (v === undefined && opts.optional) return "";
  if (typeof v !== "string" || v.length === 0) fail(`${path}.${key}`, "is required and must be a non-empty string");
  if (opts.pattern && !opts.pattern.test(v))
    fail(`${path}.${key}`, `${opts.hint ?? `must match ${opts.pattern}`} (got ${JSON.stringify(v)})`);
  return v;
}

function num(o: Json, key: string, path: string, min: number, max: number, optional = false): number {
  const v = o[key];
  if (v === undefined && optional) return Number.NaN;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    fail(`${path}.${key}`, `must be a number between ${min} and ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

function bool(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (typeof v !== "boolean") fail(`${path}.${key}`, "must be true or false");
  return v;
}

function stringMap(o: Json, key: string, path: string): Record<string, string> {
  const v = o[key];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${path}.${key}`, "must be an object of strings");
  for (const [k, s] of Object.entries(v)) if (typeof s !== "string") fail(`${path}.${key}.${k}`, "must be a string");
  return v as Record<string, string>;
}

const ACCOUNT_ID = /^[1-9]\d{15}$/;

function validatePolicy(value: unknown, path: string): RamPolicy {
  const p = obj(value, path, ["Version", "Statement"]);
  str(p, "Version", path);
  const statements = arr(p, "Statement", path, true).map((s, i): RamStatement => {
    const sp = `${path}.Statement[${i}]`;
    const st = obj(s, sp, ["Effect", "Action", "Resource", "Condition"]);
    const effect = str(st, "Effect", sp, { pattern: /^(Allow|Deny)$/, hint: "must be Allow or Deny" });
    const action = st.Action;
    if (!(typeof action === "string" || (Array.isArray(action) && action.every((a) => typeof a === "string")))) {
      fail(`${sp}.Action`, "must be a string or an array of strings");
    }
    if (st.Condition !== undefined) {
      const cond = obj(st.Condition, `${sp}.Condition`, [
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
      ]);
      for (const [op, keys] of Object.entries(cond)) {
        if (typeof keys !== "object" || keys === null || Array.isArray(keys))
          fail(`${sp}.Condition.${op}`, "must be an object");
        for (const [k, v] of Object.entries(keys)) {
          if (!(typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string")))) {
            fail(`${sp}.Condition.${op}.${k}`, "must be a string or an array of strings");
          }
        }
      }
    }
    return st as unknown as RamStatement & { Effect: typeof effect };
  });
  return { Version: p.Version as string, Statement: statements };
}

export interface BuiltWorld {
  state: State;
  callers: Callers;
  throttle: Partial<ThrottleConfig>;
}

/** Validates a world (parsed JSON) and builds the initial state. Errors name the offending key. */
export function buildWorld(input: unknown, now: number): BuiltWorld {
  const root = obj(input, "world", [
    "$schema",
    "description",
    "regions",
    "instanceTypes",
    "publicImages",
    "accounts",
    "throttle",
    "settings",
  ]);
  const iso = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
  const state: State = {
    regions: [],
    instanceTypes: [],
    accounts: {},
    kmsKeys: {},
    vSwitches: {},
    securityGroups: {},
    keyPairs: [],
    images: {},
    instances: {},
    disks: {},
    idempotency: {},
    settings: { ...DEFAULT_SETTINGS },
  };
  const callers: Callers = { accessKeys: new Map(), stsTokens: new Map(), ramPolicies: new Map() };

  const zones = new Map<string, string>();
  arr(root, "regions", "world", true).forEach((r, i) => {
    const p = `world.regions[${i}]`;
    const o = obj(r, p, ["regionId", "localName", "zones"]);
    const regionId = str(o, "regionId", p, { pattern: /^[a-z]{2}-[a-z0-9-]+$/, hint: "must look like cn-hangzhou" });
    if (state.regions.some((x) => x.regionId === regionId)) fail(`${p}.regionId`, `duplicate region ${regionId}`);
    const zs = arr(o, "zones", p, true).map((z, j) => {
      const zp = `${p}.zones[${j}]`;
      const zo = obj(z, zp, ["zoneId", "localName"]);
      const zoneId = str(zo, "zoneId", zp, {
        pattern: new RegExp(`^${regionId}-[a-z0-9]+$`),
        hint: `must start with ${regionId}-`,
      });
      zones.set(zoneId, regionId);
      return { zoneId, localName: str(zo, "localName", zp, { optional: true }) || zoneId };
    });
    if (zs.length === 0) fail(`${p}.zones`, "must list at least one zone");
    state.regions.push({ regionId, localName: str(o, "localName", p, { optional: true }) || regionId, zones: zs });
  });
  if (state.regions.length === 0) fail("world.regions", "must list at least one region");
  const hasRegion = (regionId: string) => state.regions.some((r) => r.regionId === regionId);
  const regionOf = (o: Json, p: string) => {
    const regionId = str(o, "regionId", p);
    if (!hasRegion(regionId)) fail(`${p}.regionId`, `unknown region ${JSON.stringify(regionId)}`);
    return regionId;
  };

  arr(root, "instanceTypes", "world", true).forEach((t, i) => {
    const p = `world.instanceTypes[${i}]`;
    const o = obj(t, p, ["instanceTypeId", "cpu", "memoryGiB", "zones"]);
    const tz = arr(o, "zones", p).map((z, j) => {
      if (typeof z !== "string" || !zones.has(z)) fail(`${p}.zones[${j}]`, `unknown zone ${JSON.stringify(z)}`);
      return z;
    });
    state.instanceTypes.push({
      instanceTypeId: str(o, "instanceTypeId", p, {
        pattern: /^ecs\.[a-z0-9-]+\.[a-z0-9]+$/,
        hint: "must look like ecs.g7.large",
      }),
      cpu: num(o, "cpu", p, 1, 1024),
      memoryGiB: num(o, "memoryGiB", p, 0.5, 24576),
      zones: tz,
    });
  });

  if (root.settings !== undefined) {
    const keys = Object.keys(DEFAULT_SETTINGS);
    const s = obj(root.settings, "world.settings", keys);
    for (const key of keys) {
      if (s[key] !== undefined)
        (state.settings as unknown as Record<string, number>)[key] = num(s, key, "world.settings", 0, 1e12);
    }
  }

  const accountsRaw = arr(root, "accounts", "world", true);
  const accountIds = new Set<string>();
  accountsRaw.forEach((a, i) => {
    const p = `world.accounts[${i}]`;
    const id = str(a as Json, "accountId", p, { pattern: ACCOUNT_ID, hint: "must be a 16-digit account id" });
    if (!Number.isSafeInteger(Number(id))) fail(`${p}.accountId`, "must be below 2^53 (ImageOwnerId is a JSON number)");
    if (accountIds.has(id)) fail(`${p}.accountId`, `duplicate account ${id}`);
    accountIds.add(id);
  });

  const imageSpecs: { spec: Json; path: string; ownerId: string; kind: ImageRec["kind"] }[] = [];
  arr(root, "publicImages", "world").forEach((img, i) => {
    const o = img as Json;
    imageSpecs.push({
      spec: o,
      path: `world.publicImages[${i}]`,
      ownerId: "",
      kind: o?.productCode ? "marketplace" : "system",
    });
  });

  const akSeen = (id: string, p: string) => {
    if (callers.accessKeys.has(id) || callers.stsTokens.has(id)) fail(p, `duplicate access key ${id}`);
  };

  accountsRaw.forEach((a, i) => {
    const p = `world.accounts[${i}]`;
    const o = obj(a, p, [
      "accountId",
      "name",
      "description",
      "inArrears",
      "accessKeys",
      "ramUsers",
      "stsTokens",
      "kmsKeys",
      "vSwitches",
      "securityGroups",
      "keyPairs",
      "images",
    ]);
    const accountId = o.accountId as string;
    state.accounts[accountId] = { accountId, name: str(o, "name", p), inArrears: bool(o, "inArrears", p) };
    const readKeys = (list: unknown[], lp: string, ramUser?: string) =>
      list.forEach((k, j) => {
        const kp = `${lp}[${j}]`;
        const ko = obj(k, kp, ["accessKeyId", "accessKeySecret"]);
        const id = str(ko, "accessKeyId", kp);
        akSeen(id, `${kp}.accessKeyId`);
        callers.accessKeys.set(id, { secret: str(ko, "accessKeySecret", kp), accountId, ramUser });
      });
    readKeys(arr(o, "accessKeys", p), `${p}.accessKeys`);
    const ramUsers = new Set<string>();
    arr(o, "ramUsers", p).forEach((u, j) => {
      const up = `${p}.ramUsers[${j}]`;
      const uo = obj(u, up, ["name", "accessKeys", "policies"]);
      const name = str(uo, "name", up);
      ramUsers.add(name);
      callers.ramPolicies.set(
        `${accountId}/${name}`,
        arr(uo, "policies", up).map((pol, k) => validatePolicy(pol, `${up}.policies[${k}]`)),
      );
      readKeys(arr(uo, "accessKeys", up), `${up}.accessKeys`, name);
    });
    arr(o, "stsTokens", p).forEach((t, j) => {
      const tp = `${p}.stsTokens[${j}]`;
      const to = obj(t, tp, ["accessKeyId", "accessKeySecret", "securityToken", "ramUser", "expiration"]);
      const id = str(to, "accessKeyId", tp, { pattern: /^STS\./, hint: "must start with STS." });
      akSeen(id, `${tp}.accessKeyId`);
      const ramUser = str(to, "ramUser", tp, { optional: true }) || undefined;
      if (ramUser && !ramUsers.has(ramUser)) fail(`${tp}.ramUser`, `unknown RAM user ${ramUser}`);
      const expiration = str(to, "expiration", tp, { optional: true });
      const expiresAt = expiration ? Date.parse(expiration) : Number.POSITIVE_INFINITY;
      if (Number.isNaN(expiresAt)) fail(`${tp}.expiration`, "must be an ISO date");
      callers.stsTokens.set(id, {
        secret: str(to, "accessKeySecret", tp),
        securityToken: str(to, "securityToken", tp),
        accountId,
        ramUser,
        expiresAt,
      });
    });
    arr(o, "kmsKeys", p).forEach((k, j) => {
      const kp = `${p}.kmsKeys[${j}]`;
      const ko = obj(k, kp, ["keyId", "regionId", "state"]);
      const keyId = str(ko, "keyId", kp);
      if (state.kmsKeys[keyId]) fail(`${kp}.keyId`, `duplicate key ${keyId}`);
      const st = str(ko, "state", kp, {
        optional: true,
        pattern: /^(Enabled|Disabled)$/,
        hint: "must be Enabled or Disabled",
      });
      state.kmsKeys[keyId] = {
        keyId,
        ownerId: accountId,
        regionId: regionOf(ko, kp),
        state: (st || "Enabled") as "Enabled",
      };
    });
    arr(o, "vSwitches", p).forEach((v, j) => {
      const vp = `${p}.vSwitches[${j}]`;
      const vo = obj(v, vp, ["vSwitchId", "regionId", "zoneId", "vpcId", "cidrBlock"]);
      const regionId = regionOf(vo, vp);
      const zoneId = str(vo, "zoneId", vp);
      if (zones.get(zoneId) !== regionId) fail(`${vp}.zoneId`, `zone ${zoneId} is not in region ${regionId}`);
      const id = str(vo, "vSwitchId", vp, { pattern: /^vsw-/, hint: "must start with vsw-" });
      const cidrBlock =
        str(vo, "cidrBlock", vp, {
          optional: true,
          pattern: /^\d+\.\d+\.\d+\.0\/24$/,
          hint: "must be an a.b.c.0/24 block",
        }) || `172.16.${j}.0/24`;
      state.vSwitches[id] = {
        vSwitchId: id,
        ownerId: accountId,
        regionId,
        zoneId,
        vpcId: str(vo, "vpcId", vp, { pattern: /^vpc-/, hint: "must start with vpc-" }),
        cidrBlock,
        nextHost: 10,
      };
    });
    arr(o, "securityGroups", p).forEach((s, j) => {
      const sp = `${p}.securityGroups[${j}]`;
      const so = obj(s, sp, ["securityGroupId", "regionId", "vpcId", "name", "description"]);
      const id = str(so, "securityGroupId", sp, { pattern: /^sg-/, hint: "must start with sg-" });
      state.securityGroups[id] = {
        securityGroupId: id,
        ownerId: accountId,
        regionId: regionOf(so, sp),
        vpcId: str(so, "vpcId", sp),
        name: str(so, "name", sp, { optional: true }) || id,
        description: str(so, "description", sp, { optional: true }),
        creationTime: iso,
        tags: {},
      };
    });
    arr(o, "keyPairs", p).forEach((k, j) => {
      const kp = `${p}.keyPairs[${j}]`;
      const ko = obj(k, kp, ["keyPairName", "regionId", "fingerprint"]);
      state.keyPairs.push({
        keyPairName: str(ko, "keyPairName", kp),
        ownerId: accountId,
        regionId: regionOf(ko, kp),
        fingerprint:
          str(ko, "fingerprint", kp, { optional: true }) || "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
        creationTime: iso,
        tags: {},
      });
    });
    arr(o, "images", p).forEach((img, j) => {
      imageSpecs.push({ spec: img as Json, path: `${p}.images[${j}]`, ownerId: accountId, kind: "custom" });
    });
  });

  for (const { spec, path: p, ownerId, kind } of imageSpecs) {
    const o = obj(spec, p, [
      "imageId",
      "regionId",
      "name",
      "description",
      "sizeGiB",
      "osType",
      "osName",
      "platform",
      "architecture",
      "status",
      "productCode",
      "imageFamily",
      "kmsKeyId",
      "dataDisks",
      "sharedWith",
      "tags",
      "supportsResize",
      "creationTime",
      "passwordPreset",
    ]);
    const imageId = str(o, "imageId", p, {
      pattern: /^m-[a-z0-9]+$|^[a-z0-9_]+\.vhd$/,
      hint: "must look like m-xxxx (custom) or name.vhd (public)",
    });
    if (state.images[imageId]) fail(`${p}.imageId`, `duplicate image ${imageId}`);
    const regionId = regionOf(o, p);
    const sizeGiB = num(o, "sizeGiB", p, 1, 2048);
    const kmsKeyId = str(o, "kmsKeyId", p, { optional: true });
    if (kmsKeyId) {
      const key = state.kmsKeys[kmsKeyId];
      if (!key || key.ownerId !== ownerId || key.regionId !== regionId) {
        fail(`${p}.kmsKeyId`, `must name a KMS key of the owner in ${regionId}`);
      }
    }
    const status = (str(o, "status", p, { optional: true }) || "Available") as ImageStatus;
    if (!IMAGE_STATUSES.includes(status)) fail(`${p}.status`, `must be one of ${IMAGE_STATUSES.join(", ")}`);
    const sharedWith: Record<string, string> = {};
    arr(o, "sharedWith", p).forEach((acc, j) => {
      if (typeof acc !== "string" || !accountIds.has(acc))
        fail(`${p}.sharedWith[${j}]`, `unknown account ${JSON.stringify(acc)}`);
      if (acc === ownerId) fail(`${p}.sharedWith[${j}]`, "an image cannot be shared with its owner");
      sharedWith[acc] = iso;
    });
    if (kind !== "custom" && Object.keys(sharedWith).length > 0)
      fail(`${p}.sharedWith`, "public images cannot be shared");
    const encrypted = kmsKeyId !== "";
    const mappings: DiskMappingRec[] = [
      {
        device: "/dev/xvda",
        sizeGiB,
        snapshotId: `s-${imageId.replace(/\W/g, "")}-0`,
        type: "system",
        encrypted,
        kmsKeyId,
      },
    ];
    arr(o, "dataDisks", p).forEach((d, j) => {
      const dp = `${p}.dataDisks[${j}]`;
      const dd = obj(d, dp, ["sizeGiB"]);
      mappings.push({
        device: `/dev/xvd${String.fromCharCode(98 + j)}`,
        sizeGiB: num(dd, "sizeGiB", dp, 1, 32768),
        snapshotId: `s-${imageId.replace(/\W/g, "")}-${j + 1}`,
        type: "data",
        encrypted,
        kmsKeyId,
      });
    });
    const creationTime = str(o, "creationTime", p, { optional: true }) || iso;
    if (Number.isNaN(Date.parse(creationTime))) fail(`${p}.creationTime`, "must be an ISO date");
    state.images[imageId] = {
      imageId,
      ownerId,
      regionId,
      kind,
      name: str(o, "name", p),
      description: str(o, "description", p, { optional: true }),
      sizeGiB,
      osType:
        str(o, "osType", p, { optional: true, pattern: /^(linux|windows)$/, hint: "must be linux or windows" }) ||
        "linux",
      osName: str(o, "osName", p, { optional: true }) || "Alibaba Cloud Linux 3.2104 LTS 64 bit",
      platform: str(o, "platform", p, { optional: true }) || "Aliyun",
      architecture:
        str(o, "architecture", p, {
          optional: true,
          pattern: /^(x86_64|arm64|i386)$/,
          hint: "must be x86_64, arm64 or i386",
        }) || "x86_64",
      status,
      productCode: str(o, "productCode", p, { optional: true }),
      imageFamily: str(o, "imageFamily", p, { optional: true }),
      creationTime,
      supportsResize: o.supportsResize === undefined ? true : bool(o, "supportsResize", p),
      isCopied: false,
      sharedWith,
      tags: stringMap(o, "tags", p),
      diskMappings: mappings,
      passwordPreset: bool(o, "passwordPreset", p),
      copy: null,
    };
  }

  let throttle: Partial<ThrottleConfig> = {};
  if (root.throttle !== undefined) {
    const t = obj(root.throttle, "world.throttle", ["enabled", "default", "actions"]);
    const bucket = (v: unknown, bp: string) => {
      const b = obj(v, bp, ["ratePerSecond", "burst"]);
      return { ratePerSecond: num(b, "ratePerSecond", bp, 0.001, 1e9), burst: num(b, "burst", bp, 1, 1e9) };
    };
    throttle = {};
    if (t.enabled !== undefined) throttle.enabled = bool(t, "enabled", "world.throttle");
    if (t.default !== undefined) throttle.default = bucket(t.default, "world.throttle.default");
    if (t.actions !== undefined) {
      const acts = obj(t.actions, "world.throttle.actions", Object.keys(t.actions as object));
      throttle.actions = Object.fromEntries(
        Object.entries(acts).map(([k, v]) => [k, bucket(v, `world.throttle.actions.${k}`)]),
      );
    }
  }
  return { state, callers, throttle };
}
