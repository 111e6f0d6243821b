// The offline Pulumi engine: where it lives, how to build it, and the environment every script and test runs it in.
//
// No registry ships the Pulumi CLI, so unless a suitable `pulumi` is on PATH we build v3.248.0 (the last release that
// pairs with Node 20) and our own Node.js language host from the Go module proxy. See README "The engine".
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const PULUMI_VERSION = "3.248.0";
const VERSION_PACKAGE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const ENGINE_MODULES = ["github.com/pulumi/pulumi/pkg/v3", "github.com/pulumi/pulumi/sdk/v3"];

/** The repository root (this file runs from dist/scripts). */
export const projectRoot = path.resolve(__dirname, "..", "..");

/**
 * The Pulumi project the scripts run (the main job and `npm run pulumi`): this checkout, or the one
 * PULUMI_ECS_PROJECT_DIR names (its Pulumi.yaml, stacks/, .pulumi-state/ and .emulator/).
 */
export function projectDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PULUMI_ECS_PROJECT_DIR || projectRoot);
}

/** The file backend of a project: `.pulumi-state/` inside it (git-ignored). */
export function backendDirOf(projectDir: string): string {
  return path.join(projectDir, ".pulumi-state");
}

/** The Go wrapper module that pins the engine build (committed: go.mod, go.sum, our language host). */
const engineSourceDir = path.join(projectRoot, "scripts", "engine");

/** Per-user cache for the built engine and PULUMI_HOME; `PULUMI_ECS_CACHE_DIR` overrides it. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PULUMI_ECS_CACHE_DIR) return path.resolve(env.PULUMI_ECS_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-ecs-shared-images");
}

function builtBinDir(env: NodeJS.ProcessEnv): string {
  return path.join(cacheRoot(env), `engine-v${PULUMI_VERSION}`, "bin");
}

export interface Engine {
  /** Directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. */
  readonly binDir: string;
  /** Where it came from: a `pulumi` found on PATH, or our build in the cache. */
  readonly source: "path" | "built";
  readonly version: string;
}

/** Parses "v3.248.0" (or "3.248.0-dev...") and tells whether it is at least our pinned version. */
export function isSupportedVersion(text: string): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!match) return false;
  const [want, got] = [PULUMI_VERSION.split(".").map(Number), match.slice(1, 4).map(Number)];
  for (let i = 0; i < 3; i++) {
    if (got[i] !== want[i]) return got[i] > want[i];
  }
  return true;
}

function pulumiOnPath(env: NodeJS.ProcessEnv): Engine | undefined {
  const cacheBin = builtBinDir(env);
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir || path.resolve(dir) === cacheBin) continue;
    const candidate = path.join(dir, "pulumi");
    if (!fs.existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ["version"], {
        encoding: "utf8",
        env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 30_000,
      }).trim();
      return isSupportedVersion(version) ? { binDir: dir, source: "path", version } : undefined;
    } catch {
      // A broken or foreign `pulumi` on PATH is no reason to fail: we build our own instead.
      return undefined;
    }
  }
  return undefined;
}

/**
 * A hash of `header` and every file under `dir` (names and contents), so a changed input rebuilds and nothing else
 * does. The engine's stamp is `treeStamp(scripts/engine, "<version>\n<go version>\n")`.
 */
export function treeStamp(dir: string, header: string): string {
  const hash = createHash("sha256").update(header);
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(`${path.relative(dir, full)}\n`).update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/** Go builds only from what go.mod and go.sum pin, with the Go on PATH, as static binaries. */
export function goBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GOFLAGS: "-mod=readonly", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
}

export class EngineSetupError extends Error {
  override readonly name = "EngineSetupError";
}

/** Finds the engine without building anything; throws one sentence telling how to get it when it is missing. */
export function locateEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  const fromPath = pulumiOnPath(env);
  if (fromPath) return fromPath;
  const binDir = builtBinDir(env);
  if (fs.existsSync(path.join(binDir, ".stamp"))) return { binDir, source: "built", version: `v${PULUMI_VERSION}` };
  throw new EngineSetupError(`The Pulumi engine v${PULUMI_VERSION} is not set up in ${binDir}: run \`npm run setup\`.`);
}

export type Log = (line: string) => void;

/** Runs a build step, collecting its output for the error; logs a heartbeat while it runs. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const started = Date.now();
    // Go prints nothing while it compiles for minutes; a heartbeat shows the build is alive.
    const heartbeat = setInterval(
      () => log(`  ... still running (${Math.round((Date.now() - started) / 1000)} s)`),
      30_000,
    );
    child.on("error", (err) => {
      clearInterval(heartbeat);
      reject(err);
    });
    child.on("close", (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve(output);
      else reject(new EngineSetupError(`\`${command} ${args.join(" ")}\` failed (exit ${code}):\n${output.trim()}`));
    });
  });
}

/** No `go` on PATH: nothing can be built from Go modules. */
export class GoMissingError extends EngineSetupError {}

/**
 * `go version`, or an EngineSetupError saying what cannot be built: `what` and `remedy` (the engine's by default).
 */
export function goVersion(
  env: NodeJS.ProcessEnv,
  what = `the Pulumi engine v${PULUMI_VERSION}`,
  remedy = `install Go >= 1.25.11, or put a \`pulumi\` >= ${PULUMI_VERSION} on PATH`,
): string {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    const { code, stderr } = err as { code?: string; stderr?: string };
    if (code === "ENOENT") {
      throw new GoMissingError(
        `Go is not installed (no \`go\` on PATH): it is needed once to build ${what}; ${remedy}.`,
      );
    }
    throw new EngineSetupError(`\`go version\` failed, so ${what} cannot be built: ${String(stderr ?? err).trim()}`);
  }
}

/**
 * Returns a ready engine: `pulumi` from PATH when it is new enough, else our cached build, building it first when the
 * cache is empty or stale. Idempotent; a warm run only hashes a few files.
 */
export async function ensureEngine(log: Log = console.log, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const fromPath = pulumiOnPath(env);
  if (fromPath) {
    log(`Using pulumi ${fromPath.version} from PATH (${fromPath.binDir}).`);
    return fromPath;
  }
  const binDir = builtBinDir(env);
  const stampFile = path.join(binDir, ".stamp");
  const goEnv = goBuildEnv(env);
  const stamp = treeStamp(engineSourceDir, `${PULUMI_VERSION}\n${goVersion(goEnv)}\n`);
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp) {
    log(`Pulumi engine v${PULUMI_VERSION} is ready (${binDir}).`);
    return { binDir, source: "built", version: `v${PULUMI_VERSION}` };
  }

  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  log(`Building the Pulumi engine v${PULUMI_VERSION} from the Go module proxy into ${binDir}`);
  log("(first time only: a large module download and a few minutes of compiling on 2 cores)");
  // Build beside the final directory and rename, so an interrupted build never looks finished.
  const staging = `${binDir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    log("1/4 downloading modules");
    await run("go", ["mod", "download"], engineSourceDir, goEnv, log);
    const resolved = await run("go", ["list", "-m", ...ENGINE_MODULES], engineSourceDir, goEnv, log);
    for (const line of resolved.trim().split("\n")) {
      if (!line.endsWith(` v${PULUMI_VERSION}`)) {
        throw new EngineSetupError(`The engine build resolved "${line}", expected v${PULUMI_VERSION}.`);
      }
    }
    const ldflags = `-s -w -X ${VERSION_PACKAGE}=v${PULUMI_VERSION}`;
    log(`2/4 compiling the pulumi CLI (${elapsed()})`);
    await run(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        path.join(staging, "pulumi"),
        "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
      ],
      engineSourceDir,
      goEnv,
      log,
    );
    log(`3/4 compiling the Node.js language host (${elapsed()})`);
    await run(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        path.join(staging, "pulumi-language-nodejs"),
        "./pulumi-language-nodejs",
      ],
      engineSourceDir,
      goEnv,
      log,
    );
    log(`4/4 installing the dynamic provider plugin (${elapsed()})`);
    // The plugin is a tiny shell script shipped in @pulumi/pulumi; the engine looks for it beside `pulumi`.
    const plugin = path.join(
      path.dirname(require.resolve("@pulumi/pulumi/package.json")),
      "pulumi-resource-pulumi-nodejs",
    );
    fs.copyFileSync(plugin, path.join(staging, "pulumi-resource-pulumi-nodejs"));
    fs.chmodSync(path.join(staging, "pulumi-resource-pulumi-nodejs"), 0o755);
    const version = execFileSync(path.join(staging, "pulumi"), ["version"], {
      encoding: "utf8",
      env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    }).trim();
    if (version !== `v${PULUMI_VERSION}`) {
      throw new EngineSetupError(`The built pulumi reports ${version}, expected v${PULUMI_VERSION}.`);
    }
    fs.writeFileSync(path.join(staging, ".stamp"), stamp);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(staging, binDir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (err instanceof EngineSetupError) throw err;
    throw new EngineSetupError(`Building the Pulumi engine failed: ${(err as Error).message}`);
  }
  log(`Pulumi engine v${PULUMI_VERSION} built in ${elapsed()} (${binDir}).`);
  return { binDir, source: "built", version: `v${PULUMI_VERSION}` };
}

export interface OfflineEnvOptions {
  /** The Pulumi project directory; its `.pulumi-state/` is the file backend unless `base` names another. */
  readonly projectDir?: string;
  /** Overrides the backend directory (tests use a temporary one); it wins over a PULUMI_BACKEND_URL in `base`. */
  readonly backendDir?: string;
  readonly base?: NodeJS.ProcessEnv;
}

/** Passphrase for the local, emulator-only stacks; a user's own PULUMI_CONFIG_PASSPHRASE(_FILE) wins. */
export const LOCAL_PASSPHRASE = "local-stacks-only";

/**
 * The environment every engine run uses: no update check, no plugin downloads, PULUMI_HOME in the cache, the engine's
 * directory first on PATH, and the backend: the user's own PULUMI_BACKEND_URL (a team's shared bucket, say) when set,
 * else the file backend inside the project (made here, so only when it is the one used).
 */
export function offlineEnv(engine: Engine, options: OfflineEnvOptions = {}): NodeJS.ProcessEnv {
  const base = options.base ?? process.env;
  let backendUrl = options.backendDir === undefined ? base.PULUMI_BACKEND_URL : undefined;
  if (!backendUrl) {
    const backendDir = options.backendDir ?? backendDirOf(options.projectDir ?? projectRoot);
    fs.mkdirSync(backendDir, { recursive: true });
    backendUrl = `file://${backendDir}`;
  }
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${engine.binDir}${path.delimiter}${base.PATH ?? ""}`,
    PULUMI_HOME: path.join(cacheRoot(base), "pulumi-home"),
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
  }
  return env;
}

/**
 * Where a backend URL keeps the state and locks: a directory (a `file://` URL, resolved as pulumi resolves it: `~` is
 * the home directory, a relative path starts at `cwd`, pulumi's working directory), or a shared backend (an
 * S3-compatible bucket, Azure, GCS, ...) whose lock files only pulumi itself reads. `shown` is the URL as it may be
 * printed: scheme, host and path, without user info or query (either may carry keys).
 */
export type StateBackend =
  | { readonly kind: "file"; readonly dir: string; readonly shown: string }
  | { readonly kind: "shared"; readonly shown: string };

/** Pure: the backend PULUMI_BACKEND_URL `url` names (see StateBackend). */
export function stateBackendOf(url: string, cwd: string, home: string = os.homedir()): StateBackend {
  if (url.startsWith("file://")) {
    let dir = url.slice("file://".length).split("?")[0];
    if (dir.startsWith("~")) dir = dir === "~" ? home : path.join(home, dir.slice(2));
    const resolved = path.resolve(cwd, dir);
    return { kind: "file", dir: resolved, shown: resolved };
  }
  let shown: string;
  try {
    const parsed = new URL(url);
    shown = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, "")}`;
  } catch {
    // Not a URL Node can parse: only its scheme is surely free of keys.
    shown = `${url.split(":")[0]}://...`;
  }
  return { kind: "shared", shown };
}
