// The thin provider shim that Pulumi serializes into state as `__provider` (README "Design notes").
//
// Pulumi stores each dynamic resource's provider as JavaScript text and re-loads it in the provider process with
// `requireFromString`. If that text held our implementation, state would carry stale code (refresh and destroy would
// run the old version), absolute paths and anything the closure captured. So the text is only this shim: each method
// resolves the real implementation by package name at call time, from the project directory (the provider process
// runs there; a module loaded from a string has no filename, so plain `require` cannot use package self-reference).
import type * as pulumi from "@pulumi/pulumi";

/**
 * One shim object per module for the whole program: the SDK caches a provider's serialized text by object, and
 * serializing one costs tens of milliseconds of CPU, so a new object per resource made a fleet's preview several
 * times slower than the engine.
 */
const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/**
 * The shim for the implementation module `moduleId` (a package specifier such as
 * "pulumi-ecs-shared-images/providers/shared-image-copy"), whose export `provider` is the real ResourceProvider.
 * The serialized text depends only on `moduleId`: byte-stable across machines, checkouts and package upgrades.
 */
export function thinProvider(moduleId: string): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(moduleId);
  if (shim === undefined) {
    shim = buildShim(moduleId);
    shims.set(moduleId, shim);
  }
  return shim;
}

function buildShim(moduleId: string): pulumi.dynamic.ResourceProvider {
  // Everything `call` uses is the captured string or a `require` of a Node builtin written in its body, which the
  // closure serializer keeps as text. Implementations define every method, so no defaults are needed here.
  const call = (method: keyof pulumi.dynamic.ResourceProvider, args: unknown[]) => {
    const { createRequire } = require("node:module");
    const { join } = require("node:path");
    return createRequire(join(process.cwd(), "package.json"))(moduleId).provider[method](...args);
  };
  return {
    configure: (...args) => call("configure", args),
    check: (...args) => call("check", args),
    diff: (...args) => call("diff", args),
    create: (...args) => call("create", args),
    read: (...args) => call("read", args),
    update: (...args) => call("update", args),
    delete: (...args) => call("delete", args),
  };
}
