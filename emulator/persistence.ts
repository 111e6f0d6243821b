import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { State } from "./models/types";

export const STATE_FORMAT = "ecs-emulator-state/1";

/** What the state file holds: resources only. Credentials stay in the world file and are never written. */
export interface PersistedState {
  format: typeof STATE_FORMAT;
  savedAt: string;
  emulatedNow: number;
  state: State;
}

/** Writes atomically: a temporary file in the same directory, fsync, then rename over the target. */
export function writeStateFile(path: string, data: PersistedState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(data));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readStateFile(path: string): PersistedState | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as PersistedState;
  if (parsed?.format !== STATE_FORMAT || typeof parsed.state !== "object" || typeof parsed.emulatedNow !== "number") {
    throw new Error(`${path} is not an emulator state file (expected format ${STATE_FORMAT})`);
  }
  return parsed;
}
