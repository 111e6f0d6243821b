/**
 * Benchmark (not a test): signed DescribeInstances requests per second through the real SDK on loopback.
 * By default the emulator runs in a child process (its own core, via the CLI) and the SDK client in this one, so the
 * figure is what one emulator core sustains; `--in-process` puts both sides on one core.
 *
 *   npm run build && node dist/scripts/bench-emulator.js [durationSeconds] [concurrency] [--in-process]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { DEMO, startEmulator } from "../emulator";

interface Target {
  endpoint: string;
  close(): Promise<void>;
}

function adminPost(endpoint: string, path: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const [host, port] = endpoint.split(":");
    const req = request({ host, port: Number(port), path: `/_emulator/${path}`, method: "POST" }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`admin ${path}: HTTP ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function childEmulator(): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, "../emulator/cli.js"), "--port", "0"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    if (!child.stdout) throw new Error("no stdout");
    // The CLI prints http://HOST:PORT (what ecsSharedImages:endpoint takes); the SDK's endpoint has no scheme.
    createInterface({ input: child.stdout }).once("line", (line) => resolve(line.replace(/^http:\/\//, "")));
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  await adminPost(endpoint, "throttle", { enabled: false });
  return {
    endpoint,
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function inProcessEmulator(): Promise<Target> {
  const emu = await startEmulator();
  emu.admin.setThrottle({ enabled: false });
  return { endpoint: emu.endpoint, close: () => emu.close() };
}

export interface BenchResult {
  requests: number;
  failures: number;
  seconds: number;
  requestsPerSecond: number;
  concurrency: number;
  mode: "child-process" | "in-process";
}

export async function runEmulatorBench(
  options: { durationMs?: number; concurrency?: number; instances?: number; inProcess?: boolean } = {},
): Promise<BenchResult> {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  const durationMs = options.durationMs ?? 5_000;
  const concurrency = options.concurrency ?? 16;
  const emu = options.inProcess ? await inProcessEmulator() : await childEmulator();
  try {
    const client = new Ecs(
      new $OpenApiUtil.Config({
        accessKeyId: DEMO.workload.accessKeyId,
        accessKeySecret: DEMO.workload.accessKeySecret,
        endpoint: emu.endpoint,
        protocol: "HTTP",
        regionId: DEMO.region,
        readTimeout: 10_000,
        connectTimeout: 10_000,
      }),
    );
    const run = await client.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: DEMO.region,
        imageId: DEMO.images.plain,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
        amount: options.instances ?? 1,
      }),
    );
    const ids = run.body?.instanceIdSets?.instanceIdSet ?? [];
    const request = new $Ecs.DescribeInstancesRequest({
      regionId: DEMO.region,
      instanceIds: JSON.stringify(ids),
      pageSize: 100,
    });
    let requests = 0;
    let failures = 0;
    const started = Date.now();
    const deadline = started + durationMs;
    const worker = async () => {
      while (Date.now() < deadline) {
        try {
          await client.describeInstances(request);
          requests++;
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (Date.now() - started) / 1000;
    const mode = options.inProcess ? "in-process" : "child-process";
    return { requests, failures, seconds, requestsPerSecond: requests / seconds, concurrency, mode };
  } finally {
    await emu.close();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const seconds = Number(args[0] ?? 5);
  const concurrency = Number(args[1] ?? 16);
  runEmulatorBench({ durationMs: seconds * 1000, concurrency, inProcess: process.argv.includes("--in-process") }).then(
    (r) => {
      process.stdout.write(
        `emulator bench: ${r.requests} signed DescribeInstances in ${r.seconds.toFixed(2)} s ` +
          `(${r.mode}, concurrency ${r.concurrency}, ${r.failures} failures): ${Math.round(r.requestsPerSecond)} requests/s\n`,
      );
    },
    (e) => {
      process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
