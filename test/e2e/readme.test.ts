// The README is executable: every fenced block in it is run or checked against what it describes, here or in the
// test named for it, so the README cannot drift from the code.
//   sh   commands: npm scripts that exist, files that exist, the CI script running exactly the quick start's
//        commands; the recovery after a hard kill runs in test/e2e/recover.test.ts, the config block and the
//        install block in test/e2e/consumer.test.ts, the two stacks on one emulator in
//        test/e2e/owner-and-workload.test.ts
//   ts   the one program, run as written in test/e2e/consumer.test.ts
//   text output samples: the benchmark output (run here), the main job's summary (test/e2e/main-job.test.ts), the
//        preview report of an image roll (test/e2e/gitops-report.test.ts), and the layout (every path it names
//        exists)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../scripts/engine";
import { readmeBlocks, samplePattern, shellCommands } from "../support/readme";

const blocks = readmeBlocks();
const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts);
const exists = (p: string) => fs.existsSync(path.join(projectRoot, p));

describe("the README's code blocks", () => {
  it("are all tagged sh, ts or text, and are where the tests expect them", () => {
    expect(blocks.map((b) => [b.section, b.lang])).toEqual([
      ["## Quick start", "sh"],
      ["### What you will see", "text"],
      ["### If a run is interrupted", "sh"],
      ["## Using the providers in your own program", "sh"],
      ["## Using the providers in your own program", "sh"],
      ["## Using the providers in your own program", "ts"],
      ["### Against a real Alibaba Cloud account", "sh"],
      ["### The owner stack", "sh"],
      ["### Pull request previews, drift and saved plans", "sh"],
      ["### Pull request previews, drift and saved plans", "text"],
      ["### Policy as code", "sh"],
      ["### Shared state backend", "sh"],
      ["### Shared state backend", "sh"],
      ["## Layout", "text"],
      ["## Benchmarks", "text"],
    ]);
  });

  it("quick start: CI runs exactly its install and test commands", () => {
    const quickStart = shellCommands(blocks[0].text);
    expect(quickStart).toEqual(["npm ci", "npm run up", "npm ci", "npm test"]);
    const ci = fs
      .readFileSync(path.join(projectRoot, ".ci", "run"), "utf8")
      .split("\n")
      .filter((line) => /^npm /.test(line));
    expect(ci).toEqual(["npm ci", "npm test"]);
  });

  it("sh blocks name only npm scripts, pulumi flags and files that exist", () => {
    for (const block of blocks.filter((b) => b.lang === "sh")) {
      for (const command of shellCommands(block.text)) {
        const run = /^npm run (\S+)/.exec(command);
        if (run) expect(scripts).toContain(run[1]);
        const copied = /^cp (\S+) /.exec(command);
        if (copied) expect(exists(copied[1])).toBe(true);
        expect(command).toMatch(/^(npm (ci|test|pack|run \S+|install \S+\.tgz)|cp |export |pulumi config set )/);
      }
    }
  });

  it("the layout names files and folders that exist", () => {
    const layout = blocks.find((b) => b.section === "## Layout");
    const named = [...(layout?.text ?? "").matchAll(/(?:^|\s)((?:[\w.-]+\/)+|[\w-]+\.(?:yaml|json|ts)|\.ci\/run)/gm)]
      .map((m) => m[1])
      .filter((p) => !["ecs/", "policy/", "engine/"].includes(p));
    expect(named.length).toBeGreaterThan(10);
    const top = ["providers/", "stacks/", "policy/", "emulator/", "scripts/", "test/", "docs/", "examples/"];
    for (const p of named) {
      const candidates = [p, ...top.map((t) => t + p), ...top.map((t) => `${t}ecs/${p}`)];
      expect([p, candidates.some(exists)]).toEqual([p, true]);
    }
  });

  it("the benchmark sample has the shape of what `npm run bench` prints", () => {
    const bench = blocks.find((b) => b.section === "## Benchmarks");
    const output = execFileSync(process.execPath, [path.join(projectRoot, "dist", "scripts", "bench.js")], {
      encoding: "utf8",
      env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true" },
    });
    const lines = output.split("\n");
    for (const sample of (bench?.text ?? "").trimEnd().split("\n")) {
      expect([sample, lines.some((line) => samplePattern(sample, { numbers: true }).test(line))]).toEqual([
        sample,
        true,
      ]);
    }
  }, 120_000);
});
