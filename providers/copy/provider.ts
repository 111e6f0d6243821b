// SharedImageCopy's dynamic provider: check (with the read-only look at the source), diff, create, read, update and
// delete wired to the pure rules and the copy protocol of this folder.
import type * as pulumi from "@pulumi/pulumi";
import { noteCheck, noteDiff, notHandedOver, recentScan, unclaimedBesides, unclaimedNotice } from "../adoption";
import { checkedRegion, configure } from "../common/lifecycle";
import { imageNotVisible, quote } from "../common/rules";
import { EcsApi } from "../ecs/api";
import { resolveSettings } from "../ecs/client";
import { resourceKey } from "../ecs/client-token";
import { EcsError, formatDuration, InvalidInputError } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { announce, copyReplaceNotice } from "../notices";
import { asOperations } from "../operation";
import { forPartialState } from "../partial";
import { type PropertyFailure, RefusedError } from "../policy/approval";
import { reportProgress } from "../progress";
import { quietErrors } from "../quiet-errors";
import type { IdentityInput } from "../resource-identity";
import { PROVENANCE_TAGS, RESERVED_TAGS } from "../tags";
import { containsUnknown, dropUndefined } from "../wire-values";
import { copyOrAdopt, handOver, removeCopy, settleCopy } from "./adopt";
import { type SharedImageCopyInputs, type SharedImageCopyOutputs, type SourceInfo, timeoutsOf } from "./args";
import { deleteCopy } from "./delete";
import { diffSharedImageCopy, makesNewCopy } from "./diff";
import { copyOutputs, IN_PROGRESS, keepInState } from "./outputs";
import { lastObserved, waitForCopy } from "./progress";
import { imageNameProblem, sourceImageFailures, validateSharedImageCopyInputs } from "./validate";

/** Resolves the defaults of `name` and `region`, applies the input rules, and looks at the source when a copy is to be made. */
async function check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult<SharedImageCopyInputs>> {
  const inputs: Record<string, unknown> = { ...news };
  const failures: PropertyFailure[] = [];
  const identity = inputs.identity as IdentityInput | undefined;
  const oldInputs = olds as Partial<SharedImageCopyInputs>;
  if (typeof identity?.urn === "string") noteCheck(identity.urn, oldInputs.identity !== undefined);
  if (inputs.name === undefined && identity && typeof identity.name === "string") {
    const problem = imageNameProblem(identity.name);
    if (problem === undefined) inputs.name = identity.name;
    else {
      failures.push({
        property: "name",
        reason: `is not set, and the resource name ${quote(identity.name)} is not a valid image name (${problem}); set name`,
      });
    }
  }
  const { region, failure } = checkedRegion(inputs.region as string | undefined, "check");
  if (failure !== undefined) failures.push(failure);
  inputs.region = region;
  failures.push(...validateSharedImageCopyInputs(inputs));
  const checked = inputs as unknown as SharedImageCopyInputs;
  const lookupBlocked = failures.some((f) => /^(sourceImageId|region|approval|identity)/.test(f.property));
  const unknown = ["sourceImageId", "region", "approval", "encrypted"].some((k) => containsUnknown(inputs[k]));
  if (!lookupBlocked && !unknown && makesNewCopy(olds as Partial<SharedImageCopyInputs>, checked)) {
    failures.push(...(await sourceLookupFailures(checked)));
  }
  return { inputs: dropUndefined(checked), failures };
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
  const timeouts = timeoutsOf(inputs);
  const source = await api.getImage(inputs.sourceImageId);
  const sourceInfo: SourceInfo = { ownerId: source?.ownerId, name: source?.name };
  // Every path that makes a copy passes the current approval here: check() sees no reason to look again for a
  // replacement of a failed copy, `pulumi up --replace`, or an approval tightened after the preview.
  const approve = () => {
    const failures: PropertyFailure[] =
      source === undefined
        ? [{ property: "sourceImageId", reason: imageNotVisible(inputs.sourceImageId, api.regionId) }]
        : sourceImageFailures(source, inputs);
    if (failures.length > 0) throw new RefusedError(failures, `Copying image ${inputs.sourceImageId}`);
  };
  const { id, earlier, leftovers } = await copyOrAdopt(api, inputs, sourceInfo, approve);
  reportProgress(
    inputs.identity.urn,
    earlier
      ? `resuming copy ${id} of ${inputs.sourceImageId}, started by an interrupted run (timeout ${formatDuration(timeouts.create)})`
      : `copying ${inputs.sourceImageId} of owner ${sourceInfo.ownerId ?? "?"} to ${id} in ${api.regionId}` +
          ` (timeout ${formatDuration(timeouts.create)})`,
  );
  try {
    const image = await waitForCopy(api, id, inputs, timeouts.create);
    // What earlier runs left goes only now that this copy is Available: a create that fails removes nothing.
    for (const leftover of leftovers) {
      reportProgress(
        inputs.identity.urn,
        `deleting ${leftover.id} (${leftover.status}): an interrupted run of this create made it`,
        { warning: true },
      );
      await removeCopy(api, leftover, inputs.identity.urn);
    }
    // Last, so that only the engine's record of the result is missing after it (adoption.ts).
    const settled = await settleCopy(api, image, inputs, sourceInfo);
    return { id, outs: copyOutputs(inputs, id, settled, sourceInfo) };
  } catch (err) {
    // The copy exists: keep it in state, handed over, so the next `pulumi up` resumes waiting (or replaces a failed
    // copy); when ECS cannot even be asked that, it is not handed over, and the next create adopts it
    // (adoption.ts notHandedOver).
    const seen = lastObserved(err) ?? (await forPartialState(() => api.getImage(id)));
    if ((await forPartialState(() => handOver(api, seen))) === undefined) throw notHandedOver(err, id);
    throw keepInState(err, id, inputs, copyOutputs(inputs, id, lastObserved(err), sourceInfo));
  }
}

async function read(
  id: string,
  props: object,
): Promise<pulumi.dynamic.ReadResult<SharedImageCopyOutputs | Record<string, never>>> {
  const stored = props as Partial<SharedImageCopyOutputs>;
  const api = EcsApi.forRegion(stored.region, "read");
  const image = await api.getImage(id);
  if (!image) return { id: "", props: {} };
  if (stored.identity?.urn) {
    const key = resourceKey(stored.identity);
    const found = await recentScan(`images:${api.regionId}`, () => api.findImagesByTag(RESERVED_TAGS.create, ""));
    for (const other of unclaimedBesides(id, key, found)) {
      reportProgress(stored.identity.urn, unclaimedNotice(other), { warning: true });
    }
  }
  const inputs = { ...stored, region: api.regionId } as SharedImageCopyInputs;
  // An adopted copy (opts.id) has no stored source: its provenance tags tell it.
  const source: SourceInfo = {
    ownerId: stored.sourceOwnerId || image.tags[PROVENANCE_TAGS.sourceOwner],
    name: stored.sourceImageName || image.tags[PROVENANCE_TAGS.sourceImageName],
  };
  return { id, props: copyOutputs(inputs, id, image, source) };
}

async function update(
  id: string,
  olds: SharedImageCopyOutputs,
  news: SharedImageCopyInputs,
): Promise<pulumi.dynamic.UpdateResult<SharedImageCopyOutputs>> {
  const api = EcsApi.forRegion(news.region, "update");
  const timeouts = timeoutsOf(news);
  const source: SourceInfo = { ownerId: olds.sourceOwnerId, name: olds.sourceImageName };
  let image = await api.getImage(id);
  if (!image) {
    throw new Error(
      `The copy ${id} no longer exists in ${api.regionId} (deleted outside Pulumi?). Fix: run pulumi refresh, then pulumi up to copy again.`,
    );
  }
  // Update is called only for what the engine holds: a copy still marked unfinished is handed over now.
  await handOver(api, image);
  if (IN_PROGRESS.has(image.status)) {
    // An earlier run timed out (partial state): resume waiting, with the create timeout the user may have raised.
    reportProgress(news.identity.urn, `resuming the wait for copy ${id} (${image.status})`);
    try {
      image = await waitForCopy(api, id, news, timeouts.create);
    } catch (err) {
      throw keepInState(err, id, news, copyOutputs(news, id, lastObserved(err) ?? image, source));
    }
  }
  const after = await settleCopy(api, image, news, source);
  return { outs: copyOutputs(news, id, after, source) };
}

/** The SharedImageCopy dynamic provider (loaded in the provider process through the thin shim). */
export const provider = quietErrors(
  asOperations(timeoutsOf, {
    configure,
    check,
    async diff(id: string, olds: SharedImageCopyOutputs, news: SharedImageCopyInputs) {
      const { changes, replaces, deleteBeforeReplace } = diffSharedImageCopy(olds, news);
      const urn = news.identity?.urn ?? olds.identity?.urn;
      if (urn !== undefined) noteDiff(urn, id, replaces.length > 0);
      if (replaces.length > 0) announce(urn, copyReplaceNotice(id, replaces, deleteBeforeReplace));
      return { changes, replaces, deleteBeforeReplace };
    },
    create,
    read,
    update,
    delete: deleteCopy,
  } satisfies pulumi.dynamic.ResourceProvider),
);
