// Pulumi's streamed JSON events in the shapes of the CLI 3.248 (sdk/go/common/apitype/events.go), built for the
// GitOps report's unit tests (test/unit/report-*.test.ts), which all read the same resources and steps.
import { reduceEvents, type WireEvent } from "../../scripts/report/events";
import { buildReport, type Report } from "../../scripts/report/model";

const PREFIX = "urn:pulumi:local::ecs-shared-images::";
export const INSTANCE = "pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage";
export const SYSTEM_DISK = "pulumi-nodejs:dynamic/ecs-shared-images:SystemDiskReplacement";
export const COPY = "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy";
export const SHARE = "pulumi-nodejs:dynamic/ecs-shared-images:ImageShare";
export const REGIONAL_COPY = "pulumi-nodejs:dynamic/ecs-shared-images:RegionalImageCopy";
export const STACK = "pulumi:pulumi:Stack";
export const urn = (type: string, name: string) => `${PREFIX}${type}::${name}`;
/** A secret as the CLI serializes it in events (blinded by convertStepEventStateMetadata). */
export const BLINDED = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "[secret]",
};

export interface StepSpec {
  op: string;
  type: string;
  name: string;
  id?: string;
  oldInputs?: Record<string, unknown>;
  newInputs?: Record<string, unknown>;
  oldOutputs?: Record<string, unknown>;
  newOutputs?: Record<string, unknown>;
  keys?: string[];
}

export function step(spec: StepSpec, event: "resourcePreEvent" | "resOutputsEvent" = "resourcePreEvent"): WireEvent {
  const state = (inputs?: Record<string, unknown>, outputs?: Record<string, unknown>) =>
    inputs || outputs
      ? { type: spec.type, id: spec.id ?? "", inputs: inputs ?? {}, outputs: outputs ?? inputs ?? {} }
      : undefined;
  return {
    [event]: {
      metadata: {
        op: spec.op,
        urn: urn(spec.type, spec.name),
        type: spec.type,
        old: state(spec.oldInputs, spec.oldOutputs),
        new: state(spec.newInputs, spec.newOutputs),
        keys: spec.keys,
        detailedDiff: null,
      },
    },
  };
}

export const warning = (type: string, name: string, message: string): WireEvent => ({
  diagnosticEvent: { urn: urn(type, name), prefix: "warning: ", message: `${message}\n`, severity: "warning" },
});

export const WEB = {
  approval: { approvedOwners: ["1111111111111111"] },
  identity: { urn: "x" },
  __provider: "exports.handler = __f0;",
  imageId: "m-copy1",
  instanceType: "ecs.g7.large",
  onImageChange: "replace",
  tags: { app: "web", "fleet-group": "web" },
};
export const BATCH = { ...WEB, imageId: "m-golden1", onImageChange: "replaceSystemDisk", password: BLINDED };

/** A mandatory policy's violation on web-0, as apitype.PolicyEvent carries it. */
export const ENCRYPTION_VIOLATION: WireEvent = {
  policyEvent: {
    resourceUrn: urn(INSTANCE, "web-0"),
    message: "Instances must use an encrypted system disk: property systemDisk.encrypted is false.",
    policyName: "encrypted-system-disk",
    policyPackName: "ecs-guardrails",
    policyPackVersion: "0.1.0",
    enforcementLevel: "mandatory",
    severity: "high",
  },
};

/** A policy pack as the engine names it in its summary events. */
export const PACK = { policyPackName: "ecs-shared-images", policyPackVersion: "0.1.0" };

export function preview(events: WireEvent[], code = 0): Report {
  return buildReport("preview", "ecs-shared-images", "local", reduceEvents(events), code);
}
