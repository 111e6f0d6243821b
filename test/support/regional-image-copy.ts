// Fixtures of RegionalImageCopy's rule tables (test/unit) and emulator-backed tests: inputs as check() passes them on,
// and, against the emulator, the first hop (a SharedImageCopy of the demo's plain golden image) a regional copy
// starts from.
import { DEMO } from "../../emulator/demo-credentials";
import { setProgressSink } from "../../providers/progress";
import { REGIONAL_IMAGE_COPY } from "../../providers/regional-copy/resource";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "../../providers/regional-image-copy";
import { provider } from "../../providers/regional-image-copy";
import type { IdentityInput } from "../../providers/resource-identity";
import { resourceIdentity } from "./identity";
import { inputs as firstHopInputs, identity, outputs } from "./shared-image-copy";
import { type CopyEmulator, made as firstHop } from "./shared-image-copy-emulator";

export function regionalIdentity(name = "golden-sh"): IdentityInput {
  return resourceIdentity(REGIONAL_IMAGE_COPY.typeToken, name, "proj", "dev");
}

export function regionalInputs(over: Partial<RegionalImageCopyInputs> = {}): RegionalImageCopyInputs {
  return {
    identity: regionalIdentity(),
    sourceImageId: "m-firsthop1",
    sourceRegion: DEMO.region,
    region: DEMO.otherRegion,
    name: "golden-sh",
    ...over,
  };
}

/** The outputs of a finished regional copy of a first hop of the demo's plain golden image. */
export function regionalOutputs(over: Partial<RegionalImageCopyOutputs> = {}): RegionalImageCopyOutputs {
  const { approval: _approval, ...facts } = outputs({ imageId: "m-regional1" });
  return { ...facts, ...regionalInputs(), ...over };
}

/**
 * The first hop in the emulator: a SharedImageCopy of the plain golden image in cn-hangzhou; its image id. Emulated
 * time jumps past the copy's end at each progress line, so it finishes at once in the slow world too; the progress
 * lines of the test start after it.
 */
export async function firstHopCopy(env: CopyEmulator, name = "golden-copy"): Promise<string> {
  setProgressSink((event) => {
    if (event.ephemeral) env.emu.admin.advanceClock(env.FINISH_SLOW_COPY);
  });
  const { id } = await firstHop(firstHopInputs({ identity: identity(name), name }));
  env.progress.length = 0;
  setProgressSink((event) => env.progress.push(event));
  return id;
}

/** Resolves once `condition` holds, looking every 10 ms; fails the test after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** create() with the outputs it always returns typed as such. */
export async function madeRegional(
  news: RegionalImageCopyInputs,
): Promise<{ id: string; outs: RegionalImageCopyOutputs }> {
  const result = await provider.create(news);
  return { id: result.id, outs: result.outs as RegionalImageCopyOutputs };
}
