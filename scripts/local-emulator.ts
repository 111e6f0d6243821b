// Whether the main job starts the local ECS emulator for a loopback endpoint, uses one that is already running there
// (a user watching its admin API, a CI job sharing one), or stops because something else holds the port.
import * as http from "node:http";

/** What answered on the endpoint's port of 127.0.0.1, where the job would start its emulator. */
export type PortProbe =
  | { readonly kind: "free" }
  | { readonly kind: "http"; readonly status: number; readonly body: string }
  | { readonly kind: "failed"; readonly reason: string };

export type EmulatorPlan =
  | { readonly action: "start" }
  | { readonly action: "use"; readonly line: string }
  | { readonly action: "stop"; readonly message: string };

/** The emulator's admin API answers this (unsigned, loopback only) with {ok: true, now}: cheap and unambiguous. */
export const HEALTH_PATH = "/_emulator/health";

/** Whether an answer to GET HEALTH_PATH is our emulator's. */
export function isEmulatorHealth(status: number, body: string): boolean {
  if (status !== 200) return false;
  try {
    const parsed = JSON.parse(body) as { ok?: unknown; now?: unknown } | null;
    return parsed?.ok === true && typeof parsed.now === "number";
  } catch {
    return false;
  }
}

/** Pure: what to do about the emulator for a stack whose endpoint is loopback port `port`, given the probe. */
export function planLocalEmulator(
  probe: PortProbe,
  where: { readonly endpoint: string; readonly port: number; readonly stack: string },
): EmulatorPlan {
  const url = `http://127.0.0.1:${where.port}`;
  if (probe.kind === "free") return { action: "start" };
  if (probe.kind === "http" && isEmulatorHealth(probe.status, probe.body)) {
    return {
      action: "use",
      line: `Using the emulator already running at ${url} (this job will not stop it or save its state).`,
    };
  }
  const seen =
    probe.kind === "http"
      ? `it answered GET ${HEALTH_PATH} with HTTP ${probe.status}`
      : `it did not answer GET ${HEALTH_PATH} like the ECS emulator: ${probe.reason}`;
  return {
    action: "stop",
    message:
      `Port ${where.port} of ecsSharedImages:endpoint ${where.endpoint} (stack "${where.stack}") is taken by something ` +
      `that is not the ECS emulator (${seen}): stop that process, or change ecsSharedImages:endpoint in ` +
      `stacks/Pulumi.${where.stack}.yaml to a free port.`,
  };
}

/** Asks 127.0.0.1:`port` for the emulator's health; never throws. */
export function probePort(port: number, timeoutMs = 3000): Promise<PortProbe> {
  return new Promise((resolve) => {
    // agent: false, so no kept-alive socket holds the job (or the emulator) open afterwards.
    const req = http.get({ host: "127.0.0.1", port, path: HEALTH_PATH, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on("end", () => resolve({ kind: "http", status: res.statusCode ?? 0, body }));
      res.on("error", (err) => resolve({ kind: "failed", reason: reasonOf(err) }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ECONNREFUSED" ? { kind: "free" } : { kind: "failed", reason: reasonOf(err) }),
    );
  });
}

const reasonOf = (err: NodeJS.ErrnoException) => err.code ?? err.message;
