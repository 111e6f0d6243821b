// `npm run chaos`: the reliability suite. Fault scenarios run through the real CLI as an operator runs it (see
// scripts/chaos/harness.ts), each followed by recovery where needed, the figures, and a destroy; prints a table and
// writes docs/reliability.md. `npm test` runs a bounded version (test/e2e/chaos.test.ts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorAdmin } from "../emulator";
import { isDryRun, type LoggedRequest } from "./chaos/figures";
import { type FleetSize, FULL_FLEET, fleetInstances } from "./chaos/fleet";
import { runScenario } from "./chaos/harness";
import { invariantFailures, renderMarkdown, TABLE_COLUMNS, tableRows, textTable } from "./chaos/report";
import type { Scenario, ScenarioResult, SuiteOptions, Trigger } from "./chaos/types";
import { projectRoot } from "./engine";

/** Requests of `action` that ECS carried out (answered 200, not a DryRun), optionally only those matching `pick`. */
const carriedOut = (requests: readonly LoggedRequest[], action: string, pick = (_: LoggedRequest) => true) =>
  requests.filter((r) => r.action === action && r.httpStatus === 200 && !isDryRun(r) && pick(r));

export const TRIGGERS = {
  copyWait: {
    describe: "both CopyImage calls were carried out and the up is polling the running copies",
    fired: (v) => {
      const copies = carriedOut(v.requests, "CopyImage");
      if (copies.length < 2) return false;
      const lastCopy = v.requests.lastIndexOf(copies[copies.length - 1]);
      const polled = v.requests.slice(lastCopy + 1).some((r) => r.action === "DescribeImages");
      return polled && v.account().images.some((i) => i.status !== "Available");
    },
  },
  instanceCreation: {
    describe: "a third of the fleet's RunInstances were carried out",
    fired: (v) => carriedOut(v.requests, "RunInstances").length >= Math.max(1, Math.ceil(v.instances / 3)),
  },
  afterReplaceSystemDisk: {
    describe: "ReplaceSystemDisk was carried out",
    fired: (v) => carriedOut(v.requests, "ReplaceSystemDisk").length > 0,
  },
  replacementStopped: {
    describe: "StopInstance of the replaced instance was carried out (its disk not replaced yet)",
    fired: (v) => carriedOut(v.requests, "StopInstance", (r) => r.params.InstanceId === v.legacyInstanceId).length > 0,
  },
} satisfies Record<string, Trigger>;

/** 2 requests per second with a burst of 2, for every action (the Describe* overrides included). */
export function throttlingStorm(admin: EmulatorAdmin): void {
  const storm = { ratePerSecond: 2, burst: 2 };
  const current = admin.setThrottle({});
  admin.setThrottle({
    enabled: true,
    default: storm,
    actions: Object.fromEntries(Object.keys(current.actions).map((action) => [action, storm])),
  });
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "calm",
    title: "calm (baseline)",
    what: "no faults, the world's default throttling: the figures the other scenarios compare with.",
  },
  {
    id: "storm",
    title: "throttling storm",
    what: "every action throttled to 2 requests/s with a burst of 2 (`setThrottle`, the Describe* overrides too) for the whole `up`, which must converge in one go.",
    arm: throttlingStorm,
  },
  {
    id: "faults",
    title: "server faults",
    what: "on every action, 10% `ServiceUnavailable` (503), 5% `InternalError` (500) and 3% connection resets.",
    arm: (admin) => {
      admin.addFault({ action: "*", kind: "error", code: "ServiceUnavailable", httpStatus: 503, rate: 0.1 });
      admin.addFault({ action: "*", kind: "error", code: "InternalError", httpStatus: 500, rate: 0.05 });
      admin.addFault({ action: "*", kind: "reset", rate: 0.03 });
    },
  },
  {
    id: "commit-drop",
    title: "commit-then-drop",
    what: "30% of RunInstances and the first two CopyImage calls are carried out, then the connection is dropped before the answer.",
    arm: (admin) => {
      admin.addFault({ action: "RunInstances", kind: "commitThenDrop", rate: 0.3 });
      admin.addFault({ action: "CopyImage", kind: "commitThenDrop", count: 2 });
    },
  },
  {
    id: "kill-copy",
    title: "SIGKILL during a copy wait",
    what: `SIGKILL to the CLI's process group once ${TRIGGERS.copyWait.describe}; then the README's recovery and \`up\`.`,
    interrupt: { kind: "kill-group", when: TRIGGERS.copyWait },
  },
  {
    id: "kill-create",
    title: "SIGKILL during instance creation",
    what: `SIGKILL to the CLI's process group once ${TRIGGERS.instanceCreation.describe}; then recovery and \`up\`.`,
    interrupt: { kind: "kill-group", when: TRIGGERS.instanceCreation },
  },
  {
    id: "kill-replace",
    title: "SIGKILL right after ReplaceSystemDisk",
    what: `SIGKILL to the CLI's process group as soon as ${TRIGGERS.afterReplaceSystemDisk.describe} (the request log is watched every 20 ms); then recovery and \`up\`.`,
    interrupt: { kind: "kill-group", when: TRIGGERS.afterReplaceSystemDisk },
  },
  {
    id: "power-loss",
    title: "power loss during a system disk replacement",
    what: `SIGKILL to every process of the run at once (whatever its process group) once ${TRIGGERS.replacementStopped.describe}; then recovery and \`up\`.`,
    interrupt: { kind: "power-loss", when: TRIGGERS.replacementStopped },
  },
  {
    id: "outage",
    title: "endpoint outage",
    what: `the emulator stops (state saved) for 7 s once ${TRIGGERS.instanceCreation.describe}, then serves again from its saved state on the same port; the \`up\` must ride it out.`,
    interrupt: { kind: "outage", when: TRIGGERS.instanceCreation, downMs: 7_000 },
  },
];

export const FULL_OPTIONS = {
  fleet: FULL_FLEET,
  timeScale: 30,
  watchAfterGraceMs: 15_000,
  followUps: 2,
} as const;

/** "linux 6.8.0, 2 cores (AMD EPYC), 23 GiB, Node v20.20.2, load average 1.52 at the start" */
export function machineDescription(): string {
  const cpus = os.cpus();
  const gib = Math.round(os.totalmem() / 2 ** 30);
  return (
    `${os.platform()} ${os.release()}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown"}), ${gib} GiB, ` +
    `Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)} at the start`
  );
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: projectRoot, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export const fleetDescription = (size: FleetSize): string =>
  `${fleetInstances(size)} instances in three groups (web ${size.web} from a plain copy, api ${size.api} from an ` +
  `encrypted copy, batch ${size.batch} from the shared image), two copies, one system disk replacement with ` +
  "revertOnDelete of an instance outside the stack";

/** Runs `scenarios` one after the other; writes the report to `reportPath`; returns the results. */
export async function runSuite(
  scenarios: readonly Scenario[],
  options: Omit<SuiteOptions, "log" | "logDir"> & { log?: SuiteOptions["log"]; logDir?: string },
  reportPath: string,
  command = "npm run chaos",
): Promise<ScenarioResult[]> {
  const started = Date.now();
  const machine = machineDescription();
  const logDir = options.logDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "chaos-logs-"));
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  log(`chaos: ${scenarios.length} scenarios, ${fleetDescription(options.fleet)}; command output in ${logDir}`);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, { ...options, log, logDir });
    results.push(result);
    const failures = invariantFailures(result);
    log(`  => ${failures.length === 0 ? "all invariants kept" : failures.map((f) => `FAIL ${f}`).join("\n     ")}`);
  }
  const markdown = renderMarkdown(
    {
      date: `${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      machine: `${machine} and ${os.loadavg()[0].toFixed(2)} at the end`,
      commit: commit(),
      fleet: fleetDescription(options.fleet),
      command,
      totalSeconds: (Date.now() - started) / 1000,
      followUps: options.followUps,
    },
    scenarios,
    results,
  );
  fs.mkdirSync(path.dirname(reportPath), { recursive: true });
  fs.writeFileSync(reportPath, markdown);
  log(`\n${textTable(TABLE_COLUMNS, tableRows(results))}\n`);
  log(`Report written to ${reportPath} (command output in ${logDir}).`);
  return results;
}

async function main(argv: string[]): Promise<number> {
  // `npm run chaos -- storm faults` runs only those scenarios (the report then holds only them).
  const chosen = argv.length > 0 ? SCENARIOS.filter((s) => argv.includes(s.id)) : SCENARIOS;
  if (chosen.length === 0) {
    process.stderr.write(`No such scenario: ${argv.join(" ")}. Scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}\n`);
    return 2;
  }
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  const results = await runSuite(chosen, FULL_OPTIONS, path.join(projectRoot, "docs", "reliability.md"));
  const failing = results.filter((r) => invariantFailures(r).length > 0).length;
  process.stdout.write(
    `${failing === 0 ? "All scenarios kept every invariant." : `${failing} of ${results.length} scenarios broke an invariant (see the report).`}\n`,
  );
  return failing === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chaos failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
