// Runs the real Pulumi engine from tests: the engine built by `npm run setup`, offline, in throwaway directories.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { type Engine, locateEngine, offlineEnv } from "../../scripts/engine";

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
