// The in-process ECS emulator for provider and e2e tests: a fresh demo world on port 0, and the stack config that
// points the providers at it with the demo workload account's (emulator-only) credentials.
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
