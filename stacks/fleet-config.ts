// The fleet as a platform engineer declares it in stack config, validated up front. Every problem is reported at once,
// each with the key path, what was wrong and what is allowed, so a pull request's preview says exactly what to fix.
// Through the package name only: the program then runs the library's compiled code (as a consumer would), and ts-node
// compiles nothing but stacks/ (Pulumi's ts-node settings target ES6, which the library's sources do not).
import { type ApprovalPolicy, DISK_CATEGORIES, validateApprovalPolicy } from "pulumi-ecs-shared-images";
import { CUSTOM_IMAGE_ID, quote } from "pulumi-ecs-shared-images/providers/common/rules";
import { maxUserTags } from "pulumi-ecs-shared-images/providers/tags";

export interface CatalogueImage {
  /** The shared image (or an image of our own). */
  readonly imageId: string;
  /** Copy it into this account first, so instances outlive the owner unsharing or deleting it. */
  readonly copy?: {
    readonly name?: string;
    readonly description?: string;
    readonly encrypted?: boolean;
    readonly kmsKeyId?: string;
    readonly tags?: Readonly<Record<string, string>>;
  };
}

export interface DiskConfig {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

export interface InstanceGroup {
  readonly count: number;
  /** A name from `images`. */
  readonly image: string;
  readonly instanceType: string;
  readonly zoneId?: string;
  readonly vSwitchId: string;
  readonly securityGroupIds: readonly string[];
  readonly systemDisk?: DiskConfig;
  /** Each needs a size (validated). */
  readonly dataDisks?: readonly (DiskConfig & { readonly size: number })[];
  readonly keyPairName?: string;
  /** Name of a *secret* config key holding the instances' password. */
  readonly passwordKey?: string;
  readonly internetMaxBandwidthOut?: number;
  /** Pay-as-you-go only: subscription instances cannot be deleted on demand, which a declarative fleet needs. */
  readonly chargeType?: "PostPaid";
  readonly tags?: Readonly<Record<string, string>>;
  readonly onImageChange?: "replace" | "replaceSystemDisk";
}

/**
 * What the new system disk logs in with: "keep" (a key pair instance keeps its key pair; refused for an instance
 * without one), "imagePreset" (the image's preset password), a key pair, or the password in a secret config key.
 */
export type ReplacementCredentials =
  | "keep"
  | "imagePreset"
  | { readonly keyPairName: string }
  | { readonly passwordKey: string };

export interface SystemDiskReplacementConfig {
  readonly instanceId: string;
  /** A name from `images`. */
  readonly image: string;
  readonly credentials?: ReplacementCredentials;
  readonly systemDiskSize?: number;
  /** Encrypt the new system disk (required for an encrypted image); `kmsKeyId` needs it. */
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly restart?: "previous" | "running" | "stopped";
  readonly revertOnDelete?: boolean;
}

export interface FleetConfig {
  readonly approval: ApprovalPolicy;
  readonly images: Readonly<Record<string, CatalogueImage>>;
  readonly groups: Readonly<Record<string, InstanceGroup>>;
  readonly systemDiskReplacements: Readonly<Record<string, SystemDiskReplacementConfig>>;
}

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export class FleetConfigError extends Error {
  override readonly name = "FleetConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `The stack config does not describe a valid fleet (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
    );
  }
}

/** What the program reads from config: raw values by key, and whether a key was stored as a secret. */
export interface ConfigSource {
  /** The parsed value of `<project>:<key>`, or undefined. */
  get(key: string): unknown;
  isSecret(key: string): boolean;
  /** Every key set in the project's namespace (without the "<project>:" prefix). */
  keys(): string[];
}

export const TOP_LEVEL_KEYS = ["approval", "images", "groups", "systemDiskReplacements"] as const;
const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const INSTANCE_ID = /^i-[a-z0-9-]+$/;
/** Tags an instance group may set: what an instance allows its user, less the fleet-group tag the program adds. */
const MAX_GROUP_TAGS = maxUserTags("instance") - 1;
/** Tags a copy may set: what an image allows its user. */
const MAX_COPY_TAGS = maxUserTags("image");

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A tiny checker that records problems against key paths instead of stopping at the first (the owner stack's config
 * is checked with it too).
 */
export class Checker {
  readonly problems: ConfigProblem[] = [];

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(value: unknown, path: string, allowed: readonly string[], required: readonly string[] = []): Json | undefined {
    if (!isObject(value)) {
      this.fail(path, `must be an object with keys ${allowed.join(", ")}; got ${quote(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(`${path}.${key}`, `is not a known key; allowed: ${allowed.join(", ")}`);
    }
    for (const key of required) {
      if (value[key] === undefined) this.fail(`${path}.${key}`, "is required");
    }
    return value;
  }

  /** A map of named entries (catalogue images, groups...); absent means empty. */
  map(value: unknown, path: string): Json {
    if (value === undefined) return {};
    if (!isObject(value)) {
      this.fail(path, `must be a map of named entries; got ${quote(value)}`);
      return {};
    }
    this.names(value, path);
    return value;
  }

  string(value: unknown, path: string, pattern?: RegExp, hint?: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value))) {
      this.fail(path, `must be ${hint ?? "a non-empty string"}; got ${quote(value)}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) {
      this.fail(path, `must be one of ${allowed.map(quote).join(", ")}; got ${quote(value)}`);
      return undefined;
    }
    return value as T;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `must be a whole number from ${min} to ${max}; got ${quote(value)}`);
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") this.fail(path, `must be true or false; got ${quote(value)}`);
    return value === true;
  }

  tags(value: unknown, path: string, max: number): void {
    if (value === undefined) return;
    if (!isObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
      this.fail(path, `must be a map of string tags; got ${quote(value)}`);
    } else if (Object.keys(value).length > max) {
      this.fail(path, `has ${Object.keys(value).length} tags; at most ${max} are allowed here`);
    }
  }

  names(map: Json, path: string): void {
    for (const name of Object.keys(map)) {
      if (!NAME.test(name)) {
        this.fail(
          `${path}.${name}`,
          "names must start with a lowercase letter and use only a-z, 0-9 and -, at most 40",
        );
      }
    }
  }

  /** Disk settings with the same limits the instance resource applies (system disks 20-2048 GiB, data 20-32768). */
  disk(value: unknown, path: string, maxSize: number): void {
    const disk = this.object(value, path, ["category", "size", "encrypted", "kmsKeyId"]);
    if (!disk) return;
    this.oneOf(disk.category, `${path}.category`, DISK_CATEGORIES);
    this.integer(disk.size, `${path}.size`, 20, maxSize);
    this.boolean(disk.encrypted, `${path}.encrypted`);
    this.string(disk.kmsKeyId, `${path}.kmsKeyId`);
    if (disk.kmsKeyId !== undefined && disk.encrypted !== true) {
      this.fail(`${path}.kmsKeyId`, "needs encrypted: true (a KMS key only applies to an encrypted disk)");
    }
  }

  /** Config keys named by passwordKey entries: they hold secrets, not fleet structure. */
  readonly secretKeys = new Set<string>();

  secretKey(config: ConfigSource, value: unknown, path: string): void {
    const key = this.string(value, path, /^[A-Za-z][\w-]*$/, "the name of a secret config key");
    if (!key) return;
    this.secretKeys.add(key);
    if (config.get(key) === undefined) {
      this.fail(path, `names config key "${key}", which is not set; set it with \`pulumi config set --secret ${key}\``);
    } else if (!config.isSecret(key)) {
      this.fail(path, `names config key "${key}", which is stored in plaintext; re-set it with --secret`);
    }
  }
}

/** Validates and types the fleet config; throws FleetConfigError listing every problem. */
export function parseFleetConfig(config: ConfigSource): FleetConfig {
  const c = new Checker();
  const approval = config.get("approval");
  if (approval === undefined) c.fail("approval", "is required: the owner accounts whose shared images are approved");
  for (const failure of approval === undefined ? [] : validateApprovalPolicy(approval, "approval")) {
    c.fail(failure.property, failure.reason);
  }

  const catalogue = c.map(config.get("images"), "images");
  if (Object.keys(catalogue).length === 0) c.fail("images", "must name at least one image in the catalogue");
  for (const [name, entry] of Object.entries(catalogue)) {
    const path = `images.${name}`;
    const image = c.object(entry, path, ["imageId", "copy"], ["imageId"]);
    if (!image) continue;
    c.string(image.imageId, `${path}.imageId`, CUSTOM_IMAGE_ID, 'an image id like "m-bp1abc..."');
    if (image.copy === undefined) continue;
    const copy = c.object(image.copy, `${path}.copy`, ["name", "description", "encrypted", "kmsKeyId", "tags"]);
    if (!copy) continue;
    c.string(
      copy.name,
      `${path}.copy.name`,
      /^[A-Za-z\u4e00-\u9fa5][\w.:-]{1,127}$/,
      "2-128 characters, starting with a letter",
    );
    c.string(copy.description, `${path}.copy.description`);
    c.boolean(copy.encrypted, `${path}.copy.encrypted`);
    c.string(copy.kmsKeyId, `${path}.copy.kmsKeyId`);
    if (copy.kmsKeyId !== undefined && copy.encrypted !== true) {
      c.fail(`${path}.copy.kmsKeyId`, "needs encrypted: true (a KMS key only applies to an encrypted copy)");
    }
    c.tags(copy.tags, `${path}.copy.tags`, MAX_COPY_TAGS);
  }
  const imageRef = (value: unknown, path: string) => {
    if (typeof value !== "string" || !(value in catalogue)) {
      c.fail(
        path,
        `must name a catalogue image (${Object.keys(catalogue).map(quote).join(", ") || "none defined"}); got ${quote(value)}`,
      );
    }
  };

  const groupKeys = [
    "count",
    "image",
    "instanceType",
    "zoneId",
    "vSwitchId",
    "securityGroupIds",
    "systemDisk",
    "dataDisks",
    "keyPairName",
    "passwordKey",
    "internetMaxBandwidthOut",
    "chargeType",
    "tags",
    "onImageChange",
  ];
  const groups = c.map(config.get("groups"), "groups");
  for (const [name, entry] of Object.entries(groups)) {
    const path = `groups.${name}`;
    const group = c.object(entry, path, groupKeys, ["count", "image", "instanceType", "vSwitchId", "securityGroupIds"]);
    if (!group) continue;
    c.integer(group.count, `${path}.count`, 0, 100);
    if (group.image !== undefined) imageRef(group.image, `${path}.image`);
    c.string(group.instanceType, `${path}.instanceType`, /^ecs\.[\w.-]+$/, 'an instance type like "ecs.g7.large"');
    c.string(group.zoneId, `${path}.zoneId`);
    c.string(group.vSwitchId, `${path}.vSwitchId`, /^vsw-[a-z0-9-]+$/, 'a vSwitch id like "vsw-..."');
    const sgs = group.securityGroupIds;
    if (
      sgs !== undefined &&
      (!Array.isArray(sgs) ||
        sgs.length < 1 ||
        sgs.length > 5 ||
        sgs.some((s) => typeof s !== "string" || !/^sg-[a-z0-9-]+$/.test(s)))
    ) {
      c.fail(
        `${path}.securityGroupIds`,
        `must be a list of 1 to 5 security group ids like "sg-..."; got ${quote(sgs)}`,
      );
    }
    if (group.systemDisk !== undefined) c.disk(group.systemDisk, `${path}.systemDisk`, 2048);
    if (group.dataDisks !== undefined) {
      if (!Array.isArray(group.dataDisks) || group.dataDisks.length > 16) {
        c.fail(`${path}.dataDisks`, `must be a list of at most 16 disks; got ${quote(group.dataDisks)}`);
      } else {
        for (const [i, d] of group.dataDisks.entries()) {
          c.disk(d, `${path}.dataDisks[${i}]`, 32768);
          if (isObject(d) && d.size === undefined)
            c.fail(`${path}.dataDisks[${i}].size`, "is required for a data disk");
        }
      }
    }
    c.string(group.keyPairName, `${path}.keyPairName`);
    if (group.passwordKey !== undefined) c.secretKey(config, group.passwordKey, `${path}.passwordKey`);
    if (group.keyPairName !== undefined && group.passwordKey !== undefined) {
      c.fail(`${path}.passwordKey`, "give either keyPairName or passwordKey, not both");
    }
    c.integer(group.internetMaxBandwidthOut, `${path}.internetMaxBandwidthOut`, 0, 100);
    c.oneOf(group.chargeType, `${path}.chargeType`, ["PostPaid"]);
    c.tags(group.tags, `${path}.tags`, MAX_GROUP_TAGS);
    c.oneOf(group.onImageChange, `${path}.onImageChange`, ["replace", "replaceSystemDisk"]);
  }

  const replacements = c.map(config.get("systemDiskReplacements"), "systemDiskReplacements");
  for (const [name, entry] of Object.entries(replacements)) {
    const path = `systemDiskReplacements.${name}`;
    const r = c.object(
      entry,
      path,
      ["instanceId", "image", "credentials", "systemDiskSize", "encrypted", "kmsKeyId", "restart", "revertOnDelete"],
      ["instanceId", "image"],
    );
    if (!r) continue;
    c.string(r.instanceId, `${path}.instanceId`, INSTANCE_ID, 'an instance id like "i-bp1..."');
    if (r.image !== undefined) imageRef(r.image, `${path}.image`);
    if (r.credentials !== undefined && r.credentials !== "keep" && r.credentials !== "imagePreset") {
      const creds = c.object(r.credentials, `${path}.credentials`, ["keyPairName", "passwordKey"]);
      if (creds) {
        if ((creds.keyPairName === undefined) === (creds.passwordKey === undefined)) {
          c.fail(`${path}.credentials`, 'must be "keep", "imagePreset", { keyPairName } or { passwordKey }');
        }
        c.string(creds.keyPairName, `${path}.credentials.keyPairName`);
        if (creds.passwordKey !== undefined) c.secretKey(config, creds.passwordKey, `${path}.credentials.passwordKey`);
      }
    }
    c.integer(r.systemDiskSize, `${path}.systemDiskSize`, 20, 2048);
    c.boolean(r.encrypted, `${path}.encrypted`);
    c.string(r.kmsKeyId, `${path}.kmsKeyId`);
    if (r.kmsKeyId !== undefined && r.encrypted !== true) {
      c.fail(`${path}.kmsKeyId`, "needs encrypted: true (a KMS key only applies to an encrypted disk)");
    }
    c.oneOf(r.restart, `${path}.restart`, ["previous", "running", "stopped"]);
    c.boolean(r.revertOnDelete, `${path}.revertOnDelete`);
    if (r.revertOnDelete === true && r.credentials === "imagePreset") {
      c.fail(
        `${path}.revertOnDelete`,
        'cannot be combined with credentials "imagePreset": the revert makes a disk from the previous image, whose ' +
          "preset password is not this image's; use { keyPairName } or { passwordKey }",
      );
    }
  }

  for (const key of config.keys()) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key) && !c.secretKeys.has(key)) {
      c.fail(
        key,
        `is not a fleet config key; allowed: ${TOP_LEVEL_KEYS.join(", ")}, and secret keys named by passwordKey`,
      );
    }
  }
  if (c.problems.length > 0) throw new FleetConfigError(c.problems);
  return {
    approval: approval as ApprovalPolicy,
    images: catalogue as unknown as FleetConfig["images"],
    groups: groups as unknown as FleetConfig["groups"],
    systemDiskReplacements: replacements as unknown as FleetConfig["systemDiskReplacements"],
  };
}
