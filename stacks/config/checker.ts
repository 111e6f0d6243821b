// The error-collecting checker behind the fleet config's validation: every problem is recorded against its key path
// (with what was wrong and what is allowed) instead of stopping at the first, so one preview lists everything to fix.
import { DISK_CATEGORIES } from "pulumi-ecs-shared-images";
import { quote, REGION_ID } from "pulumi-ecs-shared-images/providers/common/rules";

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

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** How a region id is described where one is expected. */
export const REGION_HINT = 'a region id like "cn-shanghai"';

/** Quotes a list of allowed values for a message: `"a", "b"`, or the given text when there are none. */
export const quoteAll = (values: Iterable<string>, none = "none"): string => [...values].map(quote).join(", ") || none;

/** A tiny checker that records problems against key paths instead of stopping at the first. */
export class Checker {
  readonly problems: ConfigProblem[] = [];
  /** Config keys named by passwordKey entries: they hold secrets, not fleet structure. */
  readonly secretKeys = new Set<string>();

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
    for (const name of Object.keys(value)) {
      if (!NAME.test(name)) {
        this.fail(
          `${path}.${name}`,
          "names must start with a lowercase letter and use only a-z, 0-9 and -, at most 40",
        );
      }
    }
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

  region(value: unknown, path: string): string | undefined {
    return this.string(value, path, REGION_ID, REGION_HINT);
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
