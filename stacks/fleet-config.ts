// The fleet as a platform engineer declares it in stack config, validated up front. Every problem is reported at once,
// each with the key path, what was wrong and what is allowed, so a pull request's preview says exactly what to fix.
// The parts are in config/: the checker, the catalogue (and its regions), the groups, the system disk replacements.
// Through the package name only: the program then runs the library's compiled code (as a consumer would), and ts-node
// compiles nothing but stacks/ (Pulumi's ts-node settings target ES6, which the library's sources do not).
import { type ApprovalPolicy, validateApprovalPolicy } from "pulumi-ecs-shared-images";
import { parseCatalogue } from "./config/catalogue";
import { Checker, type ConfigSource, FleetConfigError } from "./config/checker";
import { parseGroups } from "./config/groups";
import { parseReplacements } from "./config/replacements";
import type { FleetConfig } from "./config/types";

export { type ConfigProblem, type ConfigSource, FleetConfigError } from "./config/checker";
export type * from "./config/types";

export const TOP_LEVEL_KEYS = ["approval", "images", "groups", "systemDiskReplacements"] as const;

/** Whether the config names a region anywhere (a catalogue entry's regions, a group's region). */
function namesRegions(config: ConfigSource): boolean {
  const entries = (key: string) => Object.values((config.get(key) ?? {}) as Record<string, unknown>);
  const has = (value: unknown, key: string) => typeof value === "object" && value !== null && key in value;
  return entries("images").some((e) => has(e, "regions")) || entries("groups").some((g) => has(g, "region"));
}

/**
 * Validates and types the fleet config; throws FleetConfigError listing every problem. `stackRegion` is the stack's
 * region (alicloud:region, else the environment's): where the catalogue's shared images are and groups run by default.
 */
export function parseFleetConfig(config: ConfigSource, stackRegion?: string): FleetConfig {
  const c = new Checker();
  if (stackRegion === undefined && namesRegions(config)) {
    c.fail(
      "alicloud:region",
      "is required when the fleet names regions: it is the region of the catalogue's shared images and the default of " +
        "groups; set it with `pulumi config set alicloud:region cn-hangzhou` (or ALICLOUD_REGION)",
    );
  }
  const approval = config.get("approval");
  if (approval === undefined) c.fail("approval", "is required: the owner accounts whose shared images are approved");
  for (const failure of approval === undefined ? [] : validateApprovalPolicy(approval, "approval")) {
    c.fail(failure.property, failure.reason);
  }
  const { catalogue: images, unreadRegions } = parseCatalogue(c, config.get("images"), stackRegion);
  const groups = parseGroups(c, config, images, stackRegion, unreadRegions);
  const replacements = parseReplacements(c, config, images);

  for (const key of config.keys()) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key) && !c.secretKeys.has(key)) {
      c.fail(
        key,
        `is not a fleet config key; allowed: ${TOP_LEVEL_KEYS.join(", ")}, and secret keys named by passwordKey`,
      );
    }
  }
  if (c.problems.length > 0) throw new FleetConfigError(c.problems);
  return {
    ...(stackRegion === undefined ? {} : { region: stackRegion }),
    approval: approval as ApprovalPolicy,
    images,
    groups: groups as unknown as FleetConfig["groups"],
    systemDiskReplacements: replacements as unknown as FleetConfig["systemDiskReplacements"],
  };
}
