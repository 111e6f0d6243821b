// Provider processes that tests can kill at an exact point: the providers run in a child process (see
// provider-worker.ts) that reaches the emulator through a counting proxy; armed with killAfterCalls(n), the proxy
// lets the n-th ECS request through, waits for the emulator's answer (so ECS did the work), then SIGKILLs the child
// before the answer arrives. Nothing of that run reaches the engine: no result, no partial state, no cleanup.
import { type ChildProcess, fork } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { ENDPOINT_CONFIG_KEY } from "../../providers/ecs/client";
import type { Invoker } from "./engine-model";
import type { WorkerReply, WorkerRequest } from "./provider-worker";

/** What an invocation of a killed process rejects with: like the engine, the caller learns nothing more. */
export class ProviderProcessKilled extends Error {
  constructor(method: string) {
    super(`the provider process was killed during ${method}`);
    this.name = "ProviderProcessKilled";
  }
}

const WORKER = path.join(__dirname, "provider-worker.js");

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

export class ProviderProcess {
  private child: ChildProcess | undefined;
  private spare: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private countdown: number | undefined;
  private killOnAction: string | undefined;
  /** Requests that went through the proxy since the process was started (for tests' bookkeeping). */
  calls = 0;
  kills = 0;
  /** Progress lines (notices included) every provider process reported, in order. */
  readonly progress: NonNullable<WorkerReply["progress"]>[] = [];

  private constructor(
    private readonly proxy: http.Server,
    private readonly config: Record<string, string>,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** A proxy in front of `emu` and a provider process configured with `config` (its endpoint is the proxy's). */
  static async start(
    emu: RunningEmulator,
    config: Record<string, string>,
    env: NodeJS.ProcessEnv = {},
  ): Promise<ProviderProcess> {
    let self: ProviderProcess | undefined;
    const [host, port] = emu.endpoint.split(":");
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const upstream = http.request(
          { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            const body: Buffer[] = [];
            answer.on("data", (c: Buffer) => body.push(c));
            answer.on("end", () => {
              if (self?.afterCall(String(req.headers["x-acs-action"] ?? ""))) {
                res.socket?.destroy();
                return;
              }
              res.writeHead(answer.statusCode ?? 500, answer.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        upstream.on("error", () => res.socket?.destroy());
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    self = new ProviderProcess(proxy, { ...config, [ENDPOINT_CONFIG_KEY]: proxied }, env);
    self.spare = self.spawn();
    return self;
  }

  /** Kills the provider process once `n` more ECS requests have been answered by the emulator (n >= 1). */
  killAfterCalls(n: number): void {
    this.countdown = n;
  }

  /** Kills the provider process once the emulator has answered its next request for `action` (e.g. "CopyImage"). */
  killAfterAction(action: string): void {
    this.killOnAction = action;
  }

  /** Disarms a kill that has not happened (the run ended first). */
  disarm(): void {
    this.countdown = undefined;
    this.killOnAction = undefined;
  }

  /** Whether a kill is armed and has not happened yet. */
  get armed(): boolean {
    return this.countdown !== undefined || this.killOnAction !== undefined;
  }

  /** Calls into the current provider process, starting a new one (a new `pulumi up`) when there is none. */
  readonly invoke: Invoker = async (type, method, args) => {
    const child = await this.current();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { method, resolve, reject });
      const request: WorkerRequest = { seq, type, method, args, config: this.config };
      child.send(request);
    });
  };

  /** Ends the current provider process (the end of a `pulumi up`): the next invocation starts a fresh one. */
  async restart(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await stop(child);
  }

  async close(): Promise<void> {
    await this.restart();
    const spare = await this.spare;
    if (spare) await stop(spare);
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
  }

  /** Counts one answered request; true when this is the armed one, after the process was killed. */
  private afterCall(action: string): boolean {
    this.calls++;
    if (this.killOnAction !== undefined) {
      if (action !== this.killOnAction) return false;
      this.killOnAction = undefined;
    } else {
      if (this.countdown === undefined) return false;
      this.countdown--;
      if (this.countdown > 0) return false;
      this.countdown = undefined;
    }
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.kill("SIGKILL");
      this.kills++;
    }
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(new ProviderProcessKilled(p.method));
    }
    return true;
  }

  private async current(): Promise<ChildProcess> {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    this.child = await (this.spare ?? this.spawn());
    // Starting a process costs ~1 s; the next one warms up while this one works.
    this.spare = this.spawn();
    return this.child;
  }

  private spawn(): Promise<ChildProcess> {
    const child = fork(WORKER, [], {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    });
    child.on("message", (reply: WorkerReply) => {
      if (reply.progress) {
        this.progress.push(reply.progress);
        return;
      }
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(Object.assign(new Error(reply.error?.message), reply.error));
    });
    return new Promise((resolve, reject) => {
      const ready = (reply: WorkerReply) => {
        if (reply.seq !== 0) return;
        child.off("message", ready);
        resolve(child);
      };
      child.on("message", ready);
      child.once("error", reject);
    });
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}
