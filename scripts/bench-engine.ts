/**
 * Benchmark (not a test): the library through the real Pulumi engine against the engine floor, as a new user runs it.
 * Two consumer projects (N InstanceFromSharedImage of the packed library on the emulator with shipped throttling, and
 * N no-op dynamic resources), interleaved, medians over repetitions; prints the ratios, the targets of issue 11, the
 * emulator calls per instance by action, state size and peak memory, and writes docs/benchmarks.md.
 *
 *   npm run build && node dist/scripts/bench-engine.js [--sizes 100,300] [--reps 3] [--time-scale 10] [--out FILE] [--keep]
 *
 * --keep leaves the temporary projects, their state, every command's output and the emulator's request log in place.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { summarize } from "./bench/figures";
import { EngineBench, provisioningSeconds } from "./bench/runner";
import {
  callsTable,
  perActionTable,
  type RunContext,
  renderMarkdown,
  resourcesTable,
  resultsTable,
  textTable,
} from "./bench/tables";
import { ensureEngine, projectRoot } from "./engine";

const USAGE =
  "usage: node dist/scripts/bench-engine.js [--sizes 100,300] [--reps 3] [--time-scale 10] [--out docs/benchmarks.md] [--keep]";

export interface EngineBenchArgs {
  readonly sizes: number[];
  readonly reps: number;
  readonly timeScale: number;
  /** Where the Markdown report goes, relative to the repository. */
  readonly out: string;
  readonly keep: boolean;
}

export function parseArgs(argv: readonly string[]): EngineBenchArgs {
  const args = { sizes: [100, 300], reps: 3, timeScale: 10, out: "docs/benchmarks.md", keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--keep") {
      args.keep = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value. ${USAGE}`);
    i++;
    switch (flag) {
      case "--sizes":
        if (!/^\d+(,\d+)*$/.test(value) || value.split(",").some((v) => Number(v) < 1)) {
          throw new Error(`--sizes takes positive whole numbers separated by commas, got ${JSON.stringify(value)}.`);
        }
        args.sizes = value.split(",").map(Number);
        break;
      case "--reps":
        if (!/^\d+$/.test(value) || Number(value) < 1) {
          throw new Error(`--reps takes a positive whole number, got ${JSON.stringify(value)}.`);
        }
        args.reps = Number(value);
        break;
      case "--time-scale":
        if (!(Number(value) > 0) || !Number.isFinite(Number(value))) {
          throw new Error(`--time-scale takes a positive number, got ${JSON.stringify(value)}.`);
        }
        args.timeScale = Number(value);
        break;
      case "--out":
        args.out = value;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(flag)}. ${USAGE}`);
    }
  }
  return args;
}

export async function runEngineBench(args: EngineBenchArgs, log: (line: string) => void): Promise<string> {
  const started = Date.now();
  const engine = await ensureEngine(log);
  const bench = await EngineBench.prepare({ ...args, log }, engine);
  const stop = () => {
    log("interrupted: stopping the command in flight, then cleaning up");
    bench.interrupt();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const samples = await bench.run();
    const summaries = summarize(samples);
    const provisioning = provisioningSeconds(args.timeScale);
    const context: RunContext = {
      date: new Date(started).toISOString(),
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model.trim() ?? "unknown CPU",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      engine: engine.version,
      sizes: args.sizes,
      reps: args.reps,
      timeScale: args.timeScale,
      provisioningSeconds: provisioning,
      parallel: ENGINE_PARALLEL,
      totalSeconds: (Date.now() - started) / 1000,
      command: `node dist/scripts/bench-engine.js --sizes ${args.sizes.join(",")} --reps ${args.reps}${
        args.timeScale === 10 ? "" : ` --time-scale ${args.timeScale}`
      }`,
    };
    const out = path.resolve(projectRoot, args.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, renderMarkdown(context, summaries));
    return [
      `engine benchmark, ${context.cores} cores, medians of ${args.reps} repetition(s); up's target allows 1.5 ×`,
      `ceil(N / ${ENGINE_PARALLEL}) × ${provisioning.toFixed(1)} s of emulated provisioning (time scale ${args.timeScale})`,
      textTable(resultsTable(summaries, provisioning, ENGINE_PARALLEL)),
      "",
      "emulator calls of the library per command:",
      textTable(callsTable(summaries)),
      "",
      "calls per instance by action during up:",
      textTable(perActionTable(summaries, "up")),
      "",
      "state per instance after up, peak RSS (MiB):",
      textTable(resourcesTable(summaries)),
      "",
      `written: ${path.relative(projectRoot, out)}`,
    ].join("\n");
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await bench.close();
  }
}

/** Pulumi's default --parallel: 4 per core (GOMAXPROCS, which is the number of cores). */
const ENGINE_PARALLEL = 4 * os.cpus().length;

if (require.main === module) {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  let args: EngineBenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  runEngineBench(args, (line) => process.stdout.write(`${line}\n`)).then(
    (report) => {
      process.stdout.write(`${report}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`engine bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
