// The GitOps report's model: what a preview or a drift check changes, the dangers it names, the errors it carries,
// and the job's exit status.
import { pulumiErrors } from "../../scripts/gitops";
import { reduceEvents, UNKNOWN, type WireEvent } from "../../scripts/report/events";
import { buildReport, exitStatus, type Report } from "../../scripts/report/model";
import {
  BATCH,
  COPY,
  INSTANCE,
  preview,
  REGIONAL_COPY,
  SHARE,
  STACK,
  type StepSpec,
  SYSTEM_DISK,
  step,
  urn,
  WEB,
  warning,
} from "../support/report-events";

/** web-0 replaced because its instance type changed: the step the provider reports with instanceType forcing it. */
const WEB_RESIZED: StepSpec = {
  op: "replace",
  type: INSTANCE,
  name: "web-0",
  id: "i-1",
  oldInputs: WEB,
  newInputs: { ...WEB, instanceType: "ecs.g7.xlarge" },
  keys: ["instanceType"],
};

describe("buildReport (preview)", () => {
  const cases: [string, StepSpec, string, string | undefined][] = [
    ["instance replaced", WEB_RESIZED, "replace", "the instance's system disk and data disks (deleted with it)"],
    [
      "instance deleted",
      { op: "delete", type: INSTANCE, name: "web-1", id: "i-2", oldInputs: WEB },
      "delete",
      "the instance's system disk and data disks (deleted with it)",
    ],
    [
      "instance re-imaged in place",
      {
        op: "update",
        type: INSTANCE,
        name: "batch-0",
        id: "i-3",
        oldInputs: BATCH,
        newInputs: { ...BATCH, imageId: "m-new" },
      },
      "re-image",
      "everything on the system disk; data disks are kept",
    ],
    [
      "instance re-imaged to an image the preview cannot know",
      { op: "update", type: INSTANCE, name: "batch-0", oldInputs: BATCH, newInputs: { ...BATCH, imageId: UNKNOWN } },
      "re-image",
      "everything on the system disk; data disks are kept",
    ],
    [
      "instance tags edited",
      { op: "update", type: INSTANCE, name: "web-0", oldInputs: WEB, newInputs: { ...WEB, tags: { app: "web2" } } },
      "update",
      undefined,
    ],
    ["instance created", { op: "create", type: INSTANCE, name: "web-2", newInputs: WEB }, "create", undefined],
    [
      "system disk replacement created",
      { op: "create", type: SYSTEM_DISK, name: "legacy", newInputs: { instanceId: "i-9", imageId: "m-1" } },
      "re-image",
      "everything on the system disk; data disks are kept",
    ],
    [
      "system disk replacement deleted with revertOnDelete",
      {
        op: "delete",
        type: SYSTEM_DISK,
        name: "legacy",
        oldInputs: { instanceId: "i-9", revertOnDelete: true },
        oldOutputs: { previousImageId: "m-0" },
      },
      "delete",
      "everything on the system disk; data disks are kept",
    ],
    [
      "system disk replacement deleted, disk kept",
      { op: "delete", type: SYSTEM_DISK, name: "legacy", oldInputs: { instanceId: "i-9" } },
      "delete",
      undefined,
    ],
    [
      "copy replaced",
      {
        op: "replace",
        type: COPY,
        name: "image-golden-copy",
        id: "m-c1",
        oldInputs: { encrypted: false },
        newInputs: { encrypted: true },
        keys: ["encrypted"],
      },
      "replace",
      "the copy m-c1 in this account: new instances and re-images can no longer use it, and nothing keeps its source image usable once the owner unshares or deletes it",
    ],
    [
      "copy deleted",
      { op: "delete", type: COPY, name: "image-golden-copy", id: "m-c1", oldInputs: {} },
      "delete",
      expect.stringContaining("the copy m-c1"),
    ],
    [
      "regional copy deleted",
      {
        op: "delete",
        type: REGIONAL_COPY,
        name: "image-golden-copy-cn-shanghai",
        id: "m-r1",
        oldInputs: { region: "cn-shanghai" },
      },
      "delete",
      "the copy m-r1 in cn-shanghai: new instances and re-images there can no longer use it",
    ],
    [
      "copy description edited",
      {
        op: "update",
        type: COPY,
        name: "image-golden-copy",
        oldInputs: { description: "a" },
        newInputs: { description: "b" },
      },
      "update",
      undefined,
    ],
    [
      "share deleted",
      {
        op: "delete",
        type: SHARE,
        name: "golden-base",
        id: "m-g1",
        oldInputs: { imageId: "m-g1" },
        oldOutputs: { imageId: "m-g1", accountIds: ["2222222222222222"] },
      },
      "delete",
      "the share of m-g1 with its accounts (2222222222222222): instances built from it there can no longer re-initialize their system disks, and no new copy or instance can be made from it",
    ],
    [
      "share moved to another image",
      {
        op: "replace",
        type: SHARE,
        name: "golden-base",
        id: "m-g1",
        oldInputs: { imageId: "m-g1" },
        newInputs: { imageId: "m-g2" },
        keys: ["imageId"],
      },
      "replace",
      expect.stringMatching(/^the share of m-g1 with its accounts: /),
    ],
    [
      "share gaining an account",
      {
        op: "update",
        type: SHARE,
        name: "golden-base",
        oldInputs: { imageId: "m-g1", accountIds: ["2222222222222222"] },
        newInputs: { imageId: "m-g1", accountIds: ["2222222222222222", "3333333333333333"] },
      },
      "update",
      undefined,
    ],
  ];

  it.each(cases)("%s: counted as %s, danger %j", (_name, spec, category, lost) => {
    const report = preview([step(spec)]);
    expect(report.resources.map((r) => r.category)).toEqual([category]);
    expect(report.counts[category as keyof Report["counts"]]).toBe(1);
    expect(report.dangers.map((d) => d.lost)).toEqual(lost === undefined ? [] : [lost]);
  });

  it("says why: the forcing input old -> new, and carries the provider's own warning", () => {
    const notice = "replaces instance i-1 because instanceType changed: a new instance is made and this one is deleted";
    const report = preview([step(WEB_RESIZED), warning(INSTANCE, "web-0", notice)]);
    expect(report.dangers).toEqual([
      expect.objectContaining({
        name: "web-0",
        id: "i-1",
        because: [{ path: "instanceType", old: "ecs.g7.large", new: "ecs.g7.xlarge", forcesReplacement: true }],
        notes: [notice],
      }),
    ]);
    // The notice went with the danger, not into the warnings.
    expect(report.warnings).toEqual([]);
  });

  it("names an update that unshares as a danger, with the provider's warning as its note", () => {
    const notice =
      "stops sharing image m-g1 with account 2222222222222222: instances it created from the image keep running but " +
      "can no longer re-initialize their system disks from it";
    const report = preview([
      step({
        op: "update",
        type: SHARE,
        name: "golden-base",
        oldInputs: { imageId: "m-g1", accountIds: ["2222222222222222"] },
        newInputs: { imageId: "m-g1", accountIds: [] },
      }),
      warning(SHARE, "golden-base", notice),
    ]);
    expect(report.dangers).toEqual([
      expect.objectContaining({
        name: "golden-base",
        what: "stops sharing the image with some accounts",
        because: [{ path: "accountIds", old: ["2222222222222222"], new: [], forcesReplacement: false }],
        notes: [notice],
      }),
    ]);
    expect(report.warnings).toEqual([]);
  });

  it("counts unchanged resources, the stack included, and lists none of them", () => {
    const report = preview([
      step({ op: "same", type: STACK, name: "ecs-shared-images-local" }),
      step({ op: "same", type: INSTANCE, name: "web-0", oldInputs: WEB, newInputs: WEB }),
    ]);
    expect([report.unchanged, report.resources, report.failed]).toEqual([2, [], false]);
  });

  it("names the resource and property of a check failure, and fails", () => {
    const report = preview(
      [
        {
          diagnosticEvent: {
            urn: urn(INSTANCE, "batch-1"),
            prefix: "error: ",
            message: `${INSTANCE} resource 'batch-1': property imageId value {m-x} has a problem: image m-x is not approved\n`,
            severity: "error",
          },
        },
      ],
      1,
    );
    expect(report.errors).toEqual([{ resource: "batch-1", property: "imageId", message: "image m-x is not approved" }]);
    expect(report.failed).toBe(true);
  });

  it("fails on a mandatory policy violation, not on an advisory one", () => {
    const violation = (enforcementLevel: string): WireEvent => ({
      policyEvent: { message: "m", policyName: "p", policyPackName: "k", enforcementLevel, color: "never" } as never,
    });
    expect(preview([violation("advisory")]).failed).toBe(false);
    expect(preview([violation("mandatory")]).failed).toBe(true);
  });

  it("fails, saying so, when pulumi exits with an error it reported no event for", () => {
    const report = preview([], 255);
    expect(report.failed).toBe(true);
    expect(report.errors[0].message).toMatch(/^pulumi exited with code 255/);
  });
});

describe("buildReport (preview) after a refresh read a change made outside Pulumi", () => {
  const urnOf = (name: string) => urn(INSTANCE, name);
  it("shows what the update writes back: the declared inputs against what ECS last reported", () => {
    const report = preview([
      step({
        op: "update",
        type: INSTANCE,
        name: "web-0",
        id: "i-1",
        oldInputs: WEB,
        newInputs: WEB,
        oldOutputs: {
          ...WEB,
          tags: { app: "edited", "fleet-group": "web", "ecs-shared-images:create": "done:x" },
          status: "Running",
        },
      }),
    ]);
    expect(report.resources).toEqual([
      {
        name: "web-0",
        type: "InstanceFromSharedImage",
        id: "i-1",
        category: "update",
        changes: [{ path: "tags.app", old: "edited", new: "web", forcesReplacement: false }],
      },
    ]);
    expect(report.dangers).toEqual([]);
  });

  it("counts a re-image the provider announces as one, with the danger, though the inputs did not change", () => {
    const notice =
      "re-images the system disk of i-3 (image m-other -> m-golden1): everything on the system disk is lost";
    const report = preview([
      step({
        op: "update",
        type: INSTANCE,
        name: "batch-0",
        id: "i-3",
        oldInputs: BATCH,
        newInputs: BATCH,
        oldOutputs: { ...BATCH, imageId: "m-other" },
      }),
      { diagnosticEvent: { urn: urnOf("batch-0"), message: notice, severity: "warning" } },
    ]);
    expect(report.counts).toMatchObject({ update: 0, "re-image": 1 });
    expect(report.dangers).toMatchObject([
      {
        name: "batch-0",
        what: "re-images the system disk in place",
        because: [{ path: "imageId", old: "m-other", new: BATCH.imageId }],
        notes: [notice],
      },
    ]);
    expect(report.warnings).toEqual([]);
  });
});

describe("buildReport (errors)", () => {
  it("carries pulumi's own error lines when it failed before any event, and each error once", () => {
    const stderr = "warning: x\nerror: open policy/missing.json: no such file or directory\n";
    expect(pulumiErrors(stderr)).toEqual(["open policy/missing.json: no such file or directory"]);
    expect(buildReport("preview", "p", "s", reduceEvents([]), 255, pulumiErrors(stderr)).errors).toEqual([
      { message: "open policy/missing.json: no such file or directory" },
    ]);
    const twice = { diagnosticEvent: { message: "invalid character 'b'", severity: "error" } };
    expect(preview([twice, twice], 255).errors).toEqual([{ message: "invalid character 'b'" }]);
  });
});

describe("buildReport (drift)", () => {
  it("compares the outputs in state with what was read: changed, and gone", () => {
    const run = reduceEvents([
      step(
        {
          op: "update",
          type: INSTANCE,
          name: "web-0",
          id: "i-1",
          oldInputs: WEB,
          oldOutputs: { ...WEB, status: "Running" },
          newInputs: WEB,
          newOutputs: { ...WEB, status: "Stopped" },
        },
        "resOutputsEvent",
      ),
      step({ op: "delete", type: INSTANCE, name: "web-1", id: "i-2", oldInputs: WEB }, "resOutputsEvent"),
    ]);
    const report = buildReport("drift", "p", "s", run, 7);
    expect(report.resources).toEqual([
      expect.objectContaining({
        name: "web-0",
        category: "update",
        changes: [{ path: "status", old: "Running", new: "Stopped", forcesReplacement: false }],
      }),
      expect.objectContaining({ name: "web-1", category: "delete", changes: [] }),
    ]);
    expect(report.dangers).toEqual([]);
  });
});

describe("exitStatus", () => {
  const changed = preview([step({ op: "create", type: INSTANCE, name: "web-2", newInputs: WEB })]);
  const clean = preview([]);
  const drifted = buildReport(
    "drift",
    "p",
    "s",
    reduceEvents([step({ op: "delete", type: INSTANCE, name: "w", oldInputs: WEB })]),
    7,
  );
  const failed = preview([{ diagnosticEvent: { message: "boom", severity: "error" } }], 0);
  it.each([
    ["a clean preview", 0, 0, clean],
    ["a preview with changes", 0, 0, changed],
    ["changes under --expect-no-changes", 7, 7, changed],
    ["pulumi's own failure", 255, 255, clean],
    ["an error pulumi did not exit for", 0, 1, failed],
    ["an error under --expect-no-changes (never 7)", 7, 1, failed],
    ["drift", 7, 7, drifted],
    ["drift pulumi did not flag", 0, 7, drifted],
    ["no drift", 0, 0, buildReport("drift", "p", "s", reduceEvents([]), 0)],
  ])("%s: pulumi exits %s -> %s", (_name, code, expected, report) => {
    expect(exitStatus(report, code)).toBe(expected);
  });
});
