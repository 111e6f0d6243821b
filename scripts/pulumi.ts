// `npm run pulumi -- <args>`: the project's Pulumi CLI (built or from PATH) with the offline environment, e.g.
// `npm run pulumi -- version` or `npm run pulumi -- stack ls`, in the same project the main job runs (this checkout, or
// PULUMI_ECS_PROJECT_DIR).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { EngineSetupError, ensureEngine, offlineEnv, projectDirFrom } from "./engine";

const projectDir = projectDirFrom();

ensureEngine((line) => console.error(line)).then(
  (engine) => {
    const result = spawnSync(path.join(engine.binDir, "pulumi"), process.argv.slice(2), {
      cwd: projectDir,
      env: offlineEnv(engine, { projectDir }),
      stdio: "inherit",
    });
    process.exitCode = result.status ?? 1;
  },
  (err: unknown) => {
    console.error(err instanceof EngineSetupError ? err.message : err);
    process.exitCode = 1;
  },
);
