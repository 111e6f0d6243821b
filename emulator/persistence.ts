// The state file: written atomically (temporary file, fsync, rename), read back on start; resources only, never
// credentials or passwords.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { InstanceRec, State } from "./models/types";

const STATE_FORMAT = "ecs-emulator-state/1";

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
  upgradeOlderRecords(parsed.state);
  return parsed;
}

/**
 * Files written before the emulator tracked where a password comes from kept only `hasPassword` per instance, and no
 * preset password per image: read those as a password that was set (or none) and images without a preset password.
 */
function upgradeOlderRecords(state: State): void {
  for (const inst of Object.values(state.instances)) {
    const older = inst as Partial<InstanceRec> & { hasPassword?: boolean };
    if (older.password !== undefined) continue;
    inst.password = older.hasPassword ? "set" : "none";
    inst.passwordPresetImageId = "";
    delete older.hasPassword;
  }
  for (const img of Object.values(state.images)) img.passwordPreset ??= false;
}
