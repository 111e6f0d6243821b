// Fixtures shared by SharedImageCopy's rule tables (test/unit) and its emulator-backed tests: inputs as check()
// passes them on, and the outputs of a finished copy of the demo's plain golden image.
import { DEMO } from "../../emulator/demo-credentials";
import type { SharedImageCopyInputs, SharedImageCopyOutputs } from "../../providers/copy/args";
import type { IdentityInput } from "../../providers/resource-identity";
import { SHARED_IMAGE_COPY_TYPE } from "../../providers/shared-image-copy";
import { resourceIdentity } from "./identity";

export const approval = { approvedOwners: [DEMO.owner.accountId] };

export function identity(name = "golden-copy"): IdentityInput {
  return resourceIdentity(SHARED_IMAGE_COPY_TYPE, name, "proj", "dev");
}

export function inputs(over: Partial<SharedImageCopyInputs> = {}): SharedImageCopyInputs {
  return {
    identity: identity(),
    sourceImageId: DEMO.images.plain,
    region: DEMO.region,
    name: "golden-copy",
    approval,
    ...over,
  };
}

export const outputs = (over: Partial<SharedImageCopyOutputs> = {}): SharedImageCopyOutputs => ({
  ...inputs(),
  imageId: "m-copy1",
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
