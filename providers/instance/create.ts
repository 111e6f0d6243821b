// InstanceFromSharedImage's create: adopt what an earlier run of the same create made, or run a new instance, wait
// for Running, and hand it over to the engine (the create/adopt protocol, resumable after a crash at any step).

import { keptNotice, notHandedOver, planAdoption, takeReplaced } from "../adoption";
import { same } from "../common/equality";
import { EcsApi } from "../ecs/api";
import { resourceKey } from "../ecs/client-token";
import { isInstanceNotFound } from "../ecs/errors";
import type { InstanceView } from "../ecs/types";
import { FirstLook, instanceInStatus, listedAfterCreate, poll, pollDelays, sleepTogether } from "../ecs/wait";
import { servingOneRun } from "../engine-watch";
import { forPartialState } from "../partial";
import { passwordDigest } from "../password";
import { progressDelivered, reportProgress } from "../progress";
import { Recent } from "../recent";
import { handedOver, RESERVED_TAGS, readCreateTag, reservedTags } from "../tags";
import { dropUndefined } from "../wire-values";
import { type InstanceFromSharedImageInputs, type InstanceFromSharedImageOutputs, timeoutsOf } from "./args";
import { requireApproved } from "./cloud-check";
import { outputsOf, partial, systemDiskIdOf } from "./outputs";
import { createFingerprint, createRequest, launchTagValue } from "./request";

interface MadeInstance {
  readonly instance: InstanceView;
  /** Made by an earlier run of this create: its in-place settings and password may be out of date. */
  readonly earlier: boolean;
  /** Instances earlier runs of this resource's create left that no state holds: deleted once this one is Running. */
  readonly leftovers: readonly InstanceView[];
}

/**
 * The instance an earlier run of this create made, or a new one. Earlier runs are found by the create tag of this
 * resource (one listing serves a whole fleet) and sorted by planAdoption (providers/adoption.ts): an unfinished one
 * with the same replacing inputs is adopted (the run died, or its answer was lost), the other unfinished ones are
 * deleted once the new instance is Running (so a create that fails deletes nothing), and finished ones are adopted or
 * deleted only when diff named the instance being replaced, otherwise reported and left alone. A new instance is made
 * only after the image passed the current approval, with a ClientToken of its own for this run (see
 * providers/ecs/client-token.ts), so a destroyed and re-created stack never gets a deleted instance back.
 */
async function runOrAdopt(api: EcsApi, given: InstanceFromSharedImageInputs): Promise<MadeInstance> {
  let inputs = given;
  const urn = inputs.identity.urn;
  const fingerprint = createFingerprint(inputs);
  const key = resourceKey(inputs.identity);
  const replaced = takeReplaced(urn);
  const made = (await madeByEarlierRuns(api)).flatMap((instance) => {
    const tag = readCreateTag(instance.tags);
    if (tag?.resourceKey !== key) return [];
    const sameInputs = tag.fingerprint === fingerprint;
    return [{ id: instance.id, handedOver: tag.state === "done", sameInputs, usable: true, item: instance }];
  });
  const plan = planAdoption(made, replaced);
  for (const instance of plan.kept) reportProgress(urn, keptNotice(instance.id), { warning: true });
  if (plan.adopt !== undefined) return { instance: plan.adopt, earlier: true, leftovers: plan.leftovers };
  inputs = await requireApproved(inputs, `Creating an instance from image ${inputs.imageId}`);
  const id = await api.runInstance({
    ...createRequest(inputs, fingerprint, launchTagValue()),
    password: inputs.password,
  });
  // A new instance is neither listed nor running at once: the first look waits about as long as instances of this
  // run took (on the tick the other creates of its wave look on).
  const look = firstLook();
  // (Never much of the create's own timeout, which the wait for Running starts counting after it.)
  const delayMs = Math.min(look.delayMs, timeoutsOf(inputs).create / 4);
  await sleepTogether(delayMs);
  const instance = await listedAfterCreate(() => api.getInstance(id));
  if (instance !== undefined) look.record(delayMs, instance.status === "Running");
  if (instance === undefined) {
    throw new Error(
      `RunInstances answered ${id}, but ECS never listed that instance; run pulumi up again (the instance, if it ` +
        "appears, is adopted by its tag).",
    );
  }
  return { instance, earlier: false, leftovers: plan.leftovers };
}

/** The instances of the region that carry a create tag: every instance this package made. */
export function createTagged(api: EcsApi): Promise<InstanceView[]> {
  return api.findInstancesByTag(RESERVED_TAGS.create, "");
}

/** Listings of the instances earlier runs of creates made, per region (see madeByEarlierRuns). */
const EARLIER_RUNS = new Recent<InstanceView[]>(Number.POSITIVE_INFINITY);

/**
 * The instances carrying a create tag in the region: where a create finds what earlier runs of it made. A provider
 * process serving one engine run lists them once for all its creates: what earlier runs made exists before this
 * run starts, the stack's lock keeps other runs out, and each create makes its own instance only after looking. A
 * process that is not (a program calling the provider directly) lists them for every batch of creates.
 */
function madeByEarlierRuns(api: EcsApi): Promise<InstanceView[]> {
  const list = () => createTagged(api);
  return servingOneRun() ? EARLIER_RUNS.get(api.regionId, list) : list();
}

let firstLooks: FirstLook | undefined;

/** The first look at new instances, learned by this process from one poll interval on (../ecs/wait.ts FirstLook). */
function firstLook(): FirstLook {
  const { minDelayMs } = pollDelays();
  firstLooks ??= new FirstLook(minDelayMs, minDelayMs / 8, 15 * minDelayMs);
  return firstLooks;
}

/** DeleteInstance (Force); an instance already gone is deleted. */
export async function deleteInstance(api: EcsApi, id: string): Promise<void> {
  try {
    await api.deleteInstance(id);
  } catch (err) {
    if (!isInstanceNotFound(err)) throw err;
  }
}

/**
 * Brings an instance made by an earlier run of the create to the current in-place settings (name, description, host
 * name; the password too when `setPassword`), as update would. The OS sees a changed host name or password after
 * its next restart. Returns the instance with the attributes set.
 */
async function applyInPlaceSettings(
  api: EcsApi,
  instance: InstanceView,
  inputs: InstanceFromSharedImageInputs,
  setPassword: boolean,
): Promise<InstanceView> {
  const changed = (key: "name" | "description" | "hostName") =>
    inputs[key] !== undefined && inputs[key] !== instance[key] ? inputs[key] : undefined;
  const attributes = { name: changed("name"), description: changed("description"), hostName: changed("hostName") };
  const password = setPassword ? inputs.password : undefined;
  if (Object.values(attributes).every((v) => v === undefined) && password === undefined) return instance;
  await api.modifyInstanceAttribute(instance.id, { ...attributes, password });
  return {
    ...instance,
    name: attributes.name ?? instance.name,
    description: attributes.description ?? instance.description,
    hostName: attributes.hostName ?? instance.hostName,
  };
}

/**
 * Poll timing for waits many instances go through together (a fleet's creates or deletes): the same growing delays
 * for all, woken on shared ticks, so that every round observes a whole wave in one DescribeInstances.
 */
export function lockstep() {
  return { ...pollDelays(), random: () => 0.5, sleep: sleepTogether };
}

/** Waits for Running (with progress), then applies the in-place settings of `settings` (a create). */
export async function waitRunning(
  api: EcsApi,
  instanceId: string,
  options: {
    urn: string;
    timeoutMs: number;
    settings?: { inputs: InstanceFromSharedImageInputs; setPassword: boolean };
    /** What was just seen of the instance: judged before asking ECS. */
    seen?: InstanceView;
  },
): Promise<InstanceView> {
  const running = (await poll({
    initial: options.seen === undefined ? undefined : { observed: options.seen },
    describe: () => api.getInstance(instanceId),
    acceptor: instanceInStatus("Running"),
    what: `instance ${instanceId} to be Running`,
    timeoutMs: options.timeoutMs,
    ...lockstep(),
    onProgress: (p) => reportProgress(options.urn, `${instanceId}: ${p.reason}`, { ephemeral: true }),
  })) as InstanceView;
  const { settings } = options;
  return settings === undefined ? running : applyInPlaceSettings(api, running, settings.inputs, settings.setPassword);
}

/**
 * Marks the instance as handed to the engine (handedOver in providers/tags.ts), with `userTags` in the same call when
 * given. The last ECS call of a create: after it, only the engine's record of the result is missing.
 */
export async function handOver(api: EcsApi, instance: InstanceView, wantedUserTags?: Record<string, string>) {
  const tags = handedOver(
    wantedUserTags === undefined ? instance.tags : { ...reservedTags(instance.tags), ...wantedUserTags },
  );
  if (same(instance.tags, tags)) return instance;
  const { [RESERVED_TAGS.launch]: _launch, ...launched } = instance.tags;
  // What a create launched needs only its launch tag removed, which many creates share a call for.
  if (same(launched, tags)) await api.removeInstanceTag(instance.id, RESERVED_TAGS.launch);
  else await api.setTags("instance", instance.id, instance.tags, tags);
  return { ...instance, tags };
}

export async function create(
  inputs: InstanceFromSharedImageInputs,
): Promise<{ id: string; outs: InstanceFromSharedImageOutputs }> {
  const api = EcsApi.forRegion(inputs.region, "create");
  const urn = inputs.identity.urn;
  const made = await runOrAdopt(api, inputs);
  const instanceId = made.instance.id;
  reportProgress(
    urn,
    made.earlier
      ? `${instanceId}: made from image ${inputs.imageId} by an interrupted run, finishing it`
      : `${instanceId}: created from image ${inputs.imageId}, waiting for Running`,
  );
  const setPassword = made.earlier && inputs.password !== undefined;
  const digest = passwordDigest(urn, inputs.password);
  try {
    const running = await waitRunning(api, instanceId, {
      urn,
      timeoutMs: timeoutsOf(inputs).create,
      settings: { inputs, setPassword },
      // What the first look at a new instance saw; an earlier run's instance comes from a listing of the run's start.
      seen: made.earlier ? undefined : made.instance,
    });
    const systemDiskId = await systemDiskIdOf(api, instanceId, running.tags);
    for (const leftover of made.leftovers) {
      reportProgress(urn, `deleting ${leftover.id}: an interrupted run of this create made it, and no state holds it`, {
        warning: true,
      });
      await deleteInstance(api, leftover.id);
    }
    const done = await handOver(api, running, inputs.tags ?? {});
    await progressDelivered();
    const outs = outputsOf(inputs, done, { instanceId, systemDiskId, passwordDigest: digest });
    return { id: instanceId, outs: dropUndefined(outs) };
  } catch (err) {
    // The instance exists: keep it in state so the next `pulumi up` finishes (update) or replaces it, marked as
    // handed over; when ECS cannot even be asked that, it is not handed over, and the next create adopts it
    // (notHandedOver in providers/adoption.ts). A password still to be set is recorded as unknown, so that update
    // sets it.
    const seen = await forPartialState(() => api.getInstance(instanceId));
    const handed = seen && (await forPartialState(() => handOver(api, seen)));
    if (handed === undefined) throw notHandedOver(err, instanceId);
    const facts = { instanceId, systemDiskId: "", passwordDigest: setPassword ? undefined : digest };
    throw partial(err, instanceId, inputs, outputsOf(inputs, handed, facts));
  }
}
