// The in-process ECS emulator for provider, emulator and e2e tests: a fresh demo world on port 0 (or one per test),
// and the stack config that points the providers at it with the demo workload account's (emulator-only) credentials.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO, type EmulatorOptions, type RunningEmulator, startEmulator, type WorldSpec } from "../../emulator";
import { loadWorldInput } from "../../emulator/emulator";
import { ENDPOINT_CONFIG_KEY, type StackConfig } from "../../providers/ecs/client";

export { DEMO };

/** A deep copy of the demo world (emulator/worlds/demo.json), optionally with emulator settings changed. */
export function demoWorld(settings: WorldSpec["settings"] = {}): WorldSpec {
  const world = structuredClone(loadWorldInput(undefined)) as WorldSpec;
  if (Object.keys(settings).length > 0) world.settings = { ...world.settings, ...settings };
  return world;
}

/** Starts the emulator with a fresh demo world on port 0; throttling is off unless `throttle` is true. */
export async function startDemoEmulator(
  options: Omit<EmulatorOptions, "port"> & { throttle?: boolean } = {},
): Promise<RunningEmulator> {
  const { throttle, ...rest } = options;
  const emu = await startEmulator({ world: demoWorld(), ...rest, port: 0 });
  if (!throttle) emu.admin.setThrottle({ enabled: false });
  return emu;
}

/**
 * A fresh demo emulator for each test of the enclosing describe, started before the test and closed after it, so no
 * test sees another's resources. `options` is called for each start, so every test gets its own world object.
 */
export function emulatorPerTest(
  options: () => Parameters<typeof startDemoEmulator>[0] = () => ({}),
): () => RunningEmulator {
  let emu: RunningEmulator | undefined;
  beforeEach(async () => {
    emu = await startDemoEmulator(options());
  });
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  return () => {
    if (!emu) throw new Error("the per-test emulator runs only while a test of its describe runs");
    return emu;
  };
}

/** A fresh temporary directory for each test of the enclosing describe (state and world files), removed after it. */
export function tempDirPerTest(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error("the per-test directory exists only while a test of its describe runs");
    return dir;
  };
}

export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

/** Stack config entries (Pulumi key -> value) that point the providers at `emu`. */
export function emulatorConfigValues(
  emu: RunningEmulator,
  options: { region?: string; credentials?: EmulatorCredentials } = {},
): Record<string, string> {
  const creds: EmulatorCredentials = options.credentials ?? DEMO.workload;
  return {
    [ENDPOINT_CONFIG_KEY]: `http://${emu.endpoint}`,
    "alicloud:region": options.region ?? DEMO.region,
    "alicloud:accessKey": creds.accessKeyId,
    "alicloud:secretKey": creds.accessKeySecret,
    ...(creds.securityToken ? { "alicloud:securityToken": creds.securityToken } : {}),
  };
}

/** The StackConfig a provider's configure() would get for a stack pointed at `emu`; `overrides` can unset keys. */
export function emulatorStackConfig(
  emu: RunningEmulator,
  options: { region?: string; credentials?: EmulatorCredentials; overrides?: Record<string, string | undefined> } = {},
): StackConfig {
  const values: Record<string, string | undefined> = { ...emulatorConfigValues(emu, options), ...options.overrides };
  return { get: (key) => values[key] };
}
