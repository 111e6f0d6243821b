// The GitOps commands as a pipeline runs them, through the real CLI on the demo fleet: `npm run preview -- --report`
// for a pull request, `npm run drift`, and saved plans. One `up` of the fleet, then previews of edited stack config
// (the copy's stack file, as a pull request edits it); the emulator is this test's own, so the test can change the
// cloud behind Pulumi's back (revoke a share, stop an instance) and see what the job reports.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { tempDir } from "../support/engine";
import { copyProject, projectPulumi, type Run, startMainJob } from "../support/main-job";
import { samplePattern, sectionBlocks } from "../support/readme";

const SHARED = "m-demogoldenplain01";

/** The part of a report under a `### ` heading that starts with `title`, up to the next one. */
function section(markdown: string, title: string): string | undefined {
  const start = markdown.split("\n### ").find((part) => part.startsWith(title));
  return start === undefined ? undefined : `### ${start.trimEnd()}`;
}

function headings(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("#"));
}

describe("GitOps: preview report, drift and saved plans on the demo fleet", () => {
  const work = tempDir("gitops-report");
  const stackFile = path.join(work.dir, "stacks", "Pulumi.local.yaml");
  let emu: RunningEmulator;
  let pristine = "";
  /** The decrypted secrets of the stack: no report may contain them. */
  let secrets: string[] = [];

  const job = (...args: string[]): Promise<Run> => startMainJob(work.dir, args).done;
  /** The stack config as committed, with `edits` (text -> replacement) applied, as a pull request would change it. */
  const editConfig = (...edits: [string, string][]) => {
    let text = pristine;
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    fs.writeFileSync(stackFile, text);
  };
  const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
  const instanceIds = () => Object.fromEntries(workload().instances.map((i) => [i.name, i.instanceId]));
  /** The report the job wrote to `file`, after checking that it printed the same. */
  const reportOf = (run: Run, file: string) => {
    const markdown = fs.readFileSync(file, "utf8");
    expect(run.output).toContain(markdown);
    for (const secret of secrets) expect(markdown).not.toContain(secret);
    return markdown;
  };

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 30 });
    copyProject(work.dir, emu.port);
    pristine = fs.readFileSync(stackFile, "utf8");
    const up = await job("up");
    expect([up.code, up.output]).toEqual([0, expect.stringContaining("8 created")]);
    const config = await projectPulumi(work.dir, ["config", "--show-secrets", "--json", "--stack", "local"]);
    expect(config.code).toBe(0);
    const values = JSON.parse(config.stdout) as Record<string, { value: string; secret: boolean }>;
    secrets = Object.values(values)
      .filter((v) => v.secret)
      .map((v) => v.value);
    // Both secrets, decrypted for real (the secret key is the demo account's), and long enough to search for.
    expect(secrets).toHaveLength(2);
    expect(secrets).toContain(DEMO.workload.accessKeySecret);
    expect(secrets.every((s) => s.length >= 8)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("reports no changes under a stable heading, and exits 0", async () => {
    const file = path.join(work.dir, "no-change.md");
    const run = await job("preview", "--report", file);
    expect(run.code).toBe(0);
    const lines = reportOf(run, file).split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "<!-- pulumi-ecs-shared-images:preview:ecs-shared-images/local -->",
      "## Preview: ecs-shared-images/local",
      "",
      "**Verdict:** no changes (8 unchanged).",
      "",
    ]);
    expect(headings(lines.join("\n"))).toEqual(["## Preview: ecs-shared-images/local"]);
  }, 60_000);

  it("drift of an untouched fleet: no drift, exit 0", async () => {
    const file = path.join(work.dir, "drift-clean.md");
    const run = await job("drift", "--report", file);
    expect(run.code).toBe(0);
    expect(reportOf(run, file)).toContain(
      "## Drift: ecs-shared-images/local\n\n**Verdict:** no drift (8 unchanged).\n",
    );
  }, 60_000);

  it("a tag edit under --expect-no-changes: both web instances updated in place, no danger, exit 7", async () => {
    editConfig(["app: web", "app: web2"]);
    const file = path.join(work.dir, "tags.md");
    const run = await job("preview", "--report", file, "--expect-no-changes");
    expect(run.code).toBe(7);
    const markdown = reportOf(run, file);
    expect(markdown).toContain("**Verdict:** 0 create, 2 update, 0 replace, 0 re-image, 0 delete; 6 unchanged.");
    expect(headings(markdown)).toEqual(["## Preview: ecs-shared-images/local", "### Changes"]);
    const ids = instanceIds();
    expect(section(markdown, "Changes")).toBe(
      [
        "### Changes",
        "",
        `- **update** \`web-0\` (InstanceFromSharedImage \`${ids["web-0"]}\`)`,
        "  - `tags.app`: `web` → `web2`",
        `- **update** \`web-1\` (InstanceFromSharedImage \`${ids["web-1"]}\`)`,
        "  - `tags.app`: `web` → `web2`",
      ].join("\n"),
    );
  }, 60_000);

  /** The pull request of the image roll: batch re-imaged to the encrypted copy, web scaled down to one instance. */
  const ROLL: [string, string][] = [
    ["image: golden\n", "image: golden-encrypted\n"],
    ["count: 2", "count: 1"],
  ];

  it("an image roll with re-image and a scale-down: the danger section first; up runs the saved plan, no more", async () => {
    editConfig(...ROLL);
    const file = path.join(work.dir, "roll.md");
    const plan = path.join(work.dir, "plan.json");
    const run = await job("preview", "--report", file, "--save-plan", plan);
    expect(run.code).toBe(0);
    const markdown = reportOf(run, file);
    const ids = instanceIds();
    const encryptedCopy = workload().images.find((i) => i.name === "golden-encrypted-copy")?.imageId;
    expect(encryptedCopy).toMatch(/^m-/);
    expect(markdown).toContain("**Verdict:** 0 create, 0 update, 0 replace, 1 re-image, 1 delete; 6 unchanged.");
    expect(headings(markdown)).toEqual([
      "## Preview: ecs-shared-images/local",
      "### ⚠️ Danger: what this change destroys",
      "### Changes",
    ]);
    expect(section(markdown, "⚠️ Danger")).toBe(
      [
        "### ⚠️ Danger: what this change destroys",
        "",
        `- \`batch-0\` (InstanceFromSharedImage \`${ids["batch-0"]}\`): **re-images the system disk in place**`,
        `  - because: \`imageEncrypted\`: \`false\` → \`true\`; \`imageId\`: \`${SHARED}\` → \`${encryptedCopy}\``,
        "  - lost: everything on the system disk; data disks are kept",
        `  - provider: re-images the system disk of ${ids["batch-0"]} (image ${SHARED} -> ${encryptedCopy}): ` +
          "everything on the system disk is lost; data disks stay",
        `- \`web-1\` (InstanceFromSharedImage \`${ids["web-1"]}\`): **deletes the instance**`,
        "  - lost: the instance's system disk and data disks (deleted with it)",
      ].join("\n"),
    );
    // The batch password is an input of batch-0, which changes: it shows as masked, never as its value.
    expect(section(markdown, "Changes")).toContain(`- **re-image** \`batch-0\``);
    expect(section(markdown, "Changes")).toContain(`- **delete** \`web-1\``);
    // The README shows this report: every line of its sample is a line of it.
    const [sample] = sectionBlocks("### Pull request previews, drift and saved plans").filter((b) => b.lang === "text");
    const lines = markdown.split("\n");
    for (const line of sample.text.trimEnd().split("\n")) {
      expect([line, lines.some((l) => samplePattern(line).test(l))]).toEqual([line, true]);
    }
    expect(fs.existsSync(plan)).toBe(true);

    // After the preview, the pull request changes more (web's instance type: a replacement the plan does not hold).
    // The stack config is an input of the provider, so the engine refuses before any resource is touched.
    editConfig(...ROLL, ["ecs.g7.large", "ecs.g7.xlarge"]);
    const before = JSON.stringify(workload());
    const refused = await job("up", "--plan", plan);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/violates plan: properties changed: ~~ecs-shared-images:groups/);
    expect(JSON.stringify(workload())).toBe(before);

    // The config the plan was made from: up does what the preview said, in place, and nothing else.
    editConfig(...ROLL);
    const up = await job("up", "--plan", plan);
    expect(up.code).toBe(0);
    const after = Object.fromEntries(workload().instances.map((i) => [i.name, [i.instanceId, i.imageId]]));
    expect(after).toEqual({
      "batch-0": [ids["batch-0"], encryptedCopy],
      "web-0": [ids["web-0"], expect.any(String)],
      "web-sh-0": [ids["web-sh-0"], expect.any(String)],
    });
  }, 90_000);

  it("a revoked share: rolling back to it fails batch-0's approval check, named with its property; exit 1", async () => {
    editConfig(["count: 2", "count: 1"]);
    emu.admin.revokeShare(SHARED, DEMO.workload.accountId);
    const file = path.join(work.dir, "revoked.md");
    const run = await job("preview", "--report", file);
    expect(run.code).toBe(1);
    const markdown = reportOf(run, file);
    expect(markdown).toMatch(/^\*\*Verdict:\*\* \*\*failed\*\* \(1 error\(s\)\);/m);
    expect(section(markdown, "Errors and approval findings")).toBe(
      [
        "### Errors and approval findings",
        "",
        `- \`batch-0\` · \`imageId\`: image ${SHARED} is not visible to this account in cn-hangzhou: it does not ` +
          "exist there, or its owner has not shared it with this account (or revoked the share)",
      ].join("\n"),
    );
  }, 60_000);

  it("a password set without --secret: refused naming the key, and its value in neither the report nor the output", async () => {
    const plaintext = "Plain-Passw0rd!";
    const secure = /^ {2}ecs-shared-images:batchPassword:\n {4}secure: [^\n]+\n/m;
    expect(pristine).toMatch(secure);
    fs.writeFileSync(stackFile, pristine.replace(secure, `  ecs-shared-images:batchPassword: ${plaintext}\n`));
    const file = path.join(work.dir, "plaintext.md");
    const run = await job("preview", "--report", file);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBe(7);
    expect(reportOf(run, file)).toMatch(/names config key \\?"batchPassword\\?", which is stored in plaintext/);
    expect(run.output).not.toContain(plaintext);
    expect(fs.readFileSync(file, "utf8")).not.toContain(plaintext);
  }, 60_000);

  it("drift: an instance stopped outside Pulumi is named, and the job exits 7", async () => {
    const id = instanceIds()["web-0"];
    emu.admin.stopInstance(id);
    const file = path.join(work.dir, "drift.md");
    const run = await job("drift", "--report", file);
    expect(run.code).toBe(7);
    const markdown = reportOf(run, file);
    expect(markdown).toContain("**Verdict:** drift: 1 changed outside Pulumi; 6 unchanged.");
    expect(section(markdown, "Drifted resources")).toMatch(
      new RegExp(
        `- \\*\\*changed outside Pulumi\\*\\* \`web-0\` \\(InstanceFromSharedImage \`${id}\`\\)\n  - \`status\`: \`Running\` → \`Stopp(ing|ed)\``,
      ),
    );
  }, 60_000);
});
