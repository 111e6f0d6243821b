// The GitOps report's pure logic: pulumi's streamed JSON events -> report model -> Markdown, the job's exit status,
// and the job's own flags. Inputs are built here in the shapes of the CLI 3.248 (sdk/go/common/apitype/events.go).
import * as path from "node:path";
import { gitopsArgs, pulumiErrors, ReportError, reportedCommand } from "../../scripts/gitops";
import { EventStreamError, parseEvents, reduceEvents, UNKNOWN, type WireEvent } from "../../scripts/report/events";
import { renderMarkdown, reportMarker } from "../../scripts/report/markdown";
import { buildReport, changedPaths, exitStatus, type Report } from "../../scripts/report/model";

const PREFIX = "urn:pulumi:local::ecs-shared-images::";
const INSTANCE = "pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage";
const SYSTEM_DISK = "pulumi-nodejs:dynamic/ecs-shared-images:SystemDiskReplacement";
const COPY = "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy";
const REGIONAL_COPY = "pulumi-nodejs:dynamic/ecs-shared-images:RegionalImageCopy";
const STACK = "pulumi:pulumi:Stack";
const urn = (type: string, name: string) => `${PREFIX}${type}::${name}`;
/** A secret as the CLI serializes it in events (blinded by convertStepEventStateMetadata). */
const BLINDED = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" };

interface StepSpec {
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

function step(spec: StepSpec, event: "resourcePreEvent" | "resOutputsEvent" = "resourcePreEvent"): WireEvent {
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

const warning = (type: string, name: string, message: string): WireEvent => ({
  diagnosticEvent: { urn: urn(type, name), prefix: "warning: ", message: `${message}\n`, severity: "warning" },
});

const WEB = {
  approval: { approvedOwners: ["1111111111111111"] },
  identity: { urn: "x" },
  __provider: "exports.handler = __f0;",
  imageId: "m-copy1",
  instanceType: "ecs.g7.large",
  onImageChange: "replace",
  tags: { app: "web", "fleet-group": "web" },
};
const BATCH = { ...WEB, imageId: "m-golden1", onImageChange: "replaceSystemDisk", password: BLINDED };

/** A policy pack as the engine names it in its summary events. */
const PACK = { policyPackName: "ecs-shared-images", policyPackVersion: "0.1.0" };

function preview(events: WireEvent[], code = 0): Report {
  return buildReport("preview", "ecs-shared-images", "local", reduceEvents(events), code);
}

describe("reduceEvents", () => {
  it("keeps one step per resource: a replacement's logical step, not its halves", () => {
    const replace = { op: "replace", type: INSTANCE, name: "web-0", oldInputs: WEB, newInputs: WEB, keys: ["x"] };
    const run = reduceEvents([
      step({ ...replace, op: "create-replacement" }),
      step(replace),
      step(replace, "resOutputsEvent"),
      step({ ...replace, op: "delete-replaced" }),
    ]);
    expect(run.steps.map((s) => [s.op, s.name, s.replaceReasons])).toEqual([["replace", "web-0", ["x"]]]);
  });

  it("takes a refresh's verdict from its outputs event", () => {
    const spec = { type: INSTANCE, name: "web-0", oldInputs: WEB };
    const run = reduceEvents([step({ ...spec, op: "refresh" }), step({ ...spec, op: "update" }, "resOutputsEvent")]);
    expect(run.steps.map((s) => s.op)).toEqual(["update"]);
  });

  it("masks every secret, however deep, and strips colour directives from messages", () => {
    const run = reduceEvents([
      step({ op: "update", type: INSTANCE, name: "batch-0", oldInputs: { a: { b: [BLINDED] } }, newInputs: BATCH }),
      { diagnosticEvent: { message: "<{%fg 3%}>careful<{%reset%}>\n", severity: "warning", prefix: "warning: " } },
    ]);
    expect(run.steps[0].old?.inputs.a).toEqual({ b: ["[secret]"] });
    expect(run.steps[0].new?.inputs.password).toBe("[secret]");
    expect(run.diagnostics).toEqual([{ urn: undefined, severity: "warning", message: "careful" }]);
  });

  it("reads policy violations in the shape of apitype.PolicyEvent", () => {
    const run = reduceEvents([
      {
        policyEvent: {
          resourceUrn: urn(INSTANCE, "web-0"),
          message: "Instances must use an encrypted system disk: property systemDisk.encrypted is false.",
          policyName: "encrypted-system-disk",
          policyPackName: "ecs-guardrails",
          policyPackVersion: "0.1.0",
          enforcementLevel: "mandatory",
          severity: "high",
        },
      },
    ]);
    expect(run.policyViolations).toEqual([
      {
        urn: urn(INSTANCE, "web-0"),
        policyPack: "ecs-guardrails@0.1.0",
        policy: "encrypted-system-disk",
        enforcementLevel: "mandatory",
        severity: "high",
        message: "Instances must use an encrypted system disk: property systemDisk.encrypted is false.",
      },
    ]);
  });

  it("refuses output that is not an event stream, naming the line", () => {
    expect(() => parseEvents('{"sequence":1}\nUpdate plan written\n')).toThrow(EventStreamError);
    expect(() => parseEvents('{"sequence":1}\nUpdate plan written\n')).toThrow(/Line 2 .*"Update plan written"/);
  });
});

describe("changedPaths", () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1 }, { a: 2 }, [{ path: "a", old: 1, new: 2, forcesReplacement: false }]],
    [
      { t: { x: "1", y: "2" } },
      { t: { x: "1", y: "3" } },
      [{ path: "t.y", old: "2", new: "3", forcesReplacement: false }],
    ],
    [{ l: ["a"] }, { l: ["a", "b"] }, [{ path: "l", old: ["a"], new: ["a", "b"], forcesReplacement: false }]],
    [{}, { n: "x" }, [{ path: "n", new: "x", forcesReplacement: false }]],
    [{ n: "x" }, {}, [{ path: "n", old: "x", forcesReplacement: false }]],
    [{ identity: 1, __provider: "a" }, { identity: 2, __provider: "b" }, []],
  ])("%j -> %j", (old, next, expected) => {
    expect(changedPaths(old, next)).toEqual(expected);
  });

  it("marks the inputs the provider names as forcing the replacement", () => {
    expect(changedPaths({ t: "a", n: 1 }, { t: "b", n: 2 }, ["t"]).map((c) => [c.path, c.forcesReplacement])).toEqual([
      ["n", false],
      ["t", true],
    ]);
  });
});

describe("buildReport (preview)", () => {
  const cases: [string, StepSpec, string, string | undefined][] = [
    [
      "instance replaced",
      {
        op: "replace",
        type: INSTANCE,
        name: "web-0",
        id: "i-1",
        oldInputs: WEB,
        newInputs: { ...WEB, instanceType: "ecs.g7.xlarge" },
        keys: ["instanceType"],
      },
      "replace",
      "the instance's system disk and data disks (deleted with it)",
    ],
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
  ];

  it.each(cases)("%s: counted as %s, danger %j", (_name, spec, category, lost) => {
    const report = preview([step(spec)]);
    expect(report.resources.map((r) => r.category)).toEqual([category]);
    expect(report.counts[category as keyof Report["counts"]]).toBe(1);
    expect(report.dangers.map((d) => d.lost)).toEqual(lost === undefined ? [] : [lost]);
  });

  it("says why: the forcing input old -> new, and carries the provider's own warning", () => {
    const notice = "replaces instance i-1 because instanceType changed: a new instance is made and this one is deleted";
    const report = preview([
      step({
        op: "replace",
        type: INSTANCE,
        name: "web-0",
        id: "i-1",
        oldInputs: WEB,
        newInputs: { ...WEB, instanceType: "ecs.g7.xlarge" },
        keys: ["instanceType"],
      }),
      warning(INSTANCE, "web-0", notice),
    ]);
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

describe("renderMarkdown", () => {
  it("starts with the marker and the stack's heading, then the verdict", () => {
    const lines = renderMarkdown(preview([step({ op: "same", type: STACK, name: "s" })])).split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "<!-- pulumi-ecs-shared-images:preview:ecs-shared-images/local -->",
      "## Preview: ecs-shared-images/local",
      "",
      "**Verdict:** no changes (1 unchanged).",
    ]);
    expect(reportMarker({ kind: "drift", project: "p", stack: "s" })).toBe(
      "<!-- pulumi-ecs-shared-images:drift:p/s -->",
    );
  });

  it("puts the danger section before anything else, and shows values old -> new, secrets masked, unknowns named", () => {
    const markdown = renderMarkdown(
      preview([
        step({
          op: "update",
          type: INSTANCE,
          name: "web-0",
          oldInputs: WEB,
          newInputs: { ...WEB, tags: { app: "web2", "fleet-group": "web" } },
        }),
        step({
          op: "update",
          type: INSTANCE,
          name: "batch-0",
          id: "i-3",
          oldInputs: BATCH,
          newInputs: { ...BATCH, imageId: UNKNOWN, password: BLINDED },
        }),
      ]),
    );
    const sections = markdown.split("\n").filter((l) => l.startsWith("#"));
    expect(sections).toEqual([
      "## Preview: ecs-shared-images/local",
      "### ⚠️ Danger: what this change destroys",
      "### Changes",
    ]);
    expect(markdown).toContain("**Verdict:** 0 create, 1 update, 0 replace, 1 re-image, 0 delete; 0 unchanged.");
    expect(markdown).toContain(
      "- `batch-0` (InstanceFromSharedImage `i-3`): " +
        "**may re-image the system disk in place: only if `imageId`, known after up, turns out different**\n" +
        "  - because: `imageId`: `m-golden1` → (known after up)\n" +
        "  - lost: everything on the system disk; data disks are kept\n",
    );
    expect(markdown).toContain("- **update** `web-0` (InstanceFromSharedImage)\n  - `tags.app`: `web` → `web2`\n");
    expect(markdown).not.toMatch(/ciphertext|1b47061264138c4ac30d75fd1eb44270|__provider|identity/);
  });

  it("lists a policy violation with its level, policy, resource and property", () => {
    const markdown = renderMarkdown(
      preview([
        {
          policyEvent: {
            resourceUrn: urn(INSTANCE, "web-0"),
            message: "Instances must use an encrypted system disk: property systemDisk.encrypted is false.",
            policyName: "encrypted-system-disk",
            policyPackName: "ecs-guardrails",
            policyPackVersion: "0.1.0",
            enforcementLevel: "mandatory",
            severity: "high",
          },
        },
      ]),
    );
    expect(markdown).toContain(
      "### Policy violations\n\n" +
        "- **mandatory** (high) `ecs-guardrails@0.1.0/encrypted-system-disk` on `web-0` · `systemDisk.encrypted`: " +
        "Instances must use an encrypted system disk: property systemDisk.encrypted is false.\n",
    );
    expect(markdown).toContain("**Verdict:** **failed** (1 policy violation(s)); no changes (0 unchanged).");
  });

  it("names the property a policy message starts a line with, after the description", () => {
    const markdown = renderMarkdown(
      preview([
        {
          policyEvent: {
            resourceUrn: urn(INSTANCE, "web-1"),
            message: 'Instances use only the allowed instance types.\ninstanceType: "ecs.g7.large" is not allowed',
            policyName: "allowed-instance-types",
            policyPackName: "ecs-shared-images",
            policyPackVersion: "0.1.0",
            enforcementLevel: "mandatory",
          },
        },
      ]),
    );
    expect(markdown).toContain("`ecs-shared-images@0.1.0/allowed-instance-types` on `web-1` · `instanceType`: ");
  });

  it.each([
    ["no pack ran: no line", [], undefined],
    [
      "every policy of the pack passed on every resource",
      [
        { policyAnalyzeSummaryEvent: { ...PACK, resourceUrn: urn(INSTANCE, "web-0"), passed: ["a", "b"] } },
        { policyAnalyzeSummaryEvent: { ...PACK, resourceUrn: urn(INSTANCE, "web-1"), passed: ["a", "b"] } },
        { policyAnalyzeStackSummaryEvent: { ...PACK, passed: ["tags"] } },
      ],
      "**Policies:** `ecs-shared-images@0.1.0`: 3 checked, all passed.",
    ],
    [
      "a policy failing on one resource counts as failed once",
      [
        { policyAnalyzeSummaryEvent: { ...PACK, resourceUrn: urn(INSTANCE, "web-0"), passed: ["b"], failed: ["a"] } },
        { policyAnalyzeSummaryEvent: { ...PACK, resourceUrn: urn(INSTANCE, "web-1"), passed: ["a", "b"] } },
        { policyAnalyzeSummaryEvent: { ...PACK, policyPackName: "other", resourceUrn: urn(COPY, "c"), failed: ["x"] } },
      ],
      "**Policies:** `ecs-shared-images@0.1.0`: 2 checked, 1 failed (`a`); `other@0.1.0`: 1 checked, 1 failed (`x`).",
    ],
  ] as [string, WireEvent[], string | undefined][])("the policy packs that ran: %s", (_, events, line) => {
    const lines = renderMarkdown(preview(events)).split("\n");
    const policies = lines.filter((l) => l.startsWith("**Policies:**"));
    expect(policies).toEqual(line === undefined ? [] : [line]);
  });

  it("keeps messages on one line and out of HTML", () => {
    const markdown = renderMarkdown(preview([{ diagnosticEvent: { message: "a <b>\nc", severity: "error" } }], 1));
    expect(markdown).toContain("- a &lt;b> c\n");
    expect(markdown).toContain("**Verdict:** **failed** (1 error(s)); no changes (0 unchanged).");
  });
});

describe("the job's flags", () => {
  const base = "/home/me/repo";
  it.each([
    [["--report", "pr.md", "--diff"], { args: ["--diff"], reportFile: path.join(base, "pr.md"), usesPlan: false }],
    [["--report=/tmp/r.md"], { args: [], reportFile: "/tmp/r.md", usesPlan: false }],
    [["--save-plan", "plan.json"], { args: ["--save-plan", path.join(base, "plan.json")], usesPlan: true }],
    [
      ["--plan=plan.json", "-s", "dev"],
      { args: ["--plan", path.join(base, "plan.json"), "-s", "dev"], usesPlan: true },
    ],
    [["--diff"], { args: ["--diff"], usesPlan: false }],
    [
      ["--policy-pack", "policy", "--policy-pack-config=policy/config.local.json"],
      {
        args: [
          "--policy-pack",
          path.join(base, "policy"),
          "--policy-pack-config",
          path.join(base, "policy/config.local.json"),
        ],
        usesPlan: false,
      },
    ],
    [["--policy-pack=/abs/pack"], { args: ["--policy-pack", "/abs/pack"], usesPlan: false }],
  ])("%j", (args, expected) => {
    expect(gitopsArgs(args, base)).toEqual({ reportFile: undefined, ...expected });
  });

  it("refuses a flag without its file", () => {
    expect(() => gitopsArgs(["--report", "--diff"], base)).toThrow(
      new ReportError("--report needs a file name after it."),
    );
  });

  it("never lets the report show secrets", () => {
    for (const flag of ["--show-secrets", "--show-secrets=true"]) {
      expect(() => reportedCommand("preview", [flag], {})).toThrow(ReportError);
    }
  });

  it("runs preview and refresh as streamed JSON; drift compares outputs and is not a confirmed refresh", () => {
    const env = { PULUMI_SKIP_CONFIRMATIONS: "true" };
    expect(reportedCommand("preview", ["--stack", "local", "--json"], env)).toEqual({
      args: ["preview", "--json", "--stack", "local"],
      env: { ...env, PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" },
    });
    expect(reportedCommand("drift", ["--stack", "local"], env)).toEqual({
      args: ["refresh", "--preview-only", "--expect-no-changes", "--json", "--stack", "local"],
      env: { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true", PULUMI_ENABLE_LEGACY_REFRESH_DIFF: "true" },
    });
  });
});
