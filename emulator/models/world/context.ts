// What the parts of a world file share while it is read: the state and callers being built, and the places (regions
// and zones) read first, against which every other part's regionId and zoneId is checked.
import type { Callers, State } from "../types";
import { fail, type Json, str } from "./schema";

export interface WorldContext {
  state: State;
  callers: Callers;
  /** The load time, as the creation and share time of what the world declares. */
  iso: string;
  /** zoneId -> regionId. */
  zones: Map<string, string>;
  /** The account ids the world declares (read before any account's resources, so shares can name any of them). */
  accountIds: Set<string>;
}

/** `o.regionId`, which must be a region of the world. */
export function regionOf(ctx: WorldContext, o: Json, path: string): string {
  const regionId = str(o, "regionId", path);
  if (!ctx.state.regions.some((r) => r.regionId === regionId))
    fail(`${path}.regionId`, `unknown region ${JSON.stringify(regionId)}`);
  return regionId;
}
