// Runs the real Pulumi engine from tests: the engine built by `npm run setup`, offline, in throwaway directories.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { type Engine, locateEngine, offlineEnv, projectRoot } from "../../scripts/engine";

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface EngineStack {
  readonly stack: Stack;
  readonly engine: Engine;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Creates a stack of the *local program* in `workDir` (so the language host runs it) on a file backend in
 * `backendDir`, with the offline environment and `extraEnv` passed to every CLI call.
 */
export async function createLocalStack(
  workDir: string,
  backendDir: string,
  stackName: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<EngineStack> {
  const engine = locateEngine();
  if (path.basename(engine.binDir) !== "bin") {
    throw new Error(`The Automation API needs the engine in a "bin" directory, got ${engine.binDir}.`);
  }
  const env = { ...offlineEnv(engine, { backendDir }), ...extraEnv };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engine.binDir), skipVersionCheck: true });
  const envVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand, envVars });
  return { stack, engine, env };
}

/**
 * Writes a consumer project into `dir`: a JavaScript program (`index.js`) with this package and @pulumi/pulumi linked
 * into its node_modules, as `npm install pulumi-ecs-shared-images` would leave them. `extraModules` adds small
 * packages (name -> index.js source) to its node_modules.
 */
export function writeConsumerProject(
  dir: string,
  projectName: string,
  program: string,
  extraModules: Readonly<Record<string, string>> = {},
): void {
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  fs.symlinkSync(path.join(projectRoot, "node_modules", "@pulumi"), path.join(modules, "@pulumi"));
  fs.symlinkSync(projectRoot, path.join(modules, "pulumi-ecs-shared-images"));
  for (const [name, source] of Object.entries(extraModules)) {
    fs.mkdirSync(path.join(modules, name));
    fs.writeFileSync(path.join(modules, name, "package.json"), JSON.stringify({ name, main: "index.js" }));
    fs.writeFileSync(path.join(modules, name, "index.js"), source);
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: projectName, private: true }));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${projectName}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`,
  );
  fs.writeFileSync(path.join(dir, "index.js"), program);
}

/**
 * A consumer project of `program` (writeConsumerProject) in `projectDir` and its stack on a file backend in
 * `backendDir`, the providers polling every 50 ms, with `config` set (alicloud:secretKey as a secret).
 */
export async function createConsumerStack(options: {
  readonly projectDir: string;
  readonly backendDir: string;
  readonly project: string;
  readonly stack: string;
  readonly program: string;
  readonly config: Readonly<Record<string, string>>;
}): Promise<EngineStack> {
  fs.mkdirSync(options.projectDir);
  writeConsumerProject(options.projectDir, options.project, options.program);
  const s = await createLocalStack(options.projectDir, options.backendDir, options.stack, {
    ECS_SHARED_IMAGES_POLL_INTERVAL: "50ms",
  });
  for (const [key, value] of Object.entries(options.config)) {
    await s.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
  }
  return s;
}
