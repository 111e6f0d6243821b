// Request log entries for the reliability suite's unit tests (test/unit/chaos-*.test.ts): times counted in seconds
// from one fixed start, and requests that succeeded unless told otherwise.
import type { LoggedRequest } from "../../scripts/chaos/figures";

/** The start of the log, in ms since the epoch. */
export const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** The time `s` seconds after the start, as the request log writes it. */
export const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A request the log holds, at the start, answered 200 unless `extra` says otherwise. */
export function req(
  action: string,
  params: Record<string, string> = {},
  extra: Partial<LoggedRequest> = {},
): LoggedRequest {
  return { time: at(0), action, params, httpStatus: 200, throttled: false, ...extra };
}
