// The owner stack's config: which stacks are owner stacks, every problem listed with its key path, the typed config
// it yields, and the shipped stacks/Pulumi.owner.yaml (valid, its secret key encrypted).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { DEMO } from "../../emulator/demo-credentials";
import { projectRoot } from "../../scripts/engine";
import type { ConfigSource } from "../../stacks/fleet-config";
import { isOwnerStack, OwnerConfigError, parseOwnerConfig } from "../../stacks/owner-config";

const PROJECT = "ecs-shared-images";
const W = DEMO.workload.accountId;

function source(values: Record<string, unknown>): ConfigSource {
  return { get: (key) => values[key], isSecret: () => false, keys: () => Object.keys(values) };
}

function problemsOf(values: Record<string, unknown>, stackRegion?: string): string[] {
  try {
    parseOwnerConfig(source(values), stackRegion);
    return [];
  } catch (err) {
    if (err instanceof OwnerConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
}

describe("the owner stack's config", () => {
  it("is recognised by its shares key", () => {
    expect(isOwnerStack(source({ shares: {} }))).toBe(true);
    expect(isOwnerStack(source({ approval: {}, images: {} }))).toBe(false);
  });

  it("sees an entry naming the stack's region and one naming none as the same image", () => {
    const shares = {
      a: { imageId: "m-a1", accountIds: [W] },
      b: { imageId: "m-a1", accountIds: [W], region: "cn-hangzhou" },
      c: { imageId: "m-a1", accountIds: [W], region: "cn-shanghai" },
    };
    expect(problemsOf({ shares }, "cn-hangzhou")).toEqual([
      "shares.b.imageId: m-a1 is shared by shares.a already: one entry per image",
    ]);
  });

  it("types a valid config", () => {
    const shares = { golden: { imageId: "m-golden1", accountIds: [W], exclusive: false, region: "cn-shanghai" } };
    expect(parseOwnerConfig(source({ shares }))).toEqual({ shares });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ["no share", { shares: {} }, ["shares: must name at least one image to share"]],
    [
      "a fleet key beside the shares",
      { shares: { a: { imageId: "m-a1", accountIds: [] } }, groups: {} },
      ["groups: is not a key of an owner stack (it declares shares only); move it to a workload stack"],
    ],
    [
      "missing fields and an unknown one",
      { shares: { a: { account: W } } },
      [
        "shares.a.account: is not a known key; allowed: imageId, accountIds, region, exclusive",
        "shares.a.imageId: is required",
        "shares.a.accountIds: is required",
      ],
    ],
    [
      "bad values",
      { shares: { a: { imageId: "ubuntu", accountIds: [W, W, "42"], region: "Hangzhou", exclusive: "yes" } } },
      [
        'shares.a.imageId: must be an image id like "m-bp1abc..."; got "ubuntu"',
        `shares.a.accountIds[1]: repeats ${W} (already shares.a.accountIds[0]); list each account once`,
        'shares.a.accountIds[2]: must be a 16-digit account id (as a string), got "42"',
        'shares.a.region: must be a region id like "cn-hangzhou"; got "Hangzhou"',
        'shares.a.exclusive: must be true or false; got "yes"',
      ],
    ],
    [
      "one image in two entries",
      { shares: { a: { imageId: "m-a1", accountIds: [W] }, b: { imageId: "m-a1", accountIds: [] } } },
      ["shares.b.imageId: m-a1 is shared by shares.a already: one entry per image"],
    ],
    [
      "a bad entry name",
      { shares: { A: { imageId: "m-a1", accountIds: [] } } },
      ["shares.A: names must start with a lowercase letter and use only a-z, 0-9 and -, at most 40"],
    ],
  ])("lists every problem: %s", (_name, values, problems) => {
    expect(problemsOf(values)).toEqual(problems);
  });

  it("ships stacks/Pulumi.owner.yaml: the golden images shared with the workload account, its secret key encrypted", () => {
    const text = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.owner.yaml"), "utf8");
    expect(text).not.toContain(DEMO.owner.accessKeySecret);
    expect(text).toMatch(/alicloud:secretKey:\n\s+secure: v1:/);
    const config = (yaml.load(text) as { config: Record<string, unknown> }).config;
    expect(config["alicloud:accessKey"]).toBe(DEMO.owner.accessKeyId);
    const values = Object.fromEntries(
      Object.entries(config)
        .filter(([key]) => key.startsWith(`${PROJECT}:`))
        .map(([key, value]) => [key.slice(PROJECT.length + 1), value]),
    );
    const owner = parseOwnerConfig(source(values));
    expect(Object.values(owner.shares).map((s) => [s.imageId, s.accountIds])).toEqual([
      [DEMO.images.plain, [W]],
      [DEMO.images.encrypted, [W]],
      [DEMO.images.paid, [W]],
    ]);
  });
});
