// What check() saw, for the create that follows it. The engine calls check and then create for each resource of a
// deployment on the same provider process; create itself gets only the inputs. Whether the engine had the resource
// before (check's old inputs) decides what a create may adopt: for a resource new to the engine, whatever an
// earlier, unrecorded run of its create made is the resource; for one being replaced, the finished instance of the
// same resource is the one the engine will delete next. Kept in memory only: it must not change the stored inputs.

const NEW_TO_THE_ENGINE = new Set<string>();

/** Called by check(): `hadState` is whether the engine passed old inputs for the resource `urn`. */
export function rememberCheck(urn: string, hadState: boolean): void {
  if (hadState) NEW_TO_THE_ENGINE.delete(urn);
  else NEW_TO_THE_ENGINE.add(urn);
}

/** Whether the last check of `urn` in this process saw no state for it (a create of a new resource). */
export function checkedAsNew(urn: string): boolean {
  return NEW_TO_THE_ENGINE.has(urn);
}
