// `npm run bench`: the figures behind "fast at hundreds of instances", each a ratio measured in this one run.
//
// 1. The emulator's sustained rate of signed DescribeInstances through the real SDK (it must be far above what the
//    providers ask of it).
// 2. Status polling for a fleet of FLEET instances with the emulator's default throttling: our batched lookups
//    (EcsApi.getInstance, coalesced into DescribeInstances of up to 100 ids) against one DescribeInstances per
//    instance, as per-resource pollers do.
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { DEMO, type RunningEmulator, startEmulator } from "../emulator";
import { EcsApi } from "../providers/ecs/api";
import { ENDPOINT_CONFIG_KEY, useStackConfig } from "../providers/ecs/client";
import { runEmulatorBench } from "./bench-emulator";

const FLEET = 300;
const ROUNDS = 5;

function sdkClient(emu: RunningEmulator): Ecs {
  return new Ecs(
    new $OpenApiUtil.Config({
      accessKeyId: DEMO.workload.accessKeyId,
      accessKeySecret: DEMO.workload.accessKeySecret,
      endpoint: emu.endpoint,
      protocol: "HTTP",
      regionId: DEMO.region,
      readTimeout: 30_000,
      connectTimeout: 30_000,
    }),
  );
}

async function fleetOf(emu: RunningEmulator, client: Ecs): Promise<string[]> {
  emu.admin.setThrottle({ enabled: false });
  const ids: string[] = [];
  while (ids.length < FLEET) {
    const response = await client.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: DEMO.region,
        imageId: DEMO.images.plain,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
        amount: Math.min(100, FLEET - ids.length),
      }),
    );
    ids.push(...(response.body?.instanceIdSets?.instanceIdSet ?? []));
  }
  emu.admin.setThrottle({ enabled: true });
  return ids;
}

interface PollFigures {
  calls: number;
  throttled: number;
  seconds: number;
}

function describeCounters(emu: RunningEmulator): { calls: number; throttled: number } {
  const c = emu.admin.stats().DescribeInstances;
  return { calls: c?.calls ?? 0, throttled: c?.throttled ?? 0 };
}

async function measure(emu: RunningEmulator, round: () => Promise<unknown>): Promise<PollFigures> {
  const before = describeCounters(emu);
  const started = Date.now();
  for (let i = 0; i < ROUNDS; i++) await round();
  const after = describeCounters(emu);
  return {
    calls: after.calls - before.calls,
    throttled: after.throttled - before.throttled,
    seconds: (Date.now() - started) / 1000,
  };
}

async function pollingBench(): Promise<{ batched: PollFigures; unbatched: PollFigures }> {
  const emu = await startEmulator({ port: 0 });
  try {
    const client = sdkClient(emu);
    const ids = await fleetOf(emu, client);
    useStackConfig({
      get: (key) =>
        ({
          [ENDPOINT_CONFIG_KEY]: `http://${emu.endpoint}`,
          "alicloud:region": DEMO.region,
          "alicloud:accessKey": DEMO.workload.accessKeyId,
          "alicloud:secretKey": DEMO.workload.accessKeySecret,
        })[key],
    });
    const api = EcsApi.forRegion(DEMO.region, "bench");
    const batched = await measure(emu, () => Promise.all(ids.map((id) => api.getInstance(id))));
    // Let the token buckets refill so the second measurement starts from the same place.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const unbatched = await measure(emu, () =>
      Promise.all(
        ids.map((id) =>
          client
            .describeInstances(
              new $Ecs.DescribeInstancesRequest({ regionId: DEMO.region, instanceIds: JSON.stringify([id]) }),
            )
            .catch(() => undefined),
        ),
      ),
    );
    return { batched, unbatched };
  } finally {
    await emu.close();
  }
}

async function main(): Promise<void> {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  const rate = await runEmulatorBench({ durationMs: 5_000, concurrency: 16 });
  const { batched, unbatched } = await pollingBench();
  const providerNeed = (Math.ceil(FLEET / 100) * 1000) / 2_000; // one batched round every 2 s (the default poll)
  const lines = [
    `emulator: ${Math.round(rate.requestsPerSecond)} signed DescribeInstances/s (${rate.mode}, concurrency ${rate.concurrency}, ${rate.failures} failures)`,
    `  = ${Math.round(rate.requestsPerSecond / providerNeed)}x what polling ${FLEET} instances every 2 s needs when batched (${providerNeed} req/s)`,
    `polling ${FLEET} instances, ${ROUNDS} rounds, default throttling on:`,
    `  batched (EcsApi): ${batched.calls} DescribeInstances, ${batched.throttled} throttled, ${batched.seconds.toFixed(2)} s`,
    `  one call per instance: ${unbatched.calls} DescribeInstances, ${unbatched.throttled} throttled, ${unbatched.seconds.toFixed(2)} s`,
    `  ratio: ${(unbatched.calls / Math.max(1, batched.calls)).toFixed(0)}x fewer calls; ${unbatched.throttled} vs ${batched.throttled} throttled`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
