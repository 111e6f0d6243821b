// The GitOps report rendered as Markdown: marker, heading, verdict, and the tables a reviewer reads.
import { UNKNOWN, type WireEvent } from "../../scripts/report/events";
import { renderMarkdown, reportMarker } from "../../scripts/report/markdown";
import {
  BATCH,
  BLINDED,
  COPY,
  ENCRYPTION_VIOLATION,
  INSTANCE,
  PACK,
  preview,
  STACK,
  step,
  urn,
  WEB,
} from "../support/report-events";

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
    const markdown = renderMarkdown(preview([ENCRYPTION_VIOLATION]));
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
