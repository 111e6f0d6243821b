import * as fs from "node:fs";
import * as path from "node:path";
import { EngineSetupError, ensureEngine, isSupportedVersion, locateEngine, offlineEnv } from "../../scripts/engine";
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
});
