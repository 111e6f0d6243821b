// npm run fuzz -- [--runs N] [--seed S] [--path P] [--subject systemDisk|instance|copy|fleet] [--steps M]
// Runs generated change-path sequences (test/generated/harness.ts) against an in-process emulator: many more than
// `npm test` does. Prints, per subject, the sequences run and the time taken; on a failure, the shrunk sequence with
// the seed and path that replay it, and exits 1.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL ??= "2ms";
process.env.ECS_SHARED_IMAGES_RETRY_DELAY ??= "2ms";
process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";

import * as fc from "fast-check";
import { Harness, runOptions, type Subject, sequenceArbitrary } from "../test/generated/harness";

const SUBJECTS: readonly Subject[] = ["systemDisk", "instance", "copy", "fleet"];
const USAGE =
  "usage: npm run fuzz -- [--runs N] [--seed S] [--path P] [--subject systemDisk|instance|copy|fleet] [--steps M]";

interface Options {
  runs: number;
  seed?: number;
  path?: string;
  subjects: Subject[];
  steps: number;
}

export function parseArgs(argv: readonly string[]): Options {
  const options: Options = { runs: 100, subjects: [...SUBJECTS], steps: 10 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    const number = (name: string) => {
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${name} needs a whole number. ${USAGE}`);
      i++;
      return Number(value);
    };
    switch (argv[i]) {
      case "--runs":
        options.runs = number("--runs");
        break;
      case "--seed":
        options.seed = number("--seed");
        break;
      case "--steps":
        options.steps = number("--steps");
        break;
      case "--path":
        if (value === undefined) throw new Error(`--path needs the path fast-check printed. ${USAGE}`);
        options.path = value;
        i++;
        break;
      case "--subject":
        if (!SUBJECTS.includes(value as Subject))
          throw new Error(`--subject must be one of ${SUBJECTS.join(", ")}. ${USAGE}`);
        options.subjects = [value as Subject];
        i++;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(argv[i])}. ${USAGE}`);
    }
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const harness = await Harness.start();
  let failed = false;
  try {
    for (const subject of options.subjects) {
      const started = Date.now();
      const seed = options.seed ?? Date.now() % 2 ** 31;
      const result = await fc.check(
        fc.asyncProperty(sequenceArbitrary(subject, options.steps), (sequence) => harness.run(sequence)),
        runOptions(options.runs, seed, options.path),
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      if (result.failed) {
        failed = true;
        const error =
          result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        console.log(`${subject}: FAILED after ${result.numRuns} sequences (${seconds} s)`);
        console.log(
          `  replay: npm run fuzz -- --subject ${subject} --seed ${result.seed} --path ${result.counterexamplePath}`,
        );
        console.log(`  shrunk sequence: ${JSON.stringify(result.counterexample?.[0])}`);
        console.log(`  ${error.replace(/\n/g, "\n  ")}`);
      } else {
        console.log(`${subject}: ${result.numRuns} sequences passed in ${seconds} s (seed ${seed})`);
      }
    }
  } finally {
    await harness.close();
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(2);
    },
  );
}
