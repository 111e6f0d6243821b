// The GitOps report's danger for an ImageShare: what an unshare takes from the accounts it removes (the ECS guide's
// warning), so a reviewer sees it beside the deletes and re-images before approving the change.
import type { Step } from "./events";
import type { Category, Change } from "./model";

/**
 * What an ImageShare change takes from the accounts it unshares (the ECS guide's warning): a delete or replacement
 * unshares the image from every account the resource manages; an update, the accounts its provider warned about.
 */
export function unshareDanger(
  step: Step,
  category: Category,
  changes: readonly Change[],
  forced: readonly Change[],
  notices: readonly string[],
) {
  const image = String(step.old?.inputs.imageId ?? "the image");
  const managed = step.old?.outputs.accountIds;
  const accounts = Array.isArray(managed) && managed.length > 0 ? ` (${managed.join(", ")})` : "";
  const lost = (who: string) =>
    `the share of ${image} with ${who}: instances built from it there can no longer re-initialize their system ` +
    "disks, and no new copy or instance can be made from it";
  if (category === "delete") {
    return {
      what: "unshares the image from the accounts it manages",
      because: [],
      lost: lost(`its accounts${accounts}`),
    };
  }
  if (category === "replace") {
    return {
      what: "replaces the share (the old image is unshared from its accounts)",
      because: forced,
      lost: lost(`its accounts${accounts}`),
    };
  }
  if (category === "update" && notices.some((n) => n.startsWith("stops sharing image"))) {
    const because = changes.filter((c) => /^(accountIds|exclusive|unmanagedAccountIds)\b/.test(c.path));
    return {
      what: "stops sharing the image with some accounts",
      because,
      lost: lost("the accounts the warning names"),
    };
  }
  return undefined;
}
