// `npm run setup`: make the offline Pulumi engine available (see scripts/engine.ts), and the local S3 server the
// shared state backend tests use (scripts/s3server.ts).
import { EngineSetupError, ensureEngine } from "./engine";
import { ensureS3Server } from "./s3server";

async function setup(): Promise<void> {
  await ensureEngine();
  await ensureS3Server();
}

setup().then(
  () => undefined,
  (err: unknown) => {
    console.error(err instanceof EngineSetupError ? err.message : err);
    process.exitCode = 1;
  },
);
