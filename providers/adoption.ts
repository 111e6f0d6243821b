// What a create may do with the instances (or copies) earlier runs of the same resource made, found by their create
// tag (tags.ts). A create gets only the new inputs, and the engine calls it both for a resource new to it and for a
// replacement; what it holds in state it never says. What it does say, in this order and on the same provider
// process: check(old inputs, new inputs) for a resource it holds; diff(id, old outputs, new inputs), which tells us
// the id of the resource that a replacement replaces; then, for that replacement, check again without old inputs,
// and create. A replacement the engine decides without asking diff (`pulumi up --replace`, the options
// replaceOnChanges and replaceWith) looks exactly like a new resource: check without old inputs, then create. And the
// engine may hold several resources under one name (the live one, and old ones whose delete is still pending). So
// the create tag says whether a create handed a resource to the engine: one it did may be held, whatever diff said;
// one it did not is held by nobody (a create that cannot mark what it made does not hand it over: notHandedOver).

import { Recent } from "./recent";
import { readCreateTag } from "./tags";

/** diff() said `id` is replaced; kept until the next check of the same resource. */
const REPLACING = new Map<string, string>();
/** The id the coming create replaces, moved here by the check without old inputs that precedes it. */
const FOR_CREATE = new Map<string, string>();

/** Called by diff() of the resource `urn` (in state as `id`) with whether the diff replaces it. */
export function noteDiff(urn: string, id: string, replaces: boolean): void {
  if (replaces) REPLACING.set(urn, id);
  else REPLACING.delete(urn);
}

/**
 * Called by check(): with old inputs, the first check of a resource the engine holds (what an earlier diff said no
 * longer applies); without, the check that precedes a create, which takes over what the diff said, if anything.
 */
export function noteCheck(urn: string, hasOldInputs: boolean): void {
  const replaced = hasOldInputs ? undefined : REPLACING.get(urn);
  REPLACING.delete(urn);
  if (replaced === undefined) FOR_CREATE.delete(urn);
  else FOR_CREATE.set(urn, replaced);
}

/**
 * Called once by create(): the id of the resource this create replaces when diff said so; undefined for a new
 * resource and for a replacement nobody asked diff about.
 */
export function takeReplaced(urn: string): string | undefined {
  const replaced = FOR_CREATE.get(urn);
  FOR_CREATE.delete(urn);
  return replaced;
}

/** One resource an earlier run of this create made. */
export interface Made<T> {
  readonly id: string;
  /** Its create tag says the create returned it to the engine (as a result or as partial state). */
  readonly handedOver: boolean;
  /** Made with this create's replacing inputs. */
  readonly sameInputs: boolean;
  /** Still worth finishing (a failed copy is not). */
  readonly usable: boolean;
  readonly item: T;
}

export interface AdoptionPlan<T> {
  /** Finished by this create instead of making a new one. */
  readonly adopt?: T;
  /** Deleted once the new (or adopted) resource is ready: no state holds them. */
  readonly leftovers: readonly T[];
  /** Left alone and reported: the engine may hold them. */
  readonly kept: readonly T[];
}

/**
 * Pure decision over what earlier runs made. The resource being replaced (`replacedId`) is never touched: the engine
 * deletes it. One the create never handed over is, as far as the provider can know, in no state: the first usable
 * one with the same inputs is adopted, the others are leftovers. One it handed over may be held by the engine, and
 * not only as the resource diff named: a replacement whose old resource could not be deleted leaves that one in
 * state, pending deletion, under the same resource, so a revert would find it with the very inputs it asks for.
 * Adopting it would hand the engine a resource it is about to delete; so a handed-over one is kept and reported,
 * at the price of a duplicate when a create is killed between its hand-over and the engine recording it. A failed
 * one is a leftover in any case: nobody can use it, and deleting one the engine holds only spares the engine that
 * delete.
 */
export function planAdoption<T>(made: readonly Made<T>[], replacedId: string | undefined): AdoptionPlan<T> {
  let adopt: T | undefined;
  const leftovers: T[] = [];
  const kept: T[] = [];
  for (const m of made) {
    if (m.id === replacedId) continue;
    if (adopt === undefined && !m.handedOver && m.sameInputs && m.usable) adopt = m.item;
    else if (!m.handedOver || !m.usable) leftovers.push(m.item);
    else kept.push(m.item);
  }
  return { adopt, leftovers, kept };
}

/** The warning for a kept resource. */
export function keptNotice(id: string): string {
  return (
    `${id} carries this resource's create tag and is left alone: when it is the one this run replaces, the engine ` +
    "deletes it (now, or as a delete left pending by an earlier run); otherwise an interrupted run made it, no " +
    "state holds it, and it should be deleted"
  );
}

/**
 * The error of a create that failed and could not even mark its resource as handed over (ECS could not be asked).
 * It is then not handed over at all: no partial state, so that "pending" keeps meaning "no state holds it", and the
 * next run of this create adopts it (a `pulumi up --replace` of a resource in state with a pending tag would
 * otherwise adopt the very resource the engine then deletes).
 */
export function notHandedOver(cause: unknown, id: string): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `${message} (${id} could not be marked as handed over to Pulumi, so Pulumi does not record it: the next ` +
      "`pulumi up` of this resource adopts it; if you remove the resource from the program instead, delete " +
      `${id} by hand)`,
  );
}

/**
 * The ids of resources an interrupted run of the resource `key` made and never handed over, among `found`, other
 * than the one in state (`id`): what a replacement killed before the engine recorded it leaves when the change is
 * then reverted (no create runs again to find them). Refresh names them.
 */
export function unclaimedBesides(
  id: string,
  key: string,
  found: readonly { readonly id: string; readonly tags: Readonly<Record<string, string>> }[],
): string[] {
  return found.flatMap((other) => {
    const tag = readCreateTag(other.tags);
    return other.id !== id && tag?.resourceKey === key && tag.state !== "done" ? [other.id] : [];
  });
}

/** The refresh warning for one of them. */
export function unclaimedNotice(id: string): string {
  return (
    `${id} was made by an interrupted run of this resource and no state holds it: delete it (a later replacement ` +
    "of this resource would delete it too)"
  );
}

/** How long one listing for unclaimed leftovers serves the reads of a refresh. */
const SCANS = new Recent<unknown[]>(60_000);

/**
 * The listing behind unclaimedBesides, shared by every read of one refresh in this process (`key` names the kind
 * and region): a refresh of N resources then costs one listing, not one per batch of reads. Creates never use it:
 * adoption needs what exists now.
 */
export function recentScan<T>(key: string, list: () => Promise<T[]>, now = Date.now()): Promise<T[]> {
  return SCANS.get(key, list, now) as Promise<T[]>;
}
