// A provider process must not outlive the Pulumi engine that started it. The engine starts dynamic providers through
// a shell wrapper in their own process group, so when the CLI is killed hard (kill -9, a CI runner dying) nothing
// signals them: they would finish their waits and go on calling ECS (tagging, starting instances) for a run nobody
// records. The engine's address is on the provider's command line and its gRPC server lives exactly as long as the
// engine does, so the process probes it: every second, and once more right before each call that changes something
// in the cloud; when the engine refuses the connection, the process exits at once.
import * as net from "node:net";

/** How often an idle provider process looks for its engine. */
export const ENGINE_PROBE_INTERVAL_MS = 1000;

/**
 * The engine address when this process is Pulumi's Node.js dynamic provider: its last argument (`… dynamic-provider
 * [--logtostderr] [-v=N] [--tracing URL] HOST:PORT`; the engine puts its own flags first).
 */
export function engineAddressOf(argv: readonly string[]): { host: string; port: number } | undefined {
  const script = argv[1] ?? "";
  if (!/[\\/]cmd[\\/]dynamic-provider([\\/]index(\.js)?)?$/.test(script) || argv.length < 3) return undefined;
  const match = /^([\w.-]+):(\d{1,5})$/.exec(argv[argv.length - 1]);
  return match ? { host: match[1], port: Number(match[2]) } : undefined;
}

/** Resolves true when something accepts a TCP connection at the address, false when it is refused. */
export function reachable(address: { host: string; port: number }, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(true)); // slow, not gone: a loaded machine must not stop a run
    socket.once("connect", () => done(true));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code !== "ECONNREFUSED"));
  });
}

let watched: { host: string; port: number } | undefined;

/** Starts watching the engine, once per process, when this process is a dynamic provider; no-op elsewhere. */
export function watchEngine(argv: readonly string[] = process.argv): void {
  if (watched !== undefined) return;
  const address = engineAddressOf(argv);
  if (address === undefined) return;
  watched = address;
  const timer = setInterval(() => {
    reachable(address).then((up) => {
      if (!up) process.exit(1);
    });
  }, ENGINE_PROBE_INTERVAL_MS);
  timer.unref();
}

/** Before a call that changes the cloud: in a dynamic provider process whose engine is gone, exits at once. */
export async function requireEngine(): Promise<void> {
  if (watched !== undefined && !(await reachable(watched))) process.exit(1);
}

/**
 * Whether this process is a dynamic provider serving one run of an engine: what earlier runs left in the cloud
 * then exists before the run starts, and the stack's lock keeps other runs of it out until it ends.
 */
export function servingOneRun(): boolean {
  return watched !== undefined;
}
