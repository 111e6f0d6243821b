// The main job's pure parts: the stack it runs, the emulator endpoint it starts, the health answer it trusts.
import * as http from "node:http";
import * as net from "node:net";
import { isEmulatorHealth, type PortProbe, planLocalEmulator, probePort } from "../../scripts/local-emulator";
import { loopbackPort, stackFromArgs } from "../../scripts/main-job";
import { startDemoEmulator } from "../support/emulator";

describe("stackFromArgs", () => {
  it.each([
    [[], {}, "local"],
    [[], { PULUMI_STACK: "prod" }, "prod"],
    [["--stack", "dev"], { PULUMI_STACK: "prod" }, "dev"],
    [["-s", "dev", "--diff"], {}, "dev"],
    [["--stack=qa"], {}, "qa"],
    [["--diff"], {}, "local"],
  ])("%j with %j -> %s", (args, env, expected) => {
    expect(stackFromArgs(args, env)).toBe(expected);
  });
});

describe("loopbackPort", () => {
  it.each([
    ["http://127.0.0.1:18410", 18410],
    ["127.0.0.1:8080", 8080],
    ["http://localhost:9000/", 9000],
    ["https://ecs.cn-hangzhou.aliyuncs.com", undefined],
    ["http://10.0.0.5:8080", undefined],
    [undefined, undefined],
  ])("%s -> %s", (endpoint, expected) => {
    expect(loopbackPort(endpoint)).toBe(expected);
  });
});

describe("isEmulatorHealth", () => {
  it.each([
    [200, '{"ok":true,"now":1735689600000}', true],
    [200, '{"ok":true}', false],
    [200, '{"ok":"yes","now":1}', false],
    [200, "null", false],
    [200, "<html>hello</html>", false],
    [404, '{"ok":true,"now":1}', false],
  ])("HTTP %s %s -> %s", (status, body, expected) => {
    expect(isEmulatorHealth(status, body)).toBe(expected);
  });
});

describe("planLocalEmulator", () => {
  const where = { endpoint: "http://127.0.0.1:18410", port: 18410, stack: "local" };
  const emulatorAnswer: PortProbe = { kind: "http", status: 200, body: '{"ok":true,"now":1}' };

  it("starts its own emulator when nothing listens on the port", () => {
    expect(planLocalEmulator({ kind: "free" }, where)).toEqual({ action: "start" });
  });

  it("uses the emulator already running there, in one line, and leaves it alone", () => {
    expect(planLocalEmulator(emulatorAnswer, where)).toEqual({
      action: "use",
      line: "Using the emulator already running at http://127.0.0.1:18410 (this job will not stop it or save its state).",
    });
  });

  it.each<[string, PortProbe, string]>([
    ["an HTTP server that is not the emulator", { kind: "http", status: 404, body: "Not Found" }, "with HTTP 404"],
    ["an HTTP 200 that is not the emulator's health", { kind: "http", status: 200, body: "<html>" }, "with HTTP 200"],
    ["something that closes the connection", { kind: "failed", reason: "ECONNRESET" }, ": ECONNRESET"],
    ["something that never answers", { kind: "failed", reason: "no answer within 3000 ms" }, "within 3000 ms"],
  ])("stops before pulumi runs when the port is held by %s, saying what to do", (_name, probe, seen) => {
    const plan = planLocalEmulator(probe, where);
    expect(plan.action).toBe("stop");
    const message = (plan as { message: string }).message;
    expect(message).toMatch(
      /^Port 18410 of ecsSharedImages:endpoint http:\/\/127\.0\.0\.1:18410 \(stack "local"\) is taken by something that is not the ECS emulator \(/,
    );
    expect(message).toContain(seen);
    expect(message).toMatch(
      /: stop that process, or change ecsSharedImages:endpoint in stacks\/Pulumi\.local\.yaml to a free port\.$/,
    );
  });
});

describe("probePort (loopback)", () => {
  const listening = async (server: net.Server) => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as net.AddressInfo).port;
  };
  const closing = (server: net.Server) => new Promise((resolve) => server.close(resolve));

  it("finds a free port free", async () => {
    const server = net.createServer();
    const port = await listening(server);
    await closing(server);
    expect(await probePort(port)).toEqual({ kind: "free" });
  });

  it("recognises the emulator by its admin health answer", async () => {
    const emu = await startDemoEmulator();
    try {
      const probe = await probePort(emu.port);
      expect(probe).toMatchObject({ kind: "http", status: 200 });
      expect(planLocalEmulator(probe, { endpoint: emu.endpoint, port: emu.port, stack: "local" }).action).toBe("use");
    } finally {
      await emu.close();
    }
  });

  it("reports another HTTP server's answer and a server that hangs up", async () => {
    const web = http.createServer((_req, res) => res.writeHead(404).end("Not Found"));
    const hangUp = net.createServer((socket) => socket.destroy());
    try {
      expect(await probePort(await listening(web))).toEqual({ kind: "http", status: 404, body: "Not Found" });
      expect(await probePort(await listening(hangUp))).toEqual({ kind: "failed", reason: "ECONNRESET" });
    } finally {
      await Promise.all([closing(web), closing(hangUp)]);
    }
  });

  it("gives up on a port that accepts but never answers", async () => {
    const silent = net.createServer(() => undefined);
    const sockets: net.Socket[] = [];
    silent.on("connection", (s) => sockets.push(s));
    try {
      expect(await probePort(await listening(silent), 200)).toEqual({
        kind: "failed",
        reason: "no answer within 200 ms",
      });
    } finally {
      for (const s of sockets) s.destroy();
      await closing(silent);
    }
  });
});
