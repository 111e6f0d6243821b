// The fleet config tests' helpers: a config source over plain values, the problems a config yields as
// "path: message" lines, and path-wise edits of a base config.
import { type ConfigSource, FleetConfigError, parseFleetConfig } from "../../stacks/fleet-config";

export function configSource(values: Record<string, unknown>, secrets: readonly string[] = []): ConfigSource {
  return {
    get: (key) => values[key],
    isSecret: (key) => secrets.includes(key),
    keys: () => Object.keys(values),
  };
}

/** The problems of a config as "path: message" lines; none when it parses. */
export function problemsOf(source: ConfigSource, stackRegion?: string): string[] {
  try {
    parseFleetConfig(source, stackRegion);
  } catch (err) {
    if (err instanceof FleetConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

/** Applies `set` (dotted path -> value, undefined deletes) to `config`, in place, and returns it. */
export function withChanges(config: Record<string, unknown>, set: Record<string, unknown>): Record<string, unknown> {
  for (const [path, value] of Object.entries(set)) {
    const keys = path.split(".");
    let node = config;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    if (value === undefined) delete node[keys[keys.length - 1]];
    else node[keys[keys.length - 1]] = value;
  }
  return config;
}
