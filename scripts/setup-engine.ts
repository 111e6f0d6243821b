// `npm run setup`: make the offline Pulumi engine available (see scripts/engine.ts), and the local S3 server the
// shared state backend tests use (scripts/s3server.ts).
import { EngineSetupError, ensureEngine, GoMissingError } from "./engine";
import { ensureS3Server } from "./s3server";

async function setup(): Promise<void> {
  const engine = await ensureEngine();
  try {
    await ensureS3Server();
  } catch (err) {
    // A user with their own pulumi needs Go for nothing but this test server: setup succeeds, saying what is missing
    // (the shared backend tests then fail, naming it).
    if (!(err instanceof GoMissingError && engine.source === "path")) throw err;
    console.log(`${err.message} Only the shared state backend tests of \`npm test\` need it.`);
  }
}

setup().then(
  () => undefined,
  (err: unknown) => {
    console.error(err instanceof EngineSetupError ? err.message : err);
    process.exitCode = 1;
  },
);
