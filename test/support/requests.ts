// What the provider tests ask of the emulator's request log and of a call expected to fail, written once so every
// test file reads the log the same way.
import type { RunningEmulator } from "../../emulator";
import type { PartialStateError } from "../../providers/partial";

/** The error a call rejected with; fails the test when the call succeeded. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Partial<PartialStateError>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Partial<PartialStateError>;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

/** Readers of the request log of the emulator `emu()` returns (a getter: the emulator starts in beforeAll). */
export function requestLog(emu: () => RunningEmulator) {
  const callsSince = (since: number, action?: string) => emu().admin.requests({ since, action });
  return {
    /** The seq of the last request so far; pass it to the readers below to see only what came after. */
    lastSeq: () => emu().admin.requests().at(-1)?.seq ?? 0,
    /** The requests after `since`, of `action` when given. */
    callsSince,
    /** The actions of the mutating requests after `since`. */
    mutatingSince: (since: number) =>
      callsSince(since)
        .filter((r) => r.mutating)
        .map((r) => r.action),
  };
}
