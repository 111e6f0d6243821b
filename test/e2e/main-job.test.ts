// The main job as a user runs it (`npm run up`, Ctrl-C, `npm run up` again, `npm run destroy`), on a copy of this
// project so the repository's own state is never touched.
import * as fs from "node:fs";
import * as http from "node:http";
import type * as net from "node:net";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { tempDir } from "../support/engine";
import { copyProject, mainJob, type Run } from "../support/main-job";
import { freePort } from "../support/ports";
import { samplePattern, sectionBlocks } from "../support/readme";

const holds = (run: Run) =>
  /the workload account holds (\d+) instance\(s\) and (\d+) image\(s\)/.exec(run.output)?.slice(1);

describe("the main job (npm run up / preview / destroy) on the local emulator stack", () => {
  const work = tempDir("main-job");

  afterAll(() => work.cleanup());

  it("survives Ctrl-C in the middle of up: the next up finishes without duplicates, then no changes", async () => {
    copyProject(work.dir, await freePort());

    const interrupted = await mainJob(work.dir, "up", /InstanceFromSharedImage \S+ creating/);
    expect(interrupted.code).not.toBe(0);
    expect(interrupted.output).toMatch(/Emulator state saved/);
    const saved = JSON.parse(fs.readFileSync(path.join(work.dir, ".emulator", "local.json"), "utf8"));
    expect(saved.format).toBe("ecs-emulator-state/1");

    const resumed = await mainJob(work.dir, "up");
    expect(resumed.code).toBe(0);
    expect(resumed.output).toMatch(/What exists now:/);
    expect(holds(resumed)).toEqual(["4", "3"]);
    // The README's sample of this summary ("What you will see"), from "What exists now:" on, line by line.
    const [sample] = sectionBlocks("### What you will see");
    const summary = sample.text.slice(sample.text.indexOf("What exists now:")).trimEnd().split("\n");
    const lines = resumed.output.split("\n");
    for (const line of summary) {
      expect([line, lines.some((l) => samplePattern(line).test(l))]).toEqual([line, true]);
    }

    const again = await mainJob(work.dir, "up");
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/8 unchanged/);
    expect(holds(again)).toEqual(["4", "3"]);
  }, 300_000);

  it("previews without changes, and destroy leaves the workload account empty", async () => {
    const preview = await mainJob(work.dir, "preview");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(/8 unchanged/);

    const destroyed = await mainJob(work.dir, "destroy");
    expect(destroyed.code).toBe(0);
    expect(holds(destroyed)).toEqual(["0", "0"]);
  }, 300_000);
});

describe("the main job when something already listens on the stack's loopback endpoint", () => {
  const work = tempDir("main-job-port-taken");

  afterAll(() => work.cleanup());

  it("uses an emulator already running there: does not start, stop or save one", async () => {
    const port = await freePort();
    copyProject(work.dir, port);
    const emu = await startEmulator({ port, world: path.join(projectRoot, "emulator", "worlds", "demo.json") });
    try {
      const preview = await mainJob(work.dir, "preview");
      expect(preview.output).toContain(`Using the emulator already running at http://127.0.0.1:${port}`);
      expect(preview.code).toBe(0);
      expect(preview.output).not.toMatch(/Local ECS emulator \(demo world\) serving|Emulator state saved/);
      expect(emu.admin.requests({ action: "DescribeImages" }).length).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(work.dir, ".emulator"))).toBe(false);
    } finally {
      await emu.close();
    }
  }, 120_000);

  it("stops before running pulumi when the port is held by something else, saying what to do", async () => {
    const other = http.createServer((_req, res) => res.writeHead(404).end("Not Found"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const { port } = other.address() as net.AddressInfo;
    fs.rmSync(work.dir, { recursive: true, force: true });
    fs.mkdirSync(work.dir);
    copyProject(work.dir, port);
    try {
      const up = await mainJob(work.dir, "up");
      expect(up.code).toBe(1);
      expect(up.output.trim().split("\n").at(-1)).toBe(
        `Port ${port} of ecsSharedImages:endpoint http://127.0.0.1:${port} (stack "local") is taken by something ` +
          `that is not the ECS emulator (it answered GET /_emulator/health with HTTP 404): stop that process, or ` +
          "change ecsSharedImages:endpoint in stacks/Pulumi.local.yaml to a free port.",
      );
      // Not even the stack was selected: pulumi never ran (the backend directory is made up front, and stays empty).
      expect(fs.readdirSync(path.join(work.dir, ".pulumi-state"))).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  }, 60_000);
});
