// The reliability suite, bounded (`npm run chaos` runs every scenario on the full fleet and rewrites
// docs/reliability.md): a smaller fleet, three scenarios through the real CLI, the figures written to a temporary
// report, and the invariants of the issue asserted per scenario. Time is reported, never asserted.
import * as fs from "node:fs";
import * as path from "node:path";
import { runSuite, SCENARIOS } from "../../scripts/chaos";
import { TABLE_COLUMNS, tableRows } from "../../scripts/chaos/report";
import type { ScenarioResult } from "../../scripts/chaos/types";
import { projectRoot } from "../../scripts/engine";
import { tempDir } from "../support/engine";

/** 20 instances (concurrency enough for the storm to bite), copies and emulated transitions twice as fast as the job's. */
const BOUNDED = { fleet: { web: 7, api: 6, batch: 7 }, timeScale: 60, watchAfterGraceMs: 3_000, followUps: 0 };
const CHOSEN = ["storm", "commit-drop", "kill-replace"];
const COMMITTED_REPORT = path.join(projectRoot, "docs", "reliability.md");

const readIfAny = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);

describe("reliability suite, bounded: throttling storm, commit-then-drop, SIGKILL right after ReplaceSystemDisk", () => {
  const work = tempDir("chaos-bounded");
  const report = path.join(work.dir, "reliability.md");
  const committedBefore = readIfAny(COMMITTED_REPORT);
  const lines: string[] = [];
  let results: ScenarioResult[] = [];

  beforeAll(async () => {
    const scenarios = SCENARIOS.filter((s) => CHOSEN.includes(s.id));
    results = await runSuite(
      scenarios,
      { ...BOUNDED, log: (line) => lines.push(line), logDir: path.join(work.dir, "logs") },
      report,
      "npx jest dist/test/e2e/chaos.test.js",
    );
  }, 600_000);

  afterAll(() => work.cleanup());

  const result = (id: string): ScenarioResult => {
    const found = results.find((r) => r.id === id);
    if (found === undefined) throw new Error(`scenario ${id} did not run:\n${lines.join("\n")}`);
    return found;
  };
  /** What a failed up said, so that an assertion failure shows why. */
  const ups = (r: ScenarioResult) =>
    r.commands
      .filter((c) => c.command !== "npm run destroy")
      .map((c) => `${c.command}: ${c.exit}${c.tail ? `\n${c.tail}` : ""}`);

  it("writes its figures to the report it is given, never to the committed docs/reliability.md", () => {
    expect(results.map((r) => r.id)).toEqual(CHOSEN);
    const text = fs.readFileSync(report, "utf8");
    const header = `| ${TABLE_COLUMNS.join(" | ")} |`;
    const table = text.slice(text.indexOf(header)).split("\n\n")[0].split("\n").slice(2);
    expect(table.map((row) => row.slice(2, -2).split(" | "))).toEqual(tableRows(results));
    expect(readIfAny(COMMITTED_REPORT)).toEqual(committedBefore);
  });

  describe.each(CHOSEN)("%s", (id) => {
    it("ran as planned (its interruption, if any, was sent while the up ran)", () => {
      expect(result(id).suiteErrors).toEqual([]);
    });

    it("converged in one up (after the README's recovery, for a kill)", () => {
      const r = result(id);
      expect({ converged: r.convergedInOneUp, ups: ups(r), fleet: r.fleetProblems }).toEqual({
        converged: true,
        ups: ups(r),
        fleet: [],
      });
    });

    it("made no duplicate instance or copy", () => {
      expect(result(id).duplicates).toEqual([]);
    });

    it("left no instance Stopped", () => {
      expect(result(id).stopped).toEqual([]);
    });

    it("destroy leaves the account clean and the instance outside the stack on its original image", () => {
      const r = result(id);
      expect({ leaks: r.leaks, restore: r.restoreProblems }).toEqual({ leaks: [], restore: [] });
    });
  });

  describe("kill-replace: after SIGKILL of the CLI's process group", () => {
    it("no process of ours is alive 5 s later", () => {
      expect(result("kill-replace").kill?.aliveAfterGrace).toEqual([]);
    });

    it("no ECS call arrives after kill + 5 s", () => {
      const kill = result("kill-replace").kill;
      expect({ calls: kill?.callsAfterGrace, which: kill?.strayCalls }).toEqual({ calls: 0, which: [] });
    });
  });
});
