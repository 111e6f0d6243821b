// The real SDK pointed at an emulator, for the emulator tests and any test that acts as an account itself: error
// assertions, hand-built requests and the common resources tests start from. Starting an emulator and the demo
// world live in emulator.ts.
import { createHmac, randomUUID } from "node:crypto";
import { request } from "node:http";
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import type { RunningEmulator, WorldSpec } from "../../emulator";
import { DEMO, demoWorld, type EmulatorCredentials } from "./emulator";

/** The real SDK client pointed at the emulator. `v1` selects the legacy HMAC-SHA1 signature. */
export function ecsClient(
  emu: RunningEmulator,
  creds: EmulatorCredentials = DEMO.workload,
  opts: { v1?: boolean } = {},
): Ecs {
  const config = new $OpenApiUtil.Config({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    securityToken: creds.securityToken,
    endpoint: emu.endpoint,
    protocol: "HTTP",
    regionId: DEMO.region,
    readTimeout: 10_000,
    connectTimeout: 10_000,
  });
  if (opts.v1) config.signatureAlgorithm = "v2";
  return new Ecs(config);
}

export interface SdkError {
  code: string;
  statusCode: number;
  requestId: string;
  message: string;
  data: Record<string, unknown>;
}

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** Awaits a rejected SDK call and checks code, HTTP status, RequestId and the error envelope. */
export async function expectEcsError(call: Promise<unknown>, code: string, statusCode: number): Promise<SdkError> {
  let caught: unknown;
  try {
    await call;
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error(`expected ${code} (${statusCode}), but the call succeeded`);
  const err = caught as SdkError;
  expect({ code: err.code, statusCode: err.statusCode }).toEqual({ code, statusCode });
  expect(err.requestId).toMatch(REQUEST_ID);
  expect(err.data).toEqual(
    expect.objectContaining({
      RequestId: err.requestId,
      HostId: expect.any(String),
      Code: code,
      Message: expect.any(String),
    }),
  );
  expect(typeof err.data.Recommend).toBe("string");
  return err;
}

export function expectRequestId(body: { requestId?: string }): void {
  expect(body.requestId).toMatch(REQUEST_ID);
}

function pct(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A legacy v1-signed request built by hand, for protocol edge cases the SDK never produces. */
export function v1Query(
  creds: EmulatorCredentials,
  params: Record<string, string>,
  overrides: Record<string, string> = {},
): string {
  const q: Record<string, string> = {
    Format: "json",
    Version: "2014-05-26",
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    SignatureNonce: randomUUID(),
    SignatureMethod: "HMAC-SHA1",
    SignatureVersion: "1.0",
    AccessKeyId: creds.accessKeyId,
    ...params,
    ...overrides,
  };
  const canonical = Object.keys(q)
    .sort()
    .map((k) => `${pct(k)}=${pct(q[k])}`)
    .join("&");
  q.Signature = createHmac("sha1", `${creds.accessKeySecret}&`)
    .update(`POST&%2F&${pct(canonical)}`)
    .digest("base64");
  return Object.keys(q)
    .map((k) => `${pct(k)}=${pct(q[k])}`)
    .join("&");
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** Sends a raw HTTP request to the emulator (POST / with the given query, or any path). */
export function rawRequest(
  emu: RunningEmulator,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: emu.port, path, method: opts.method ?? "POST", headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text);
          } catch {
            body = {};
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

export async function adminCall(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  return rawRequest(emu, `/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Images some tests add to the demo world: the owner shares both with the workload in cn-hangzhou. */
export const EXTRA_IMAGES = {
  /** Carries a preset login password (PasswordInherit=true works with it). */
  preset: "m-demopreset01",
  windows: "m-demowindows01",
} as const;

/** The demo world plus EXTRA_IMAGES. */
export function worldWithExtraImages(): WorldSpec {
  const world = demoWorld();
  const owner = world.accounts.find((a) => a.accountId === DEMO.owner.accountId);
  if (!owner?.images) throw new Error("demo world changed: the owner account has no images");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [DEMO.workload.accountId] };
  owner.images.push(
    { ...shared, imageId: EXTRA_IMAGES.preset, name: "golden-preset-2024-10", passwordPreset: true },
    {
      ...shared,
      imageId: EXTRA_IMAGES.windows,
      name: "golden-windows-2022",
      osType: "windows",
      osName: "Windows Server 2022 Datacenter 64bit",
    },
  );
  return world;
}

export function runRequest(extra: Partial<$Ecs.RunInstancesRequest> = {}): $Ecs.RunInstancesRequest {
  return new $Ecs.RunInstancesRequest({
    regionId: DEMO.region,
    imageId: DEMO.images.plain,
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupId: DEMO.workload.securityGroupId,
    ...extra,
  });
}

/** RunInstances through the SDK; returns the instance ids. */
export async function runInstances(
  emu: RunningEmulator,
  extra: Partial<$Ecs.RunInstancesRequest> = {},
  client = ecsClient(emu),
): Promise<string[]> {
  return (await client.runInstances(runRequest(extra))).body?.instanceIdSets?.instanceIdSet ?? [];
}

/** RunInstances through the SDK; returns the one instance id. */
export async function runInstance(
  emu: RunningEmulator,
  extra: Partial<$Ecs.RunInstancesRequest> = {},
  client = ecsClient(emu),
): Promise<string> {
  const ids = await runInstances(emu, extra, client);
  if (ids.length !== 1) throw new Error(`expected one instance, got ${JSON.stringify(ids)}`);
  return ids[0];
}

/** An instance that ran and was stopped in standard mode (KeepCharging), ready for ReplaceSystemDisk. */
export async function stoppedInstance(
  emu: RunningEmulator,
  extra: Partial<$Ecs.RunInstancesRequest> = {},
): Promise<string> {
  const id = await runInstance(emu, extra);
  emu.admin.advanceClock(60_000);
  await ecsClient(emu).stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
  emu.admin.advanceClock(60_000);
  return id;
}

/** The instance as DescribeInstances reports it. */
export async function describeInstance(
  emu: RunningEmulator,
  instanceId: string,
): Promise<$Ecs.DescribeInstancesResponseBodyInstancesInstance | undefined> {
  const res = await ecsClient(emu).describeInstances(
    new $Ecs.DescribeInstancesRequest({ regionId: DEMO.region, instanceIds: JSON.stringify([instanceId]) }),
  );
  return res.body?.instances?.instance?.[0];
}

/** The instance's system disk as DescribeDisks reports it. */
export async function systemDiskOf(
  emu: RunningEmulator,
  instanceId: string,
): Promise<$Ecs.DescribeDisksResponseBodyDisksDisk | undefined> {
  const res = await ecsClient(emu).describeDisks(
    new $Ecs.DescribeDisksRequest({ regionId: DEMO.region, instanceId, diskType: "system" }),
  );
  return res.body?.disks?.disk?.[0];
}

/** One image as DescribeImages reports it to `client`, whatever its status. */
export async function describeImage(
  emu: RunningEmulator,
  imageId: string,
  client = ecsClient(emu),
): Promise<$Ecs.DescribeImagesResponseBodyImagesImage | undefined> {
  const res = await client.describeImages(
    new $Ecs.DescribeImagesRequest({
      regionId: DEMO.region,
      imageId,
      status: "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated",
    }),
  );
  return res.body?.images?.image?.[0];
}

/**
 * The instance calls the emulator's instance tests make of the per-test emulator `emu` (emulator.ts emulatorPerTest),
 * bound to it: the workload's client, RunInstances, the one instance DescribeInstances reports, a stopped instance.
 */
export function instanceCalls(emu: () => RunningEmulator) {
  const workload = () => ecsClient(emu());
  return {
    workload,
    run: (req: Partial<$Ecs.RunInstancesRequest> = {}, client = workload()) => runInstances(emu(), req, client),
    describeOne: async (instanceId: string) =>
      (await describeInstance(emu(), instanceId)) as $Ecs.DescribeInstancesResponseBodyInstancesInstance,
    stopped: (req: Partial<$Ecs.RunInstancesRequest> = {}) => stoppedInstance(emu(), req),
  };
}
