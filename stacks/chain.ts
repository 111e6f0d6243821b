// Which images the fleet needs where, as pure functions of the validated config: a catalogue entry's image is the
// shared image (or its copy into this account) in the stack's region, and a copy of that copy in each of its other
// regions; a group or replacement uses its entry's image in its own region. fleet.ts declares the resources.
import type { FleetConfig } from "./config/types";

/** A second hop: a copy of an entry's own copy, in another region. */
export interface RegionalCopyPlan {
  readonly entry: string;
  /** The Pulumi resource name: `image-<entry>-<region>`. */
  readonly resourceName: string;
  readonly region: string;
  readonly kmsKeyId?: string;
}

/** The catalogue's second hops, entry by entry in config order, regions sorted (a stable declaration order). */
export function regionalCopyPlans(fleet: FleetConfig): RegionalCopyPlan[] {
  return Object.entries(fleet.images).flatMap(([entry, image]) =>
    Object.entries(image.regions ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([region, options]) => ({
        entry,
        resourceName: `image-${entry}-${region}`,
        region,
        ...(options.kmsKeyId === undefined ? {} : { kmsKeyId: options.kmsKeyId }),
      })),
  );
}

/**
 * Where the image of `entry` in `region` comes from: the entry's image in the stack's region ("home": the shared image
 * or its copy), or the named regional copy. Validation guarantees the entry reaches the region; a region it does not
 * reach here is a program bug, so it throws.
 */
export function imageSource(
  fleet: FleetConfig,
  entry: string,
  region: string | undefined,
): { readonly kind: "home" } | { readonly kind: "regional"; readonly resourceName: string } {
  if (region === undefined || region === fleet.region) return { kind: "home" };
  const plan = regionalCopyPlans(fleet).find((p) => p.entry === entry && p.region === region);
  if (plan === undefined) throw new Error(`images.${entry} does not reach ${region} (the config was not validated)`);
  return { kind: "regional", resourceName: plan.resourceName };
}
