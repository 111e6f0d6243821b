// A provider process for tests that kill one: it loads the compiled providers, configures them with the stack
// config it is given, and runs the provider methods its parent asks for over IPC. The parent kills it with SIGKILL,
// as an operator's Ctrl-C twice or a dying CI runner would kill the real dynamic provider process.

import { provider as instance } from "../../providers/instance/provider";
import { type ProgressSink, setProgressSink } from "../../providers/progress";
import { provider as regional } from "../../providers/regional-image-copy";
import { provider as copy } from "../../providers/shared-image-copy";
import { provider as systemDisk } from "../../providers/system-disk-replacement";

const PROVIDERS: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {
  copy: copy as never,
  instance: instance as never,
  regional: regional as never,
  systemDisk: systemDisk as never,
};

export interface WorkerRequest {
  readonly seq: number;
  readonly type: string;
  readonly method: string;
  readonly args: unknown[];
  readonly config: Record<string, string>;
}

export interface WorkerReply {
  readonly seq: number;
  /** A progress line (seq -1), sent as it happens. */
  readonly progress?: Parameters<ProgressSink>[0];
  readonly ok: boolean;
  readonly value?: unknown;
  /** A rejection, with the partial-state fields a dynamic provider's error may carry. */
  readonly error?: { message: string; id?: string; properties?: Record<string, unknown> };
}

const configured = new Set<string>();
setProgressSink((event) => process.send?.({ seq: -1, ok: true, progress: event }));

process.on("message", async (request: WorkerRequest) => {
  const reply = (r: Omit<WorkerReply, "seq">) => process.send?.({ seq: request.seq, ...r });
  try {
    const provider = PROVIDERS[request.type];
    if (!configured.has(request.type)) {
      await provider.configure({ config: { get: (key: string) => request.config[key] } });
      configured.add(request.type);
    }
    reply({ ok: true, value: await provider[request.method](...request.args) });
  } catch (err) {
    const e = err as { message?: string; id?: string; properties?: Record<string, unknown> };
    reply({ ok: false, error: { message: String(e?.message ?? err), id: e?.id, properties: e?.properties } });
  }
});

process.send?.({ seq: 0, ok: true, value: "ready" });
