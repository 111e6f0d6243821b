// `npm run pulumi -- <args>`: the project's Pulumi CLI (built or from PATH) with the offline environment, e.g.
// `npm run pulumi -- version` or `npm run pulumi -- stack ls`.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { EngineSetupError, ensureEngine, offlineEnv, projectRoot } from "./engine";

ensureEngine((line) => console.error(line)).then(
  (engine) => {
    const result = spawnSync(path.join(engine.binDir, "pulumi"), process.argv.slice(2), {
      cwd: projectRoot,
      env: offlineEnv(engine, { projectDir: projectRoot }),
      stdio: "inherit",
    });
    process.exitCode = result.status ?? 1;
  },
  (err: unknown) => {
    console.error(err instanceof EngineSetupError ? err.message : err);
    process.exitCode = 1;
  },
);
