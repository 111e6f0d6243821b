// The pipeline examples in examples/gitops/ (GitHub Actions, GitLab CI) run only the project's own commands: every
// command they call is an npm script, and the pull request, merge and nightly jobs, run in that order on a copy of the
// project against this test's emulator, preview with the policy pack and write the report, apply the saved plan, and
// find no drift; a pull request that breaks a mandatory policy fails with the violation in its report.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { tempDir } from "../support/engine";
import { copyProject, mainJobArgs, type Run, startMainJob } from "../support/main-job";

const EXAMPLES = path.join(projectRoot, "examples", "gitops");
const SCRIPTS = Object.keys(JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts);

interface GithubWorkflow {
  jobs: Record<string, { steps: { run?: string }[] }>;
}
type GitlabPipeline = Record<string, { script?: string[]; before_script?: string[] }>;

/** The npm commands of shell text, one per line, without what the pipeline adds around them (`|| code=$?`). */
function npmCommands(shell: string): string[] {
  return shell
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("npm "))
    .map((line) => line.replace(/\s*\|\|.*$/, ""));
}

/** Every npm command of each job of a pipeline file, by job name. */
function pipelineCommands(file: string): Record<string, string[]> {
  const text = fs.readFileSync(path.join(EXAMPLES, file), "utf8");
  if (file.startsWith("github")) {
    const workflow = yaml.load(text) as GithubWorkflow;
    return Object.fromEntries(
      Object.entries(workflow.jobs).map(([name, job]) => [name, job.steps.flatMap((s) => npmCommands(s.run ?? ""))]),
    );
  }
  const pipeline = yaml.load(text) as GitlabPipeline;
  const before = (pipeline.default?.before_script ?? []).flatMap(npmCommands);
  return Object.fromEntries(
    Object.entries(pipeline)
      .filter(([, job]) => Array.isArray(job.script))
      .map(([name, job]) => [name, [...before, ...(job.script ?? []).flatMap(npmCommands)]]),
  );
}

/** A pipeline's command as the main job gets it, for stack `stack` (the pipelines set STACK). */
function jobArgs(command: string, stack: string): string[] {
  return mainJobArgs(command.replaceAll("$STACK", stack).replaceAll('"', ""));
}

const github = pipelineCommands("github-actions.yml");
const gitlab = pipelineCommands("gitlab-ci.yml");

describe("the GitOps pipeline examples", () => {
  it("have a pull request, a merge and a nightly job, calling the same commands in both CI systems", () => {
    expect(Object.keys(github)).toEqual(["preview", "apply", "drift"]);
    expect(Object.keys(gitlab)).toEqual(["preview", "apply", "drift"]);
    expect(github).toEqual(gitlab);
  });

  it("call only npm ci and npm scripts of this project, each job setting up first", () => {
    for (const commands of Object.values(github)) {
      expect(commands.slice(0, 2)).toEqual(["npm ci", "npm run setup"]);
      for (const command of commands.slice(1)) {
        const script = /^npm run (\S+)/.exec(command)?.[1];
        expect(SCRIPTS).toContain(script);
      }
    }
  });

  describe("run in order against the emulator", () => {
    const work = tempDir("gitops-examples");
    let emu: RunningEmulator;
    const run = (command: string): Promise<Run> =>
      // INIT_CWD: where the pipeline runs npm, the checkout, which relative paths (report, plan, pack) start at.
      startMainJob(work.dir, jobArgs(command, "local"), { env: { INIT_CWD: work.dir } }).done;
    const pipelineStep = (job: string, script: string) => {
      const command = github[job].find((c) => c.startsWith(`npm run ${script} `));
      if (command === undefined) throw new Error(`job ${job} has no npm run ${script}: ${github[job].join("; ")}`);
      return command;
    };
    const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];

    beforeAll(async () => {
      emu = await startDemoEmulator({ timeScale: 30 });
      copyProject(work.dir, emu.port);
      // The pack and its per-stack config as the checkout has them (a copy, so a test can edit the config).
      fs.cpSync(path.join(projectRoot, "policy"), path.join(work.dir, "policy"), { recursive: true });
    });

    afterAll(async () => {
      await emu?.close();
      work.cleanup();
    });

    it("pull request: preview with the policy pack, the report and the plan; merge: up --plan; nightly: no drift", async () => {
      const preview = await run(pipelineStep("preview", "preview"));
      expect(preview.code).toBe(0);
      const report = fs.readFileSync(path.join(work.dir, "preview.md"), "utf8");
      expect(report.split("\n").slice(0, 6)).toEqual([
        "<!-- pulumi-ecs-shared-images:preview:ecs-shared-images/local -->",
        "## Preview: ecs-shared-images/local",
        "",
        "**Verdict:** 8 create, 0 update, 0 replace, 0 re-image, 0 delete; 0 unchanged.",
        "",
        expect.stringMatching(/^\*\*Policies:\*\* `ecs-shared-images[^`]*`: 5 checked, all passed\.$/),
      ]);
      expect(report).not.toContain("### Policy violations");
      expect(fs.existsSync(path.join(work.dir, "plan.json"))).toBe(true);
      expect(workload().instances).toEqual([]);

      const apply = await run(pipelineStep("apply", "up"));
      expect([apply.code, apply.output]).toEqual([0, expect.stringContaining("8 created")]);
      expect(
        workload()
          .instances.map((i) => i.name)
          .sort(),
      ).toEqual(["batch-0", "web-0", "web-1", "web-sh-0"]);

      const drift = await run(pipelineStep("drift", "drift"));
      expect(drift.code).toBe(0);
      expect(fs.readFileSync(path.join(work.dir, "drift.md"), "utf8")).toContain(
        "## Drift: ecs-shared-images/local\n\n**Verdict:** no drift (8 unchanged).\n",
      );
    }, 240_000);

    it("a pull request breaking a mandatory policy: the preview fails and its report names policy, resource and property", async () => {
      const configFile = path.join(work.dir, "policy", "config.local.json");
      const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
      config["allowed-instance-types"] = { instanceTypes: ["ecs.g6.large"] };
      fs.writeFileSync(configFile, JSON.stringify(config));
      const mutating = () => Object.values(emu.admin.stats()).reduce((sum, counters) => sum + counters.mutating, 0);
      const mutatingBefore = mutating();

      const preview = await run(pipelineStep("preview", "preview"));
      expect(preview.code).not.toBe(0);
      expect(preview.code).not.toBe(7);
      const report = fs.readFileSync(path.join(work.dir, "preview.md"), "utf8");
      const violations = report.split("\n### ").find((part) => part.startsWith("Policy violations"));
      for (const name of ["batch-0", "web-0", "web-1", "web-sh-0"]) {
        expect(violations).toMatch(new RegExp(`allowed-instance-types\` on \`${name}\` · \`instanceType\``));
      }
      expect(report).toMatch(/^\*\*Policies:\*\* `[^`]+`: 5 checked, 1 failed \(`allowed-instance-types`\)\.$/m);
      expect(mutating()).toBe(mutatingBefore);
    }, 120_000);
  });
});
