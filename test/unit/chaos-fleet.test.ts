// The reliability suite's fleet (what a scenario declares, from the fleet config) and its reading of process
// listings (the runs themselves: test/e2e/chaos.test.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { catalogueImage, fleetConfig, fleetInstances, stackConfigYaml } from "../../scripts/chaos/fleet";
import { mentions, parseStat } from "../../scripts/chaos/processes";
import { projectRoot } from "../../scripts/engine";
import { parseFleetConfig } from "../../stacks/fleet-config";
import { DEMO } from "../support/emulator";

describe("the scenario's fleet", () => {
  it("the stack file keeps the demo's credentials, secrets and salt, and declares a valid fleet", () => {
    const local = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.local.yaml"), "utf8");
    const size = { web: 12, api: 10, batch: 8 };
    const text = stackConfigYaml(local, 43210, size, "i-legacy");
    const doc = yaml.load(text) as { config: Record<string, unknown>; encryptionsalt: string };
    const demo = yaml.load(local) as { config: Record<string, unknown>; encryptionsalt: string };
    expect(doc.encryptionsalt).toBe(demo.encryptionsalt);
    expect(doc.config["alicloud:secretKey"]).toEqual(demo.config["alicloud:secretKey"]);
    expect(doc.config["ecs-shared-images:batchPassword"]).toEqual(demo.config["ecs-shared-images:batchPassword"]);
    // The main job reads the endpoint from the file with a regular expression.
    expect(text).toMatch(/^\s*ecsSharedImages:endpoint: http:\/\/127\.0\.0\.1:43210$/m);

    const values: Record<string, unknown> = {};
    const secrets = new Set<string>();
    for (const [key, value] of Object.entries(doc.config)) {
      if (!key.startsWith("ecs-shared-images:")) continue;
      const name = key.slice("ecs-shared-images:".length);
      if (typeof value === "object" && value !== null && "secure" in value) secrets.add(name);
      values[name] = value;
    }
    const fleet = parseFleetConfig({
      get: (k) => values[k],
      isSecret: (k) => secrets.has(k),
      keys: () => Object.keys(values),
    });
    expect(Object.fromEntries(Object.entries(fleet.groups).map(([g, c]) => [g, c.count]))).toEqual(size);
    expect(Object.values(fleet.images).filter((i) => i.copy).length).toBe(2);
    expect(fleet.systemDiskReplacements.legacy).toMatchObject({ instanceId: "i-legacy", revertOnDelete: true });
    expect(fleetInstances(size)).toBe(30);
    expect(Object.keys(fleetConfig(size, "i-legacy"))).toEqual([
      "approval",
      "images",
      "groups",
      "systemDiskReplacements",
    ]);
  });

  it("catalogue names resolve to the shared image or the copy of that name", () => {
    const copies = new Map([["chaos-golden-copy", "m-copy"]]);
    expect(catalogueImage("golden", copies)).toBe(DEMO.images.plain);
    expect(catalogueImage("golden-copy", copies)).toBe("m-copy");
    expect(catalogueImage("golden-encrypted", copies)).toBeUndefined();
    expect(catalogueImage("nope", copies)).toBeUndefined();
  });
});

describe("processes", () => {
  it("parses /proc/PID/stat, with spaces and parentheses in the name", () => {
    expect(parseStat("4242 (node) S 4200 4200 4200 0 -1")).toEqual({
      comm: "node",
      state: "S",
      ppid: 4200,
      pgid: 4200,
    });
    expect(parseStat("77 (a (b) c) Z 1 77 77")).toEqual({ comm: "a (b) c", state: "Z", ppid: 1, pgid: 77 });
    expect(parseStat("garbage")).toBeUndefined();
  });

  it("a process is ours when its environment or command line mentions the scenario's directory", () => {
    const dir = "/tmp/chaos-storm-abc/project";
    expect(mentions(`PATH=/bin\0PULUMI_ECS_PROJECT_DIR=${dir}\0`, "node", dir)).toBe(true);
    expect(mentions("PATH=/bin\0", `node ${dir}/dist/scripts/main-job.js up`, dir)).toBe(true);
    expect(mentions("PATH=/bin\0PULUMI_ECS_PROJECT_DIR=/tmp/other\0", "node", dir)).toBe(false);
  });
});
