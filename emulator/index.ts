/**
 * Local ECS API emulator: embedding API. Tests start it in-process on port 0 with a fresh world:
 *
 *   const emu = await startEmulator({ world: myWorld });
 *   // SDK Config: endpoint emu.endpoint, protocol "HTTP"
 *   emu.admin.advanceClock(60_000);
 *   await emu.close();
 */
import type { EmulatorOptions } from "./emulator";
import { type RunningEmulator, startServer } from "./server";

export type { EmulatorAdmin } from "./admin/admin";
export type { InstanceCredentials, InstancePatch, Inventory, PasswordCheck } from "./back-doors";
export { type Clock, ManualClock, systemClock } from "./clock";
export { DEMO } from "./demo-credentials";
export type { EmulatorOptions } from "./emulator";
export type { ArmedFault, FaultRule } from "./faults";
export type { RamPolicy } from "./models/types";
export { type WorldSpec, WorldValidationError } from "./models/world";
export type { BucketConfig, ThrottleConfig } from "./protocol/throttle";
export type { ActionCounters, RequestLogEntry } from "./request-log";
export type { RunningEmulator } from "./server";

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startServer(options);
}
