// Injected faults (errors, latency, connection resets, commit-then-drop) armed by tests through the admin API.
import { EcsError } from "./models/errors";

/** A fault rule; `action` "*" matches every action. `count` limits how many times it fires (default unlimited). */
export interface FaultRule {
  action: string;
  kind: "error" | "latency" | "reset" | "commitThenDrop";
  /** Probability per matching request, 0..1 (default 1). */
  rate?: number;
  count?: number;
  /** kind=error: wire code, HTTP status and message. */
  code?: string;
  httpStatus?: number;
  message?: string;
  /** kind=latency: delay in ms. */
  latencyMs?: number;
}

export interface ArmedFault extends FaultRule {
  id: number;
  fired: number;
}

export class Faults {
  private rules: ArmedFault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): ArmedFault {
    const kinds = ["error", "latency", "reset", "commitThenDrop"];
    if (!kinds.includes(rule.kind)) throw new Error(`fault.kind must be one of ${kinds.join(", ")}`);
    if (typeof rule.action !== "string" || rule.action === "")
      throw new Error('fault.action is required ("*" for all actions)');
    if (rule.rate !== undefined && (typeof rule.rate !== "number" || rule.rate < 0 || rule.rate > 1)) {
      throw new Error("fault.rate must be a number between 0 and 1");
    }
    if (rule.kind === "error" && (typeof rule.code !== "string" || rule.code === ""))
      throw new Error("fault.code is required for kind=error");
    if (rule.kind === "latency" && (typeof rule.latencyMs !== "number" || rule.latencyMs < 0)) {
      throw new Error("fault.latencyMs is required for kind=latency");
    }
    const armed = { ...rule, id: this.nextId++, fired: 0 };
    this.rules.push(armed);
    return armed;
  }

  list(): ArmedFault[] {
    return structuredClone(this.rules);
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules of `kind` that fire for this request (consuming their counts). */
  fire(action: string, kind: FaultRule["kind"]): ArmedFault[] {
    const fired: ArmedFault[] = [];
    for (const r of this.rules) {
      if (r.kind !== kind || (r.action !== "*" && r.action !== action)) continue;
      if (r.count !== undefined && r.fired >= r.count) continue;
      if (this.random() >= (r.rate ?? 1)) continue;
      r.fired++;
      fired.push(r);
    }
    return fired;
  }

  static toError(rule: FaultRule): EcsError {
    const status = rule.httpStatus ?? (rule.code?.includes("Throttling") ? 400 : 500);
    return new EcsError(rule.code ?? "InternalError", status, rule.message ?? `Injected fault: ${rule.code}.`);
  }
}
