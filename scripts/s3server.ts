// The local S3-compatible server the shared state backend is tested against: the command of gofakes3 (Go, MIT), built
// from the Go module proxy like the engine (pinned by scripts/s3server/go.mod and go.sum) into the same cache, with a
// stamp. `npm run setup` and the setup step of `npm test` build it; see docs/shared-backend.md.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot, EngineSetupError, goBuildEnv, goVersion, type Log, projectRoot, run, treeStamp } from "./engine";

export const GOFAKES3_MODULE = "github.com/johannesboyne/gofakes3";
export const GOFAKES3_VERSION = "v1.2.0";

const sourceDir = path.join(projectRoot, "scripts", "s3server");

function binDir(env: NodeJS.ProcessEnv): string {
  return path.join(cacheRoot(env), `s3server-gofakes3-${GOFAKES3_VERSION}`);
}

/** The built server, or one sentence saying how to build it. */
export function locateS3Server(env: NodeJS.ProcessEnv = process.env): string {
  const dir = binDir(env);
  if (fs.existsSync(path.join(dir, ".stamp"))) return path.join(dir, "gofakes3");
  throw new EngineSetupError(
    `The local S3 server (gofakes3 ${GOFAKES3_VERSION}) is not built in ${dir}: run \`npm run setup\` (it needs Go).`,
  );
}

/** Returns the path of the built server, building it first when the cache is empty or stale (a few seconds). */
export async function ensureS3Server(log: Log = console.log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = binDir(env);
  const goEnv = goBuildEnv(env);
  const go = goVersion(
    goEnv,
    `the local S3 server of the shared state backend tests (gofakes3 ${GOFAKES3_VERSION})`,
    "install Go >= 1.25",
  );
  const stamp = treeStamp(sourceDir, `${GOFAKES3_VERSION}\n${go}\n`);
  if (fs.existsSync(path.join(dir, ".stamp")) && fs.readFileSync(path.join(dir, ".stamp"), "utf8") === stamp) {
    log(`Local S3 server (gofakes3 ${GOFAKES3_VERSION}, for the shared state backend tests) is ready (${dir}).`);
    return path.join(dir, "gofakes3");
  }
  log(`Building the local S3 server (gofakes3 ${GOFAKES3_VERSION}, for the shared state backend tests) into ${dir}`);
  // Built beside the final directory and renamed, so an interrupted build never looks finished.
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    await run("go", ["mod", "download"], sourceDir, goEnv, log);
    const resolved = (await run("go", ["list", "-m", GOFAKES3_MODULE], sourceDir, goEnv, log)).trim();
    if (resolved !== `${GOFAKES3_MODULE} ${GOFAKES3_VERSION}`) {
      throw new EngineSetupError(`The S3 server build resolved "${resolved}", expected ${GOFAKES3_VERSION}.`);
    }
    const binary = path.join(staging, "gofakes3");
    await run(
      "go",
      ["build", "-trimpath", "-ldflags", "-s -w", "-o", binary, `${GOFAKES3_MODULE}/cmd/gofakes3`],
      sourceDir,
      goEnv,
      log,
    );
    fs.writeFileSync(path.join(staging, ".stamp"), stamp);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (err instanceof EngineSetupError) throw err;
    throw new EngineSetupError(`Building the local S3 server failed: ${(err as Error).message}`);
  }
  return path.join(dir, "gofakes3");
}
