// The GitOps report's reading of pulumi's streamed JSON events: one step per resource, secrets masked, policy
// violations, and the changed paths between two states.
import { EventStreamError, parseEvents, reduceEvents } from "../../scripts/report/events";
import { changedPaths } from "../../scripts/report/model";
import { BATCH, BLINDED, ENCRYPTION_VIOLATION, INSTANCE, step, urn, WEB } from "../support/report-events";

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
    const run = reduceEvents([ENCRYPTION_VIOLATION]);
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
