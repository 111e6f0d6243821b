// Generated change-path sequences, bounded for the suite (`npm run fuzz` runs many more, from any seed): each run
// draws sequences of edits, ups (some failing, some killed), out-of-band events, refreshes, destroys and reverts per
// resource, and for a small fleet, and checks the invariants of test/generated/harness.ts after every step. The seeds
// are fixed so that the suite is the same on every run; a failure prints the seed and path that replay it
// (`npm run fuzz -- --subject <s> --seed <n> --path <p>`).
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "2ms";
process.env.ECS_SHARED_IMAGES_RETRY_DELAY = "2ms";

import * as fc from "fast-check";
import { Harness, runOptions, type Subject, sequenceArbitrary } from "./harness";

const RUNS: Record<Subject, { runs: number; seed: number }> = {
  systemDisk: { runs: 15, seed: 8101 },
  instance: { runs: 25, seed: 8102 },
  copy: { runs: 20, seed: 8103 },
  fleet: { runs: 8, seed: 8104 },
};

let harness: Harness;

beforeAll(async () => {
  harness = await Harness.start();
});

afterAll(async () => {
  await harness.close();
});

describe.each(Object.keys(RUNS) as Subject[])("generated sequences: %s", (subject) => {
  it(`keep the invariants over ${RUNS[subject].runs} sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArbitrary(subject), (sequence) => harness.run(sequence)),
      runOptions(RUNS[subject].runs, RUNS[subject].seed),
    );
  }, 900_000);
});
