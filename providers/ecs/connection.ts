// How one ECS call goes, for every call EcsApi makes: paced by the process's request budget, retried with progress
// lines for the resource waiting on it, and failing with a typed error. The base class of EcsApi's calls.
import type * as EcsSdk from "@alicloud/ecs20140526";
import type Ecs from "@alicloud/ecs20140526";
import { requireEngine } from "../engine-watch";
import { currentOperation } from "../operation";
import { reportProgress } from "../progress";
import { RequestBudget } from "./budget";
import { type ErrorContext, fromSdkError, TimeoutError } from "./errors";
import { defaultSleep, isNetworkFailure, isThrottling, type RetryOptions, withRetry } from "./retry";

/**
 * The SDK's request classes, loaded with the first request (see client.ts endpointNamingClass).
 * @internal The SDK's types stay out of the published declarations (consumers type-check without them).
 */
export const sdk = (): typeof EcsSdk => require("@alicloud/ecs20140526");

/** A wait shorter than this is not worth a progress line. */
const WAIT_WORTH_SAYING_MS = 1000;

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

/** One region and connection: the SDK client, the retry options and the request budget its calls share. */
export class EcsConnection {
  /** @internal The SDK's types stay out of the published declarations (consumers type-check without them). */
  protected readonly client: Ecs;
  /** Shared by every resource of the process that calls this region with these credentials. */
  private readonly budget = new RequestBudget();

  /** @internal */
  constructor(
    client: Ecs,
    readonly regionId: string,
    private readonly retry: RetryOptions = {},
    protected readonly batchWindowMs = 200,
  ) {
    this.client = client;
  }

  protected call<T>(action: string, context: ErrorContext, fn: () => Promise<T>): Promise<T> {
    const operation = currentOperation();
    const tell = (message: string) => {
      if (operation?.urn !== undefined) reportProgress(operation.urn, message, { ephemeral: true });
    };
    return withRetry(
      async () => {
        const startedWaiting = Date.now();
        for (let waitMs = this.budget.reserve(action); waitMs > 0; waitMs = this.budget.reserve(action)) {
          if (operation !== undefined && Date.now() + waitMs > operation.deadline) {
            const waited = Date.now() - startedWaiting;
            throw new TimeoutError(`a slot for ${action} (ECS is throttling it)`, waited, "throttled");
          }
          if (waitMs >= WAIT_WORTH_SAYING_MS) tell(`ECS is throttling ${action}: next call in ${seconds(waitMs)}`);
          // A little jitter, so that the callers waiting for the same slot do not all wake at once.
          await defaultSleep(waitMs + Math.random() * Math.min(waitMs, 100));
        }
        const sentAt = Date.now();
        // Reads are harmless; a change for a run whose engine was killed is a change nobody records.
        if (!action.startsWith("Describe")) await requireEngine();
        try {
          const result = await fn();
          this.budget.accepted(action);
          return result;
        } catch (err) {
          const error = fromSdkError(action, err, { regionId: this.regionId, ...context });
          if (isThrottling(error)) this.budget.throttled(action, sentAt);
          throw error;
        }
      },
      {
        deadline: operation?.deadline,
        ...this.retry,
        onRetry: (info) => {
          const what = isThrottling(info.error)
            ? `${action} throttled by ECS`
            : isNetworkFailure(info.error)
              ? `${action}: no answer from the ECS endpoint (${info.error.code})`
              : `${action} failed (${info.error.code})`;
          tell(`${what}, retrying in ${seconds(info.delayMs)}`);
          this.retry.onRetry?.(info);
        },
      },
    );
  }
}
