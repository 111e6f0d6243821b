// The image catalogue's validation: each entry's shared image, its copy into this account, and the other regions it
// must exist in (a copy of that copy per region, since ECS copies a shared image only within its own region).
import { CUSTOM_IMAGE_ID, quote } from "pulumi-ecs-shared-images/providers/common/rules";
import { maxUserTags } from "pulumi-ecs-shared-images/providers/tags";
import { type Checker, isObject, type Json } from "./checker";
import type { CatalogueImage, RegionalCopyConfig } from "./types";

/** Tags a copy may set: what an image allows its user. */
const MAX_COPY_TAGS = maxUserTags("image");
const REGION_OPTIONS = ["kmsKeyId"];

/** The regions an entry's image exists in: the stack's (its shared image, and its copy) and its listed regions. */
export function reach(entry: CatalogueImage, home: string | undefined): string[] {
  return [...(home === undefined ? [] : [home]), ...Object.keys(entry.regions ?? {})];
}

/** The regions listed under `path`, as region -> raw options; a list names regions without options. */
function listedRegions(c: Checker, raw: unknown, path: string): [string, Json, string][] {
  const listed: [string, Json, string][] = [];
  if (Array.isArray(raw)) {
    for (const [i, value] of raw.entries()) {
      const region = c.region(value, `${path}[${i}]`);
      if (region === undefined) continue;
      if (listed.some(([seen]) => seen === region)) c.fail(`${path}[${i}]`, `lists ${quote(region)} twice`);
      else listed.push([region, {}, `${path}.${region}`]);
    }
  } else if (isObject(raw)) {
    for (const [region, value] of Object.entries(raw)) {
      if (c.region(region, `${path}.${region}`) === undefined) continue;
      // `cn-shanghai:` with nothing after it is YAML's null: the region without options.
      const options = value === null ? {} : c.object(value, `${path}.${region}`, REGION_OPTIONS);
      if (options) listed.push([region, options, `${path}.${region}`]);
    }
  } else {
    c.fail(
      path,
      `must be a list of region ids (["cn-shanghai"]) or a map of region id to { kmsKeyId } ({ "cn-shanghai": { kmsKeyId: "..." } }); got ${quote(raw)}`,
    );
  }
  return listed;
}

/** The other regions of the entry at `path` whose `copy` is `copy` (undefined: none), as the typed map. */
function parseRegions(
  c: Checker,
  raw: unknown,
  path: string,
  copy: Json | undefined,
  home: string | undefined,
): { regions: Record<string, RegionalCopyConfig>; malformed: boolean } {
  const entryPath = path.slice(0, -".regions".length);
  const regions: Record<string, RegionalCopyConfig> = {};
  const before = c.problems.length;
  const listed = listedRegions(c, raw, path);
  const malformed = c.problems.length > before;
  if (copy === undefined && listed.some(([region]) => region !== home)) {
    c.fail(
      path,
      `needs ${entryPath}.copy: ECS copies an image shared by another account only within its own region, so the ` +
        `other regions are copied from a copy of our own in ${home ?? "the stack's region"}; add copy ({} takes the defaults)`,
    );
  }
  for (const [region, options, regionPath] of listed) {
    const kmsKeyId = c.string(options.kmsKeyId, `${regionPath}.kmsKeyId`);
    if (region === home) {
      // Listing the stack's own region is harmless (the image is there); its copy is configured by `copy`.
      if (kmsKeyId !== undefined) {
        c.fail(
          `${regionPath}.kmsKeyId`,
          `${region} is the stack's region, where ${entryPath}.copy is made: set its key as ${entryPath}.copy.kmsKeyId`,
        );
      }
      continue;
    }
    if (kmsKeyId !== undefined && copy !== undefined && copy.encrypted !== true) {
      c.fail(
        `${regionPath}.kmsKeyId`,
        `needs ${entryPath}.copy.encrypted: true (a KMS key only applies to an encrypted copy)`,
      );
    }
    if (kmsKeyId === undefined && typeof copy?.kmsKeyId === "string") {
      c.fail(
        `${regionPath}.kmsKeyId`,
        `is required: ${entryPath}.copy is encrypted with KMS key ${quote(copy.kmsKeyId)} of ${home ?? "the stack's region"}, ` +
          `and a KMS key exists in one region only; name this account's key in ${region} ` +
          `(regions as a map: { ${quote(region)}: { kmsKeyId: "..." } })`,
      );
    }
    regions[region] = kmsKeyId === undefined ? {} : { kmsKeyId };
  }
  return { regions, malformed };
}

/**
 * Validates `images` (a problem for each fault, recorded in `c`) and returns the typed catalogue, and the entries
 * whose regions could not all be read (what reaches where is then unknown, so groups are not checked against them).
 */
export function parseCatalogue(
  c: Checker,
  value: unknown,
  home: string | undefined,
): { catalogue: Record<string, CatalogueImage>; unreadRegions: Set<string> } {
  const raw = c.map(value, "images");
  if (Object.keys(raw).length === 0) c.fail("images", "must name at least one image in the catalogue");
  const catalogue: Record<string, CatalogueImage> = {};
  const unreadRegions = new Set<string>();
  for (const [name, entry] of Object.entries(raw)) {
    const path = `images.${name}`;
    const image = c.object(entry, path, ["imageId", "copy", "regions"], ["imageId"]);
    if (!image) continue;
    c.string(image.imageId, `${path}.imageId`, CUSTOM_IMAGE_ID, 'an image id like "m-bp1abc..."');
    const copy = image.copy === undefined ? undefined : parseCopy(c, image.copy, `${path}.copy`);
    if (image.regions === undefined) {
      catalogue[name] = image as unknown as CatalogueImage;
      continue;
    }
    const ownCopy = image.copy === undefined ? undefined : (copy ?? {});
    const { regions, malformed } = parseRegions(c, image.regions, `${path}.regions`, ownCopy, home);
    if (malformed) unreadRegions.add(name);
    catalogue[name] = { ...(image as unknown as CatalogueImage), regions };
  }
  return { catalogue, unreadRegions };
}

function parseCopy(c: Checker, value: unknown, path: string): Json | undefined {
  const copy = c.object(value, path, ["name", "description", "encrypted", "kmsKeyId", "tags"]);
  if (!copy) return undefined;
  c.string(
    copy.name,
    `${path}.name`,
    /^[A-Za-z\u4e00-\u9fa5][\w.:-]{1,127}$/,
    "2-128 characters, starting with a letter",
  );
  c.string(copy.description, `${path}.description`);
  c.boolean(copy.encrypted, `${path}.encrypted`);
  c.string(copy.kmsKeyId, `${path}.kmsKeyId`);
  if (copy.kmsKeyId !== undefined && copy.encrypted !== true) {
    c.fail(`${path}.kmsKeyId`, "needs encrypted: true (a KMS key only applies to an encrypted copy)");
  }
  c.tags(copy.tags, `${path}.tags`, MAX_COPY_TAGS);
  return copy;
}
