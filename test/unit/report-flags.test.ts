// The GitOps job's own flags: which it passes to pulumi (paths made absolute), which it refuses, and the command
// it runs for a preview or a drift check.
import * as path from "node:path";
import { gitopsArgs, ReportError, reportedCommand } from "../../scripts/gitops";

describe("the job's flags", () => {
  const base = "/home/me/repo";
  it.each([
    [["--report", "pr.md", "--diff"], { args: ["--diff"], reportFile: path.join(base, "pr.md"), usesPlan: false }],
    [["--report=/tmp/r.md"], { args: [], reportFile: "/tmp/r.md", usesPlan: false }],
    [["--save-plan", "plan.json"], { args: ["--save-plan", path.join(base, "plan.json")], usesPlan: true }],
    [
      ["--plan=plan.json", "-s", "dev"],
      { args: ["--plan", path.join(base, "plan.json"), "-s", "dev"], usesPlan: true },
    ],
    [["--diff"], { args: ["--diff"], usesPlan: false }],
    [
      ["--policy-pack", "policy", "--policy-pack-config=policy/config.local.json"],
      {
        args: [
          "--policy-pack",
          path.join(base, "policy"),
          "--policy-pack-config",
          path.join(base, "policy/config.local.json"),
        ],
        usesPlan: false,
      },
    ],
    [["--policy-pack=/abs/pack"], { args: ["--policy-pack", "/abs/pack"], usesPlan: false }],
  ])("%j", (args, expected) => {
    expect(gitopsArgs(args, base)).toEqual({ reportFile: undefined, ...expected });
  });

  it("refuses a flag without its file", () => {
    expect(() => gitopsArgs(["--report", "--diff"], base)).toThrow(
      new ReportError("--report needs a file name after it."),
    );
  });

  it("never lets the report show secrets", () => {
    for (const flag of ["--show-secrets", "--show-secrets=true"]) {
      expect(() => reportedCommand("preview", [flag], {})).toThrow(ReportError);
    }
  });

  it("runs preview and refresh as streamed JSON; drift compares outputs and is not a confirmed refresh", () => {
    const env = { PULUMI_SKIP_CONFIRMATIONS: "true" };
    expect(reportedCommand("preview", ["--stack", "local", "--json"], env)).toEqual({
      args: ["preview", "--json", "--stack", "local"],
      env: { ...env, PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" },
    });
    expect(reportedCommand("drift", ["--stack", "local"], env)).toEqual({
      args: ["refresh", "--preview-only", "--expect-no-changes", "--json", "--stack", "local"],
      env: { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true", PULUMI_ENABLE_LEGACY_REFRESH_DIFF: "true" },
    });
  });
});
