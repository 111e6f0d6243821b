// World file: emulator settings (emulated durations, copy throughput, quotas) and request throttling.
import type { ThrottleConfig } from "../../protocol/throttle";
import type { Settings } from "../types";
import { bool, type Json, num, obj } from "./schema";

export const DEFAULT_SETTINGS: Settings = {
  copyGiBPerMinute: 10,
  maxConcurrentCopies: 5,
  maxCustomImagesPerRegion: 100,
  pendingMs: 5_000,
  startingMs: 10_000,
  stoppingMs: 10_000,
  diskCreatingMs: 10_000,
};

/** DEFAULT_SETTINGS with what `world.settings` overrides. */
export function readSettings(root: Json): Settings {
  const settings: Record<string, number> = { ...DEFAULT_SETTINGS };
  if (root.settings !== undefined) {
    const keys = Object.keys(DEFAULT_SETTINGS);
    const s = obj(root.settings, "world.settings", keys);
    for (const key of keys) if (s[key] !== undefined) settings[key] = num(s, key, "world.settings", 0, 1e12);
  }
  return settings as unknown as Settings;
}

export function readThrottle(root: Json): Partial<ThrottleConfig> {
  const throttle: Partial<ThrottleConfig> = {};
  if (root.throttle === undefined) return throttle;
  const t = obj(root.throttle, "world.throttle", ["enabled", "default", "actions"]);
  const bucket = (v: unknown, bp: string) => {
    const b = obj(v, bp, ["ratePerSecond", "burst"]);
    return { ratePerSecond: num(b, "ratePerSecond", bp, 0.001, 1e9), burst: num(b, "burst", bp, 1, 1e9) };
  };
  if (t.enabled !== undefined) throttle.enabled = bool(t, "enabled", "world.throttle");
  if (t.default !== undefined) throttle.default = bucket(t.default, "world.throttle.default");
  if (t.actions !== undefined) {
    const acts = obj(t.actions, "world.throttle.actions", Object.keys(t.actions as object));
    throttle.actions = Object.fromEntries(
      Object.entries(acts).map(([k, v]) => [k, bucket(v, `world.throttle.actions.${k}`)]),
    );
  }
  return throttle;
}
