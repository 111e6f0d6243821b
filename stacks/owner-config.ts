// The owner stack's config: which images of the owner account are shared with which accounts, validated up front like
// the fleet's (every problem at once, with its key path), with the same account rules ImageShare's check() applies.
// A stack is an owner stack when its config declares `shares`; it then declares nothing else.
import { CUSTOM_IMAGE_ID, REGION_ID } from "pulumi-ecs-shared-images/providers/common/rules";
import { accountIdsFailures } from "pulumi-ecs-shared-images/providers/share/validate";
import { Checker, type ConfigProblem, type ConfigSource } from "./config/checker";

export interface ShareConfig {
  /** A custom image of the owner account (the stack's credentials). */
  readonly imageId: string;
  /** 16-digit account ids to share it with. */
  readonly accountIds: readonly string[];
  /** Default: the stack's region. */
  readonly region?: string;
  /** Default true: the share list is exactly `accountIds` (shares made outside Pulumi are removed by `up`). */
  readonly exclusive?: boolean;
}

export interface OwnerConfig {
  readonly shares: Readonly<Record<string, ShareConfig>>;
}

export class OwnerConfigError extends Error {
  override readonly name = "OwnerConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `The stack config does not describe valid image shares (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
    );
  }
}

/** Whether the stack is an owner stack: its config declares `shares`. */
export function isOwnerStack(config: ConfigSource): boolean {
  return config.keys().includes("shares");
}

/**
 * Validates and types the owner config; throws OwnerConfigError listing every problem. `stackRegion`: where an entry
 * without region is (the providers' default), so that it and an entry naming that region are seen as one image.
 */
export function parseOwnerConfig(config: ConfigSource, stackRegion?: string): OwnerConfig {
  const c = new Checker();
  for (const key of config.keys()) {
    if (key !== "shares")
      c.fail(key, "is not a key of an owner stack (it declares shares only); move it to a workload stack");
  }
  const entries = c.map(config.get("shares"), "shares");
  if (Object.keys(entries).length === 0) c.fail("shares", "must name at least one image to share");
  const byImage = new Map<string, string>();
  for (const [name, entry] of Object.entries(entries)) {
    const path = `shares.${name}`;
    const share = c.object(entry, path, ["imageId", "accountIds", "region", "exclusive"], ["imageId", "accountIds"]);
    if (!share) continue;
    const imageId = c.string(share.imageId, `${path}.imageId`, CUSTOM_IMAGE_ID, 'an image id like "m-bp1abc..."');
    // Two ImageShares of one image would each undo the other's list on every up (exclusive is the default).
    const key = `${share.region ?? stackRegion ?? ""}/${imageId}`;
    if (imageId !== undefined && byImage.has(key)) {
      c.fail(`${path}.imageId`, `${imageId} is shared by shares.${byImage.get(key)} already: one entry per image`);
    } else if (imageId !== undefined) byImage.set(key, name);
    if (share.accountIds !== undefined) {
      for (const failure of accountIdsFailures(share.accountIds, `${path}.accountIds`)) {
        c.fail(failure.property, failure.reason);
      }
    }
    c.string(share.region, `${path}.region`, REGION_ID, 'a region id like "cn-hangzhou"');
    c.boolean(share.exclusive, `${path}.exclusive`);
  }
  if (c.problems.length > 0) throw new OwnerConfigError(c.problems);
  return { shares: entries as unknown as Record<string, ShareConfig> };
}
