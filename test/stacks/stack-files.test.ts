// The shipped stack config files describe valid fleets (the example documents every key, so it must stay valid).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectRoot } from "../../scripts/engine";
import { parseFleetConfig } from "../../stacks/fleet-config";

const PROJECT = "ecs-shared-images";

function fleetOf(file: string, extraSecrets: Record<string, string> = {}) {
  const text = fs.readFileSync(path.join(projectRoot, "stacks", file), "utf8");
  const config = (yaml.load(text) as { config: Record<string, unknown> }).config;
  const values: Record<string, unknown> = { ...extraSecrets };
  const region = config["alicloud:region"] as string;
  const secrets = new Set(Object.keys(extraSecrets));
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const name = key.slice(PROJECT.length + 1);
    const secure = typeof value === "object" && value !== null && "secure" in value;
    if (secure) secrets.add(name);
    values[name] = value;
  }
  return parseFleetConfig(
    { get: (k) => values[k], isSecret: (k) => secrets.has(k), keys: () => Object.keys(values) },
    region,
  );
}

describe("shipped stack files", () => {
  it("Pulumi.local.yaml is the demo fleet on the emulator, a group in each of the demo world's regions", () => {
    const fleet = fleetOf("Pulumi.local.yaml");
    expect(fleet.region).toBe("cn-hangzhou");
    expect(Object.keys(fleet.groups)).toEqual(["web", "batch", "web-sh"]);
    expect(fleet.groups["web-sh"]).toMatchObject({ region: "cn-shanghai", image: "golden-copy" });
    expect(fleet.images["golden-copy"].regions).toEqual({ "cn-shanghai": {} });
    expect(fleet.images["golden-encrypted"].copy).toMatchObject({ encrypted: true });
  });

  it("Pulumi.local.yaml keeps the demo secrets encrypted", () => {
    const text = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.local.yaml"), "utf8");
    expect(text).not.toContain("demo-workload-secret");
    expect(text).toMatch(/alicloud:secretKey:\n\s+secure: v1:/);
  });

  it("Pulumi.example.yaml documents a valid fleet once its password is set as a secret", () => {
    const fleet = fleetOf("Pulumi.example.yaml", { workersPassword: "[secret]" });
    expect(Object.keys(fleet.systemDiskReplacements)).toEqual(["legacy-app"]);
    expect(fleet.images["base-copy"].regions).toEqual({ "cn-shanghai": { kmsKeyId: "7d1e..." } });
    expect(fleet.groups["web-sh"].region).toBe("cn-shanghai");
  });
});
