// SharedImageCopy's dynamic provider: check (with the read-only look at the source), diff, create, read, update and
// delete wired to the pure rules and the copy protocol of this folder.
import type * as pulumi from "@pulumi/pulumi";
import { configure } from "../common/lifecycle";
import { imageNotVisible } from "../common/rules";
import { EcsApi } from "../ecs/api";
import { resolveSettings } from "../ecs/client";
import { EcsError, InvalidInputError } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { asOperations } from "../operation";
import { type PropertyFailure, provenanceTags, RefusedError } from "../policy/approval";
import { quietErrors } from "../quiet-errors";
import { copyFingerprint } from "./adopt";
import { type SharedImageCopyInputs, type SharedImageCopyOutputs, type SourceInfo, timeoutsOf } from "./args";
import { deleteCopy } from "./delete";
import { diffSharedImageCopy, makesNewCopy } from "./diff";
import { checkCopy, copyDiff, createCopy, readCopy, updateCopy } from "./lifecycle";
import { copyOutputs } from "./outputs";
import { inCopyQueue } from "./queue";
import { sourceImageFailures, validateSharedImageCopyInputs } from "./validate";

/** Resolves the defaults of `name` and `region`, applies the input rules, and looks at the source when a copy is to be made. */
function check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult<SharedImageCopyInputs>> {
  return checkCopy<SharedImageCopyInputs>(olds, news, {
    regionKey: "region",
    validate: validateSharedImageCopyInputs,
    lookupKeys: ["sourceImageId", "region", "approval"],
    makesNew: makesNewCopy,
    lookup: sourceLookupFailures,
  });
}

/** Read-only: the source must be visible here, shared, approved and Available; a cross-region copy is refused. */
async function sourceLookupFailures(inputs: SharedImageCopyInputs): Promise<PropertyFailure[]> {
  try {
    const api = EcsApi.forRegion(inputs.region, "check");
    const image = await api.getImage(inputs.sourceImageId);
    if (image) return sourceImageFailures(image, inputs);
    const elsewhere = await findInDefaultRegion(inputs);
    if (elsewhere && elsewhere.ownerAlias === "others") {
      return [
        {
          property: "region",
          reason:
            `a cross-region copy is refused: image ${elsewhere.id} ("${elsewhere.name}") of owner ${elsewhere.ownerId} is in ` +
            `${elsewhere.regionId}, and ECS copies an image shared by another account only within its own region ` +
            `(OperationDenied.SameRegionOnly); set region to "${elsewhere.regionId}"`,
        },
      ];
    }
    return [
      {
        property: "sourceImageId",
        reason: imageNotVisible(inputs.sourceImageId, inputs.region),
      },
    ];
  } catch (err) {
    if (err instanceof InvalidInputError) return [{ property: err.property, reason: err.reason }];
    if (err instanceof EcsError) {
      return [{ property: "sourceImageId", reason: `could not be checked: ${err.message}` }];
    }
    throw err;
  }
}

/** The source looked up in the stack's default region, when the copy is for another one. */
async function findInDefaultRegion(inputs: SharedImageCopyInputs): Promise<ImageView | undefined> {
  let defaultRegion: string;
  try {
    defaultRegion = resolveSettings(undefined, "check").regionId;
  } catch (err) {
    // No usable default region or credentials: there is nowhere else to look. Anything else is a bug.
    if (err instanceof InvalidInputError || err instanceof EcsError) return undefined;
    throw err;
  }
  if (defaultRegion === inputs.region) return undefined;
  return EcsApi.forRegion(defaultRegion, "check").getImage(inputs.sourceImageId);
}

async function create(inputs: SharedImageCopyInputs): Promise<pulumi.dynamic.CreateResult<SharedImageCopyOutputs>> {
  const api = EcsApi.forRegion(inputs.region, "create");
  return inCopyQueue(api, inputs.identity.urn, () => copy(api, inputs));
}

/** The create once a copy slot is free (queue.ts): the source as ECS has it now, then the copy. */
async function copy(api: EcsApi, inputs: SharedImageCopyInputs): Promise<{ id: string; outs: SharedImageCopyOutputs }> {
  const source = await api.getImage(inputs.sourceImageId);
  const sourceInfo: SourceInfo = { ownerId: source?.ownerId, name: source?.name };
  return createCopy(
    api,
    inputs,
    {
      sourceApi: api,
      fingerprint: copyFingerprint(inputs, api.regionId),
      provenance: provenanceTags({ ...sourceInfo, imageId: inputs.sourceImageId }),
      source: sourceInfo,
      // Every path that makes a copy passes the current approval here: check() sees no reason to look again for a
      // replacement of a failed copy, `pulumi up --replace`, or an approval tightened after the preview.
      approve: () => {
        const failures: PropertyFailure[] =
          source === undefined
            ? [{ property: "sourceImageId", reason: imageNotVisible(inputs.sourceImageId, api.regionId) }]
            : sourceImageFailures(source, inputs);
        if (failures.length > 0) throw new RefusedError(failures, `Copying image ${inputs.sourceImageId}`);
      },
      started: (id) =>
        `copying ${inputs.sourceImageId} of owner ${sourceInfo.ownerId ?? "?"} to ${id} in ${api.regionId}`,
    },
    copyOutputs,
  );
}

/** The provenance an update keeps on the copy (also given to copies made before the tags existed). */
const provenanceOf = (olds: SharedImageCopyOutputs, news: SharedImageCopyInputs) =>
  provenanceTags({ ownerId: olds.sourceOwnerId, name: olds.sourceImageName, imageId: news.sourceImageId });

/** The SharedImageCopy dynamic provider (loaded in the provider process through the thin shim). */
export const provider = quietErrors(
  asOperations(timeoutsOf, {
    configure,
    check,
    diff: copyDiff(diffSharedImageCopy),
    create,
    read: (id: string, props: object) => readCopy(id, props as SharedImageCopyOutputs, copyOutputs),
    update: (id: string, olds: SharedImageCopyOutputs, news: SharedImageCopyInputs) =>
      updateCopy(id, olds, news, provenanceOf(olds, news), copyOutputs),
    delete: deleteCopy,
  } satisfies pulumi.dynamic.ResourceProvider),
);
