// Progress that the person running `pulumi up` can see. A dynamic provider process has no logger wired to the engine
// (its stderr only reaches the engine's debug log), but it is started with the engine's gRPC address as its first
// argument, so we call the engine's Log RPC ourselves with the resource's URN: ephemeral messages become the live
// status text beside the resource, durable ones are printed with the resource's diagnostics.

import { createRequire } from "node:module";
import { engineAddressOf } from "./engine-watch";

/** Where progress goes. Tests and programs can install their own sink. */
export type ProgressSink = (event: {
  urn: string;
  message: string;
  ephemeral: boolean;
  severity: "info" | "warning";
}) => void;

interface EngineLogClient {
  log(request: unknown, callback: (err: unknown) => void): void;
}

let sink: ProgressSink | undefined;
let engineClient: EngineLogClient | null | undefined;
/** Log calls sent to the engine and not yet acknowledged. */
const inFlight = new Set<Promise<void>>();
/** A progress line is never worth holding up a deployment for longer than this. */
const DELIVERY_WAIT_MS = 2_000;

/** Replaces where progress goes (tests); `undefined` restores the default (engine when available, else stderr). */
export function setProgressSink(next: ProgressSink | undefined): void {
  sink = next;
}

function engineLogClient(): EngineLogClient | null {
  if (engineClient !== undefined) return engineClient;
  engineClient = null;
  // Only the dynamic provider process is started with the engine's address as its argument.
  const address = engineAddressOf(process.argv);
  if (address === undefined) return null;
  // The same grpc-js that @pulumi/pulumi's generated client was built against, wherever npm placed it.
  const grpc = createRequire(require.resolve("@pulumi/pulumi/package.json"))("@grpc/grpc-js");
  const { EngineClient } = require("@pulumi/pulumi/proto/engine_grpc_pb");
  engineClient = new EngineClient(
    `${address.host}:${address.port}`,
    grpc.credentials.createInsecure(),
  ) as EngineLogClient;
  return engineClient;
}

/** Reports one progress line for the resource `urn`. Never throws: progress must not fail a deployment. */
export function reportProgress(urn: string, message: string, options: { ephemeral?: boolean; warning?: boolean } = {}) {
  const event = { urn, message, ephemeral: options.ephemeral ?? false, severity: options.warning ? "warning" : "info" };
  if (sink) {
    sink(event as Parameters<ProgressSink>[0]);
    return;
  }
  const client = engineLogClient();
  if (!client) {
    process.stderr.write(`${message}\n`);
    return;
  }
  const { LogRequest, LogSeverity } = require("@pulumi/pulumi/proto/engine_pb");
  const request = new LogRequest();
  request.setSeverity(options.warning ? LogSeverity.WARNING : LogSeverity.INFO);
  request.setMessage(message);
  request.setUrn(urn);
  request.setEphemeral(event.ephemeral);
  const delivered = new Promise<void>((resolve) => {
    // A lost progress line is not worth failing or retrying for: the callback's error is dropped on purpose.
    client.log(request, () => resolve());
  });
  inFlight.add(delivered);
  delivered.then(() => inFlight.delete(delivered));
}

/**
 * Waits (briefly) until the engine has every progress line sent so far. Call it before returning from create or
 * update: otherwise the engine can print the resource as done before its last status line arrives.
 */
export async function progressDelivered(): Promise<void> {
  if (inFlight.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DELIVERY_WAIT_MS);
  });
  await Promise.race([Promise.all(inFlight), cap]);
  clearTimeout(timer);
}
