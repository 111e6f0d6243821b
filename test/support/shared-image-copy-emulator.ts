// The emulator the SharedImageCopy provider tests run against (one per test file, reset before each test), with the
// helpers they share: the tags a finished copy keeps, create() typed.
import type Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator } from "../../emulator";
import type { SharedImageCopyInputs, SharedImageCopyOutputs } from "../../providers/copy/args";
import { setProgressSink } from "../../providers/progress";
import { provider } from "../../providers/shared-image-copy";
import { PROVENANCE_TAGS, RESERVED_TAGS } from "../../providers/tags";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "./emulator";
import { ecsClient } from "./emulator-sdk";

export const REQUEST_ID = "RequestId [0-9A-F-]{36}";

/** The tags SharedImageCopy keeps on a copy of the demo's plain golden image (never in its `tags` output). */
export const PLAIN_PROVENANCE = {
  [PROVENANCE_TAGS.sourceOwner]: DEMO.owner.accountId,
  [PROVENANCE_TAGS.sourceImage]: DEMO.images.plain,
  [PROVENANCE_TAGS.sourceImageName]: "golden-base-2024-10",
};
/** The tags the package keeps on a finished copy of the plain image. */
export const PLAIN_RESERVED = { ...PLAIN_PROVENANCE, [RESERVED_TAGS.create]: expect.stringMatching(/^done:/) };

/** What a finished copy of the plain image reports besides its inputs, as a create's outputs hold it. */
export function finishedPlainCopy(imageId: string) {
  return {
    imageId,
    status: "Available",
    progress: 100,
    sourceOwnerId: DEMO.owner.accountId,
    sourceImageName: "golden-base-2024-10",
    accountId: DEMO.workload.accountId,
    encrypted: false,
    kmsKeyId: "",
    size: 40,
    isCopied: true,
    creationTime: expect.any(String),
    osType: expect.any(String),
    platform: expect.any(String),
    architecture: expect.any(String),
  };
}

/** create() with the outputs it always returns typed as such. */
export async function made(news: SharedImageCopyInputs): Promise<{ id: string; outs: SharedImageCopyOutputs }> {
  const result = await provider.create(news);
  return { id: result.id, outs: result.outs as SharedImageCopyOutputs };
}

/** What the tests see of the emulator: set up once per file, reset to the demo world before each test. */
export interface CopyEmulator {
  emu: RunningEmulator;
  /** An SDK client of the workload account, for changes made outside Pulumi. */
  workloadSdk: Ecs;
  /** The progress lines of the current test. */
  readonly progress: { urn: string; message: string; ephemeral: boolean }[];
  /** The actions of the mutating requests so far. */
  mutatingCalls(): string[];
  /** The images of the workload account. */
  images(): ReturnType<RunningEmulator["admin"]["inventory"]>[string]["images"];
  /** Copies run for days of emulated time in this world: they finish only when a test advances the clock. */
  slowCopies(): void;
  /** How long a copy of a 40 GiB image takes in the slow world, in emulated ms (40 GiB / 0.001 GiB per minute). */
  readonly SLOW_COPY_MS: number;
  readonly FINISH_SLOW_COPY: number;
}

/** Registers the jest hooks that start, reset and stop the emulator; the fields are set once beforeAll ran. */
export function useCopyEmulator(): CopyEmulator {
  const SLOW_COPY_MS = 2.4e9;
  const env: CopyEmulator = {
    emu: undefined as unknown as RunningEmulator,
    workloadSdk: undefined as unknown as Ecs,
    progress: [],
    mutatingCalls: () =>
      env.emu.admin
        .requests()
        .filter((r) => r.mutating)
        .map((r) => r.action),
    images: () => env.emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images,
    slowCopies: () => env.emu.admin.loadWorld(demoWorld({ copyGiBPerMinute: 0.001 })),
    SLOW_COPY_MS,
    FINISH_SLOW_COPY: SLOW_COPY_MS + 60_000,
  };
  beforeAll(async () => {
    process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "20ms";
    // 40 GiB copy at 10 GiB/min = 4 emulated minutes = 240 ms of real time.
    env.emu = await startDemoEmulator({ timeScale: 1000 });
    env.workloadSdk = ecsClient(env.emu);
  });
  afterAll(async () => {
    setProgressSink(undefined);
    await env.emu.close();
  });
  beforeEach(async () => {
    env.emu.admin.loadWorld(demoWorld());
    env.progress.length = 0;
    setProgressSink((event) => env.progress.push(event));
    await provider.configure({ config: emulatorStackConfig(env.emu) });
  });
  return env;
}
