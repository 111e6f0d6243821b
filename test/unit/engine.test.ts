// The engine setup: version check, build and cache, the offline environment and the state backend.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  EngineSetupError,
  ensureEngine,
  isSupportedVersion,
  locateEngine,
  offlineEnv,
  stateBackendOf,
} from "../../scripts/engine";
import { tempDir } from "../support/engine";

describe("isSupportedVersion", () => {
  it.each([
    ["v3.248.0", true],
    ["3.248.0", true],
    ["v3.248.1", true],
    ["v3.260.0-alpha.1", true],
    ["v4.0.0", true],
    ["v3.247.9", false],
    ["v2.999.0", false],
    ["not a version", false],
  ])("%s -> %s", (text, expected) => {
    expect(isSupportedVersion(text)).toBe(expected);
  });
});

describe("ensureEngine", () => {
  it("finds the built engine without rebuilding it on a second run", async () => {
    const lines: string[] = [];
    const engine = await ensureEngine((line) => lines.push(line));
    expect(lines.join("\n")).not.toMatch(/Building|compiling/);
    expect(fs.existsSync(path.join(engine.binDir, "pulumi"))).toBe(true);
    expect(fs.existsSync(path.join(engine.binDir, "pulumi-resource-pulumi-nodejs"))).toBe(true);
  });

  it("fails with one sentence when Go is missing and nothing is built", async () => {
    const cache = tempDir("engine-cache");
    try {
      const env = { HOME: cache.dir, PATH: cache.dir, PULUMI_ECS_CACHE_DIR: cache.dir };
      await expect(ensureEngine(() => undefined, env)).rejects.toThrow(EngineSetupError);
      await expect(ensureEngine(() => undefined, env)).rejects.toThrow(/^Go is not installed \(no `go` on PATH\)/);
      expect(() => locateEngine(env)).toThrow(/run `npm run setup`/);
    } finally {
      cache.cleanup();
    }
  });
});

describe("offlineEnv", () => {
  it("points Pulumi at a file backend, the cached PULUMI_HOME and the engine, with downloads off", () => {
    const dirs = tempDir("offline-env");
    try {
      const engine = { binDir: "/opt/engine/bin", source: "built" as const, version: "v3.248.0" };
      const env = offlineEnv(engine, { backendDir: dirs.dir, base: { PATH: "/usr/bin", PULUMI_ECS_CACHE_DIR: "/c" } });
      expect(env).toMatchObject({
        PATH: "/opt/engine/bin:/usr/bin",
        PULUMI_BACKEND_URL: `file://${dirs.dir}`,
        PULUMI_HOME: "/c/pulumi-home",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_CONFIG_PASSPHRASE: "local-stacks-only",
      });
      const own = offlineEnv(engine, { backendDir: dirs.dir, base: { PULUMI_CONFIG_PASSPHRASE_FILE: "/p" } });
      expect(own.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    } finally {
      dirs.cleanup();
    }
  });

  it("uses the user's own PULUMI_BACKEND_URL and makes no file backend in the project then", () => {
    const dirs = tempDir("offline-env-own-backend");
    try {
      const engine = { binDir: "/opt/engine/bin", source: "built" as const, version: "v3.248.0" };
      const url = "s3://team-state?endpoint=http://127.0.0.1:9000&s3ForcePathStyle=true&region=us-east-1";
      const env = offlineEnv(engine, { projectDir: dirs.dir, base: { PULUMI_BACKEND_URL: url } });
      expect(env.PULUMI_BACKEND_URL).toBe(url);
      expect(fs.readdirSync(dirs.dir)).toEqual([]);
      // An empty value names no backend: the project's file backend, as when unset.
      const unset = offlineEnv(engine, { projectDir: dirs.dir, base: { PULUMI_BACKEND_URL: "" } });
      expect(unset.PULUMI_BACKEND_URL).toBe(`file://${path.join(dirs.dir, ".pulumi-state")}`);
      // A test's own backend directory wins over whatever the developer's shell sets.
      const test = offlineEnv(engine, { backendDir: dirs.dir, base: { PULUMI_BACKEND_URL: url } });
      expect(test.PULUMI_BACKEND_URL).toBe(`file://${dirs.dir}`);
    } finally {
      dirs.cleanup();
    }
  });
});

describe("stateBackendOf", () => {
  it.each([
    ["file:///srv/state", { kind: "file", dir: "/srv/state", shown: "/srv/state" }],
    ["file://./state?no_tmp_dir=false", { kind: "file", dir: "/work/p/state", shown: "/work/p/state" }],
    ["file://~", { kind: "file", dir: "/home/u", shown: "/home/u" }],
    ["file://~/state", { kind: "file", dir: "/home/u/state", shown: "/home/u/state" }],
    [
      "s3://team-state?endpoint=https://oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou",
      { kind: "shared", shown: "s3://team-state" },
    ],
    ["s3://team-state/pulumi/?region=us-east-1", { kind: "shared", shown: "s3://team-state/pulumi" }],
    [
      "postgres://ops:hunter2@db.internal:5432/state?sslmode=require",
      { kind: "shared", shown: "postgres://db.internal:5432/state" },
    ],
    ["azblob://state", { kind: "shared", shown: "azblob://state" }],
  ])("%s", (url, backend) => {
    expect(stateBackendOf(url, "/work/p", "/home/u")).toEqual(backend);
  });
});
