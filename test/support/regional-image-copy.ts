// Fixtures of RegionalImageCopy's rule tables (test/unit) and emulator-backed tests: inputs as check() passes them on,
// and, against the emulator, the first hop (a SharedImageCopy of the demo's plain golden image) a regional copy
// starts from.
import { DEMO } from "../../emulator/demo-credentials";
import { REGIONAL_IMAGE_COPY } from "../../providers/regional-copy/resource";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "../../providers/regional-image-copy";
import { provider } from "../../providers/regional-image-copy";
import type { IdentityInput } from "../../providers/resource-identity";
import { resourceIdentity } from "./identity";
import { inputs as firstHopInputs } from "./shared-image-copy";
import { made as firstHop } from "./shared-image-copy-emulator";

export function regionalIdentity(name = "golden-sh"): IdentityInput {
  return resourceIdentity(REGIONAL_IMAGE_COPY.typeToken, name, "proj", "dev");
}

export function regionalInputs(over: Partial<RegionalImageCopyInputs> = {}): RegionalImageCopyInputs {
  return {
    identity: regionalIdentity(),
    sourceImageId: "m-firsthop1",
    sourceRegion: DEMO.region,
    region: DEMO.otherRegion,
    name: "golden-sh",
    ...over,
  };
}

export const regionalOutputs = (over: Partial<RegionalImageCopyOutputs> = {}): RegionalImageCopyOutputs => ({
  ...regionalInputs(),
  imageId: "m-regional1",
  status: "Available",
  progress: 100,
  sourceOwnerId: DEMO.owner.accountId,
  sourceImageName: "golden-base-2024-10",
  accountId: DEMO.workload.accountId,
  description: "",
  tags: {},
  encrypted: false,
  kmsKeyId: "",
  size: 40,
  isCopied: true,
  ...over,
});

/** The first hop in the emulator: a SharedImageCopy of the plain golden image in cn-hangzhou; its image id. */
export async function firstHopCopy(name = "golden-copy"): Promise<string> {
  const { id } = await firstHop(firstHopInputs({ name }));
  return id;
}

/** create() with the outputs it always returns typed as such. */
export async function madeRegional(
  news: RegionalImageCopyInputs,
): Promise<{ id: string; outs: RegionalImageCopyOutputs }> {
  const result = await provider.create(news);
  return { id: result.id, outs: result.outs as RegionalImageCopyOutputs };
}
