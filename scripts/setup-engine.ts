// `npm run setup`: make the offline Pulumi engine available (see scripts/engine.ts).
import { EngineSetupError, ensureEngine } from "./engine";

ensureEngine().then(
  () => undefined,
  (err: unknown) => {
    console.error(err instanceof EngineSetupError ? err.message : err);
    process.exitCode = 1;
  },
);
