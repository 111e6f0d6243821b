// The provider process's engine watch, run for real: a child process started the way the engine starts the dynamic
// provider (its script path and the engine address as arguments), a TCP server standing in for the engine.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { engineAddressOf, reachable } from "../../providers/engine-watch";
import { freePort } from "../support/ports";

describe("engineAddressOf", () => {
  it.each([
    [["node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:4321"], "127.0.0.1", 4321],
    [["node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "localhost:80"], "localhost", 80],
    [["node", "C:\\p\\@pulumi\\pulumi\\cmd\\dynamic-provider\\index.js", "127.0.0.1:9"], "127.0.0.1", 9],
    [["node", "/p/cmd/dynamic-provider/index.js", "--tracing", "file:/tmp/t", "127.0.0.1:4000"], "127.0.0.1", 4000],
    [["node", "/p/cmd/dynamic-provider/index.js", "--logtostderr", "-v=9", "127.0.0.1:4000"], "127.0.0.1", 4000],
  ])("reads the engine address of a dynamic provider process %j", (argv, host, port) => {
    expect(engineAddressOf(argv)).toEqual({ host, port });
  });

  it.each([
    [["node", "/usr/lib/node_modules/jest/bin/jest.js", "127.0.0.1:4321"]],
    [["node", "/p/node_modules/@pulumi/pulumi/cmd/run/index.js", "127.0.0.1:4321"]],
    [["node", "/p/cmd/dynamic-provider/index.js"]],
    [["node", "/p/cmd/dynamic-provider/index.js", "--engine"]],
  ])("is undefined for any other process %j", (argv) => {
    expect(engineAddressOf(argv)).toBeUndefined();
  });
});

describe("reachable", () => {
  it("tells a listening address from a refused one", async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    expect(await reachable({ host: "127.0.0.1", port })).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await reachable({ host: "127.0.0.1", port })).toBe(false);
    expect(await reachable({ host: "127.0.0.1", port: await freePort() })).toBe(false);
  });
});

describe("a provider process whose engine dies", () => {
  let dir: string;
  beforeAll(() => {
    // A script at a dynamic-provider path that starts the watch as a provider's configure() does, then idles the
    // way the provider's gRPC server keeps the process alive.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-watch-"));
    const script = path.join(dir, "cmd", "dynamic-provider", "index.js");
    fs.mkdirSync(path.dirname(script), { recursive: true });
    const watch = require.resolve("../../providers/engine-watch");
    fs.writeFileSync(
      script,
      `require(${JSON.stringify(watch)}).watchEngine();\nsetInterval(() => {}, 60_000);\nconsole.log("watching");\n`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits within a few seconds once the engine stops listening, and not before", async () => {
    const engine = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => engine.listen(0, "127.0.0.1", resolve));
    const { port } = engine.address() as net.AddressInfo;
    const child = spawn(
      process.execPath,
      [path.join(dir, "cmd", "dynamic-provider", "index.js"), `127.0.0.1:${port}`],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    // Several probes pass while the engine listens.
    const early = await Promise.race([exited.then(() => "exited"), sleep(3500).then(() => "alive")]);
    expect(early).toBe("alive");
    await new Promise<void>((resolve) => engine.close(() => resolve()));
    const stoppedAt = Date.now();
    const code = await Promise.race([exited, sleep(10_000).then(() => "still running")]);
    if (code === "still running") child.kill("SIGKILL");
    expect(code).toBe(1);
    // Reported, not asserted tightly (no timed assertions): the probe runs every second.
    console.log(`provider process exited ${Date.now() - stoppedAt} ms after its engine stopped listening`);
  }, 30_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
