// Our Node.js language host under the real CLI, on what upstream's host guarantees: a stack without any config still
// gets an (empty) config object, so `new pulumi.Config().get()` answers undefined instead of throwing; and a Node.js
// policy pack runs through RunPlugin, for `--policy-pack` with the stack's names and config (the policy proxy) and for
// `pulumi policy analyze`, which configures no stack.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../scripts/engine";
import { createLocalStack, tempDir, writeConsumerProject } from "../support/engine";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
exports.region = config.get("region") ?? "no region configured";
exports.projectKeys = Object.keys(pulumi.runtime.allConfig()).length;
`;

/** A pack whose one stack policy reports what the language host told it: the stack's name and a config value. */
const POLICY_PACK = `
const pulumi = require("@pulumi/pulumi");
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("langhost-pack", {
  policies: [{
    name: "reports-what-it-was-given",
    description: "Reports the stack and config the pack runs with.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
      const team = new pulumi.Config("configless").get("team") ?? "unset";
      // With a URN: pulumi 3.248's policy analyze panics rendering a stack violation without one.
      reportViolation("stack=" + (pulumi.getStack() || "none") + " team=" + team, args.resources[0].urn);
    },
  }],
});
`;

function writePolicyPack(dir: string): void {
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync(path.join(projectRoot, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"));
  fs.writeFileSync(
    path.join(dir, "PulumiPolicy.yaml"),
    "runtime:\n  name: nodejs\n  options:\n    typescript: false\n",
  );
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "langhost-pack", version: "1.2.3" }));
  fs.writeFileSync(path.join(dir, "index.js"), POLICY_PACK);
}

describe("language host", () => {
  const work = tempDir("langhost-work");
  const backend = tempDir("langhost-state");
  const pack = tempDir("langhost-pack");

  afterAll(() => {
    work.cleanup();
    backend.cleanup();
    pack.cleanup();
  });

  it("runs a program of a stack that has no config at all", async () => {
    writeConsumerProject(work.dir, "configless", PROGRAM);
    const { stack } = await createLocalStack(work.dir, backend.dir, "bare");
    expect(await stack.getAllConfig()).toEqual({});
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.region.value).toBe("no region configured");
    expect(result.outputs.projectKeys.value).toBe(0);
  }, 120_000);

  it("runs a policy pack with the stack's names and config, and for policy analyze", async () => {
    writePolicyPack(pack.dir);
    const { stack, engine, env } = await createLocalStack(work.dir, backend.dir, "policied");
    await stack.setConfig("team", { value: "blue" });

    const preview = await stack.preview({ policyPacks: [pack.dir] });
    expect(preview.stdout).toContain("langhost-pack@v1.2.3");
    expect(preview.stdout).toMatch(/\[advisory\]\s+reports-what-it-was-given/);
    expect(preview.stdout).toContain("stack=policied team=blue");

    // `policy analyze` reads the stack's state (the up makes its Stack resource) and sends no stack config.
    expect((await stack.up()).summary.result).toBe("succeeded");
    const analyze = spawnSync(
      path.join(engine.binDir, "pulumi"),
      ["policy", "analyze", "--stack", "policied", "--policy-pack", pack.dir],
      { cwd: work.dir, env, encoding: "utf8", timeout: 90_000 },
    );
    expect({ status: analyze.status, stderr: analyze.stderr }).toEqual({ status: 0, stderr: "" });
    expect(analyze.stdout).toContain("langhost-pack@v1.2.3");
    expect(analyze.stdout).toMatch(/\[advisory\]\s+reports-what-it-was-given/);
    expect(analyze.stdout).toContain(" team=unset");
  }, 120_000);
});
