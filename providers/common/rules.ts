// Rules every resource applies to the same kind of input (region and image ids, the wording of a missing image), so
// that the resources cannot drift apart; pure, table-tested in test/unit/common.test.ts.

/** A value as a check() failure quotes it. */
export const quote = (value: unknown): string => JSON.stringify(value);

/** An ECS region id, e.g. "cn-hangzhou" (zone ids, "cn-hangzhou-h", match it too). */
export const REGION_ID = /^[a-z]{2}-[a-z0-9-]+$/;

/** Any image id ECS accepts where an image is launched: custom ("m-…") and public images alike. */
export const IMAGE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** The id of a custom image ("m-…"): what is shared between accounts, copied and approved. */
export const CUSTOM_IMAGE_ID = /^m-[A-Za-z0-9]{1,60}$/;

/** A test for values that are strings `pattern` matches. */
export const matches =
  (pattern: RegExp) =>
  (value: unknown): boolean =>
    typeof value === "string" && pattern.test(value);

/** Why an image that DescribeImages does not return in the region cannot be used. */
export function imageNotVisible(imageId: string, regionId: string): string {
  return (
    `image ${imageId} is not visible to this account in ${regionId}: it does not exist there, ` +
    "or its owner has not shared it with this account (or revoked the share)"
  );
}
