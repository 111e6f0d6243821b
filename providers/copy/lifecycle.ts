// What both copy resources (SharedImageCopy, RegionalImageCopy) do the same way around their own rules: check's
// defaults, diff's notices, and create, read and update: copy or adopt, wait with progress, remove leftovers, settle,
// and keep a copy that failed or timed out in state so that the next `pulumi up` resumes it. Each resource passes how
// its state is built from a view of the copy.
import { noteCheck, noteDiff, notHandedOver, recentScan, unclaimedBesides, unclaimedNotice } from "../adoption";
import { checkedRegion } from "../common/lifecycle";
import { quote } from "../common/rules";
import { EcsApi } from "../ecs/api";
import { resourceKey } from "../ecs/client-token";
import { formatDuration } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { announce, copyReplaceNotice } from "../notices";
import { forPartialState } from "../partial";
import type { PropertyFailure } from "../policy/approval";
import { reportProgress } from "../progress";
import type { IdentityInput } from "../resource-identity";
import { PROVENANCE_TAGS, RESERVED_TAGS } from "../tags";
import { containsUnknown, dropUndefined } from "../wire-values";
import { type CopyPlan, copyOrAdopt, handOver, removeCopy, settleCopy } from "./adopt";
import { type ImageCopyDiff, type ImageCopyFacts, type ImageCopyInputs, type SourceInfo, timeoutsOf } from "./args";
import { IN_PROGRESS, keepInState } from "./outputs";
import { explainFailedCopy, lastObserved, waitForCopy } from "./progress";
import { imageNameProblem } from "./validate";

/** What a copy resource's check() applies, besides what checkCopy does for both. */
export interface CopyCheck<I> {
  /** The input whose default is the stack's region. */
  readonly regionKey: "region" | "sourceRegion";
  /** The resource's input rules (no ECS calls). */
  readonly validate: (inputs: Record<string, unknown>) => PropertyFailure[];
  /** The inputs the look at ECS needs: a failure on one of them, or a value still unknown, skips it. */
  readonly lookupKeys: readonly string[];
  /** Whether the inputs make a new copy, the only case that looks at ECS (an existing copy stays what it is). */
  readonly makesNew: (olds: Partial<I>, news: I) => boolean;
  /** The read-only look at ECS: the source (and what else the resource needs), as failures. */
  readonly lookup: (inputs: I) => Promise<PropertyFailure[]>;
}

/**
 * A copy resource's check(): the defaults of `name` and the region, the input rules, then, for a new copy whose
 * inputs are known and valid, the look at ECS.
 */
export async function checkCopy<I extends ImageCopyInputs>(
  olds: object,
  news: object,
  rules: CopyCheck<I>,
): Promise<{ inputs: I; failures: PropertyFailure[] }> {
  const { inputs, failures } = checkDefaults(olds, news, rules.regionKey);
  failures.push(...rules.validate(inputs));
  const checked = inputs as unknown as I;
  const blocking = [...rules.lookupKeys, "identity"];
  const blocked = failures.some((f) => blocking.some((key) => f.property.startsWith(key)));
  const unknown = [...rules.lookupKeys, "encrypted"].some((key) => containsUnknown(inputs[key]));
  if (!blocked && !unknown && rules.makesNew(olds as Partial<I>, checked))
    failures.push(...(await rules.lookup(checked)));
  return { inputs: dropUndefined(checked), failures };
}

/**
 * Notes the check for adoption, and resolves the default of `name` (the resource's name) and of the region property
 * `regionKey` (the stack's region). Returns the inputs and the failures.
 */
function checkDefaults(
  olds: object,
  news: object,
  regionKey: "region" | "sourceRegion",
): { inputs: Record<string, unknown>; failures: PropertyFailure[] } {
  const inputs: Record<string, unknown> = { ...news };
  const failures: PropertyFailure[] = [];
  const identity = inputs.identity as IdentityInput | undefined;
  const oldIdentity = (olds as Partial<ImageCopyInputs>).identity;
  if (typeof identity?.urn === "string") noteCheck(identity.urn, oldIdentity !== undefined);
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
  const { region, failure } = checkedRegion(inputs[regionKey] as string | undefined, "check");
  if (failure !== undefined) failures.push({ ...failure, property: regionKey });
  inputs[regionKey] = region;
  return { inputs, failures };
}

/** A copy resource's diff() around its pure diff: noted for adoption (adoption.ts), a replacement announced. */
export function copyDiff<O extends Partial<ImageCopyInputs>, I extends ImageCopyInputs>(
  diffOf: (olds: O, news: I) => ImageCopyDiff,
) {
  return async (id: string, olds: O, news: I) => {
    const { changes, replaces, deleteBeforeReplace } = diffOf(olds, news);
    const urn = news.identity?.urn ?? olds.identity?.urn;
    if (urn !== undefined) noteDiff(urn, id, replaces.length > 0);
    if (replaces.length > 0) announce(urn, copyReplaceNotice(id, replaces, deleteBeforeReplace));
    return { changes, replaces, deleteBeforeReplace };
  };
}

/** A resource's state from a view of its copy (undefined: not listed yet) and what is known of the original. */
export type StateOf<I, O> = (inputs: I, id: string, image: ImageView | undefined, source: SourceInfo) => O;

/** What a create needs besides the inputs: how to copy, the original's facts, the rules and the first message. */
export interface CreateCopy extends CopyPlan {
  readonly source: SourceInfo;
  /** Throws when the copy may not be made (called only when no earlier run's copy is adopted). */
  readonly approve: () => void;
  /** The progress line of a new copy `id`. */
  readonly started: (id: string) => string;
}

/** Makes (or adopts) the copy, waits for it, removes what interrupted runs left, and settles it. */
export async function createCopy<I extends ImageCopyInputs, O extends ImageCopyFacts>(
  api: EcsApi,
  inputs: I,
  how: CreateCopy,
  stateOf: StateOf<I, O>,
): Promise<{ id: string; outs: O }> {
  const timeouts = timeoutsOf(inputs);
  const { id, earlier, leftovers } = await copyOrAdopt(api, inputs, how, how.approve);
  reportProgress(
    inputs.identity.urn,
    earlier
      ? `resuming copy ${id} of ${inputs.sourceImageId}, started by an interrupted run (timeout ${formatDuration(timeouts.create)})`
      : `${how.started(id)} (timeout ${formatDuration(timeouts.create)})`,
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
    const settled = await settleCopy(api, image, inputs, how.provenance);
    return { id, outs: stateOf(inputs, id, settled, how.source) };
  } catch (caught) {
    // The copy exists: keep it in state, handed over, so the next `pulumi up` resumes waiting (or replaces a failed
    // copy); when ECS cannot even be asked that, it is not handed over, and the next create adopts it
    // (adoption.ts notHandedOver).
    const err = explainFailedCopy(caught, inputs);
    const seen = lastObserved(err) ?? (await forPartialState(() => api.getImage(id)));
    if ((await forPartialState(() => handOver(api, seen))) === undefined) throw notHandedOver(err, id);
    throw keepInState(err, id, inputs, stateOf(inputs, id, lastObserved(err), how.source));
  }
}

/**
 * A copy resource's read(): the copy as ECS has it now (an empty id when it is gone), warning about copies of this
 * resource nobody holds. An adopted copy (opts.id) has no stored source: its provenance tags tell it.
 */
export async function readCopy<O extends ImageCopyInputs & Partial<ImageCopyFacts>>(
  id: string,
  props: O,
  stateOf: StateOf<O, O>,
): Promise<{ id: string; props: O | Record<string, never> }> {
  const api = EcsApi.forRegion(props.region, "read");
  const stored = { ...props, region: api.regionId };
  const image = await api.getImage(id);
  if (!image) return { id: "", props: {} };
  if (stored.identity?.urn) {
    const key = resourceKey(stored.identity);
    const found = await recentScan(`images:${api.regionId}`, () => api.findImagesByTag(RESERVED_TAGS.create, ""));
    for (const other of unclaimedBesides(id, key, found)) {
      reportProgress(stored.identity.urn, unclaimedNotice(other), { warning: true });
    }
  }
  const source: SourceInfo = {
    ownerId: stored.sourceOwnerId || image.tags[PROVENANCE_TAGS.sourceOwner],
    name: stored.sourceImageName || image.tags[PROVENANCE_TAGS.sourceImageName],
  };
  return { id, props: stateOf(stored, id, image, source) };
}

/**
 * A copy resource's update(): resumes waiting for a copy an earlier run left unfinished, then brings it to the
 * inputs, giving it `provenance` (settleCopy).
 */
export async function updateCopy<I extends ImageCopyInputs, O extends ImageCopyFacts>(
  id: string,
  olds: ImageCopyFacts,
  news: I,
  provenance: CopyPlan["provenance"],
  stateOf: StateOf<I, O>,
): Promise<{ outs: O }> {
  const api = EcsApi.forRegion(news.region, "update");
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
      image = await waitForCopy(api, id, news, timeoutsOf(news).create);
    } catch (caught) {
      const err = explainFailedCopy(caught, news);
      throw keepInState(err, id, news, stateOf(news, id, lastObserved(err) ?? image, source));
    }
  }
  return { outs: stateOf(news, id, await settleCopy(api, image, news, provenance), source) };
}
