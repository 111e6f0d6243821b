// RegionalImageCopy's dynamic provider: check (the rules, then a read-only look at the source and the region list),
// diff, create (CopyImage sent in the source's region, everything else in the destination's), read, update and
// delete, on the copy protocol both copy resources share (../copy/).
import type * as pulumi from "@pulumi/pulumi";
import { configure } from "../common/lifecycle";
import { copyFingerprint } from "../copy/adopt";
import { type SourceInfo, timeoutsOf } from "../copy/args";
import { deleteCopy } from "../copy/delete";
import { checkCopy, copyDiff, createCopy, readCopy, updateCopy } from "../copy/lifecycle";
import { inCopyQueue } from "../copy/queue";
import { sourceImageIdFailure } from "../copy/validate";
import { EcsApi } from "../ecs/api";
import { EcsError, InvalidInputError } from "../ecs/errors";
import type { Tags } from "../ecs/types";
import { announce } from "../notices";
import { asOperations } from "../operation";
import { type PropertyFailure, RefusedError } from "../policy/approval";
import { quietErrors } from "../quiet-errors";
import { PROVENANCE_TAGS } from "../tags";
import { containsUnknown } from "../wire-values";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "./args";
import { diffRegionalImageCopy, makesNewRegionalCopy } from "./diff";
import { regionalOutputs } from "./outputs";
import {
  carriedProvenance,
  noProvenanceWarning,
  regionalSourceFailures,
  regionFailures,
  validateRegionalImageCopyInputs,
} from "./validate";

/** Resolves `name` and `sourceRegion`, applies the input rules, and looks at source and regions for a new copy. */
function check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult<RegionalImageCopyInputs>> {
  return checkCopy<RegionalImageCopyInputs>(olds, news, {
    regionKey: "sourceRegion",
    validate: validateRegionalImageCopyInputs,
    // The source is typically a first hop still unknown at the stack's first preview: the regions are checked anyway.
    lookupKeys: ["sourceRegion", "region"],
    makesNew: makesNewRegionalCopy,
    lookup: lookupFailures,
  });
}

/** Read-only: both regions are ones ECS knows, the source (once known and well-formed) an Available own image. */
async function lookupFailures(inputs: RegionalImageCopyInputs): Promise<PropertyFailure[]> {
  try {
    const api = EcsApi.forRegion(inputs.sourceRegion, "check");
    const regions = regionFailures(inputs, await api.regionIds());
    const id = inputs.sourceImageId;
    if (regions.length > 0 || containsUnknown(id) || sourceImageIdFailure(id, "") !== undefined) return regions;
    const source = await api.getImage(inputs.sourceImageId);
    const failures = regionalSourceFailures(source, inputs);
    const warning = source === undefined || failures.length > 0 ? undefined : noProvenanceWarning(source);
    if (warning !== undefined) announce(inputs.identity.urn, warning);
    return failures;
  } catch (err) {
    if (err instanceof InvalidInputError) return [{ property: err.property, reason: err.reason }];
    if (err instanceof EcsError) return [{ property: "sourceImageId", reason: `could not be checked: ${err.message}` }];
    throw err;
  }
}

/** The original shared image, as the provenance the copy carries names it. */
function originalOf(provenance: Tags): SourceInfo {
  return { ownerId: provenance[PROVENANCE_TAGS.sourceOwner], name: provenance[PROVENANCE_TAGS.sourceImageName] };
}

async function create(inputs: RegionalImageCopyInputs): Promise<pulumi.dynamic.CreateResult<RegionalImageCopyOutputs>> {
  const api = EcsApi.forRegion(inputs.region, "create");
  const sourceApi = EcsApi.forRegion(inputs.sourceRegion, "create");
  return inCopyQueue(api, inputs.identity.urn, async () => {
    const source = await sourceApi.getImage(inputs.sourceImageId);
    const provenance = carriedProvenance(source);
    return createCopy(
      api,
      inputs,
      {
        sourceApi,
        fingerprint: copyFingerprint(inputs, api.regionId, { sourceRegion: sourceApi.regionId }),
        provenance,
        source: originalOf(provenance),
        // The rules again, as ECS has the source now: check() does not look for a replacement it did not see coming.
        approve: () => {
          const failures = regionalSourceFailures(source, inputs);
          if (failures.length > 0) throw new RefusedError(failures, `Copying image ${inputs.sourceImageId}`);
        },
        started: (id) => `copying ${inputs.sourceImageId} from ${sourceApi.regionId} to ${id} in ${api.regionId}`,
      },
      regionalOutputs,
    );
  });
}

/** The RegionalImageCopy dynamic provider (loaded in the provider process through the thin shim). */
export const provider = quietErrors(
  asOperations(timeoutsOf, {
    configure,
    check,
    diff: copyDiff(diffRegionalImageCopy),
    create,
    read: (id: string, props: object) => readCopy(id, props as RegionalImageCopyOutputs, regionalOutputs),
    // The copy keeps the provenance tags it was made with (settleCopy keeps the package's own tags).
    update: (id: string, olds: RegionalImageCopyOutputs, news: RegionalImageCopyInputs) =>
      updateCopy(id, olds, news, {}, regionalOutputs),
    delete: deleteCopy,
  } satisfies pulumi.dynamic.ResourceProvider),
);
