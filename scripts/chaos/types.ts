// The reliability suite's vocabulary: scenarios, the interruptions they make, and what a run of one yields.
import type { EmulatorAdmin } from "../../emulator";
import type { AccountView, CallFigures, Duplicate, LoggedRequest } from "./figures";
import type { FleetSize } from "./fleet";

/** What the emulator shows while an `up` runs, for deciding when to interrupt it. */
export interface TriggerView {
  /** Requests since the `up` started. */
  readonly requests: readonly LoggedRequest[];
  readonly account: () => AccountView;
  readonly legacyInstanceId: string;
  readonly instances: number;
}

export interface Trigger {
  /** For the report: the moment it waits for. */
  readonly describe: string;
  readonly fired: (view: TriggerView) => boolean;
}

export type Interruption =
  /** SIGKILL to the CLI's process group. */
  | { readonly kind: "kill-group"; readonly when: Trigger }
  /** SIGKILL to every process of the run at once, whatever its group (the machine lost power). */
  | { readonly kind: "power-loss"; readonly when: Trigger }
  /** The emulator stops (its state saved) and comes back on the same port with that state after `downMs`. */
  | { readonly kind: "outage"; readonly when: Trigger; readonly downMs: number };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** One or two sentences for docs/reliability.md. */
  readonly what: string;
  /** Throttling and faults for the scenario's `up` (applied again after an emulator restart). */
  readonly arm?: (admin: EmulatorAdmin) => void;
  readonly interrupt?: Interruption;
}

export interface SuiteOptions {
  readonly fleet: FleetSize;
  /** Emulated time runs this much faster than the wall clock (the job's own emulator: 30). */
  readonly timeScale: number;
  /** How long after kill + 5 s the suite keeps watching the request log for calls of the killed run. */
  readonly watchAfterGraceMs: number;
  /** `up`s under calm conditions after a scenario's own `up` (after recovery, for kills) did not converge. */
  readonly followUps: number;
  /** Where each scenario's command output goes (one file per scenario). */
  readonly logDir: string;
  readonly log: (line: string) => void;
}

// ---- results ----

export interface CommandRun {
  /** As an operator types it, e.g. "npm run up". */
  readonly command: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** "exit 0", "exit 255", "SIGKILL". */
  readonly exit: string;
  /** Run after the scenario's faults and throttling were lifted. */
  readonly calm: boolean;
  /** The end of its output when it failed. */
  readonly tail?: string;
}

export interface KillFigures {
  readonly kind: "kill-group" | "power-loss";
  /** When SIGKILL was sent (ISO), to read the request log and command output against. */
  readonly at: string;
  /** Processes of the run when the kill was sent (what the suite could see). */
  readonly processesAtKill: readonly string[];
  /** Processes of the run still alive 5 s after the kill. */
  readonly aliveAfterGrace: readonly string[];
  /** ECS calls that arrived in the 5 s after the kill (what the run's survivors did meanwhile). */
  readonly callsWithinGrace: number;
  /** ECS calls that arrived more than 5 s after the kill (watched for `watchedSeconds` more). */
  readonly callsAfterGrace: number;
  readonly strayCalls: readonly string[];
  readonly watchedSeconds: number;
  /** Leftover processes the suite then killed so that recovery starts from a dead run. */
  readonly killedBySuite: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly instances: number;
  readonly commands: readonly CommandRun[];
  /** The interruption fired while the `up` ran (undefined: the scenario has none). */
  readonly interrupted?: boolean;
  readonly kill?: KillFigures;
  /** The scenario's `up` (after recovery, for kills) succeeded and left the declared fleet. */
  readonly convergedInOneUp: boolean;
  /** `up`s (the interrupted one included) until the fleet converged; undefined when it never did. */
  readonly upsToConverge?: number;
  /** Seconds the commands took until the fleet converged (the suite's own waits excluded). */
  readonly convergeSeconds?: number;
  /** Where the account differed from the fleet after the last `up`. */
  readonly fleetProblems: readonly string[];
  /** ECS calls from the first `up` to the last one before destroy (recovery included). */
  readonly calls: CallFigures;
  readonly destroyCalls: number;
  readonly duplicates: readonly Duplicate[];
  /** Instances Stopped after the last `up`. */
  readonly stopped: readonly string[];
  /** What the destroy left in the account. */
  readonly leaks: readonly string[];
  /** How the instance outside the stack differs from before the scenario, after the destroy. */
  readonly restoreProblems: readonly string[];
  /** Processes of ours still alive after the last command of the scenario ended (then killed by the suite). */
  readonly leftoverProcesses: readonly string[];
  /** Things the suite could not do as planned (a trigger that never fired, a setup failure). */
  readonly suiteErrors: readonly string[];
  readonly startedAt: string;
  readonly seconds: number;
}
