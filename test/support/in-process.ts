// The three providers called in this process, as the engine model invokes them by resource type: what the
// change-path and generated tests run when no provider process is needed.
import { provider as instanceProvider } from "../../providers/instance/provider";
import { provider as copyProvider } from "../../providers/shared-image-copy";
import { provider as systemDiskProvider } from "../../providers/system-disk-replacement";
import type { Invoker } from "./engine-model";

/** Each provider by the resource type the engine model names it with. */
export const PROVIDERS: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {
  copy: copyProvider as never,
  instance: instanceProvider as never,
  systemDisk: systemDiskProvider as never,
};

/** Calls a provider method in this process. */
export const inProcess: Invoker = (type, method, args) => PROVIDERS[type][method](...args);
