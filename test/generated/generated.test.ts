// Generated change-path sequences, bounded for the suite (`npm run fuzz` runs many more): each run draws sequences
// of edits, ups (some failing, some killed), out-of-band events, refreshes, destroys and reverts per resource, and
// for a small fleet, and checks the invariants of test/generated/harness.ts after every step. A failure prints the
// seed and path to replay it (`npm run fuzz -- --subject <s> --seed <n> --path <p>`).
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "2ms";
process.env.ECS_SHARED_IMAGES_RETRY_DELAY = "2ms";

import * as fc from "fast-check";
import { Harness, runOptions, type Subject, sequenceArbitrary } from "./harness";

const RUNS: Record<Subject, number> = { systemDisk: 12, instance: 12, copy: 12, fleet: 8 };

let harness: Harness;

beforeAll(async () => {
  harness = await Harness.start();
});

afterAll(async () => {
  await harness.close();
});

describe.each(Object.keys(RUNS) as Subject[])("generated sequences: %s", (subject) => {
  it(`keep the invariants over ${RUNS[subject]} sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArbitrary(subject), (sequence) => harness.run(sequence)),
      runOptions(RUNS[subject]),
    );
  }, 900_000);
});
