// SystemDiskReplacement's input rules that need no ECS call (pure; check() runs them first), and its deadlines.

import {
  IMAGE_ID,
  kmsKeyIdFailure,
  kmsKeyWithoutEncryption,
  loginFailures,
  matches,
  quote,
  REGION_ID,
} from "../common/rules";
import { DEFAULT_TIMEOUTS, resolveTimeouts, type Timeouts, type TimeoutsInput, timeoutsFailures } from "../ecs/wait";
import { type PropertyFailure, validateApprovalPolicy } from "../policy/approval";
import { identityProblem } from "../resource-identity";
import { containsUnknown } from "../wire-values";
import type { RestartMode, SystemDiskReplacementInputs } from "./args";

const INSTANCE_ID = /^i-[A-Za-z0-9]+$/;
const RESTART_MODES: readonly RestartMode[] = ["previous", "running", "stopped"];

const TIMEOUT_DEFAULTS: Timeouts = {
  create: DEFAULT_TIMEOUTS.systemDiskReplacement,
  update: DEFAULT_TIMEOUTS.systemDiskReplacement,
  delete: DEFAULT_TIMEOUTS.systemDiskReplacement,
};

/**
 * Input rules that need no ECS call. Values unknown during preview, or holding an unknown anywhere inside, are
 * skipped. Failures name the property.
 */
export function validateInputs(news: Partial<Record<keyof SystemDiskReplacementInputs, unknown>>): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const unknown = (key: keyof SystemDiskReplacementInputs) => containsUnknown(news[key]);
  const known = (key: keyof SystemDiskReplacementInputs) => news[key] !== undefined && !unknown(key);

  const identity = identityProblem(news.identity);
  if (identity !== undefined && !unknown("identity")) fail("identity", identity);
  if (!unknown("instanceId") && (typeof news.instanceId !== "string" || !INSTANCE_ID.test(news.instanceId))) {
    fail("instanceId", `must be an instance id like "i-bp1abc...", got ${quote(news.instanceId)}`);
  }
  if (!unknown("imageId") && !matches(IMAGE_ID)(news.imageId)) {
    fail("imageId", `must be an image id like "m-bp1abc...", got ${quote(news.imageId)}`);
  }
  if (known("region") && !matches(REGION_ID)(news.region)) {
    fail("region", `must be a region id like "cn-hangzhou", got ${quote(news.region)}`);
  }
  if (!unknown("approval")) failures.push(...validateApprovalPolicy(news.approval, "approval"));
  if (known("systemDiskSize")) {
    const size = news.systemDiskSize;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 20 || size > 2048) {
      fail("systemDiskSize", `must be a whole number of GiB from 20 to 2048, got ${quote(size)}`);
    }
  }
  failures.push(...loginFailures(news, known));
  if (known("passwordInherit") && typeof news.passwordInherit !== "boolean") {
    fail("passwordInherit", `must be true or false, got ${quote(news.passwordInherit)}`);
  }
  const credentials = (["password", "keyPairName", "passwordInherit"] as const).filter(
    (key) => news[key] !== undefined && news[key] !== false,
  );
  if (credentials.length > 1) {
    fail(
      credentials[1],
      `give at most one of password, keyPairName and passwordInherit (got ${credentials.join(" and ")}); ` +
        "with none, a key pair instance keeps its key pair",
    );
  }
  if (known("encrypted") && typeof news.encrypted !== "boolean") {
    fail("encrypted", `must be true or false, got ${quote(news.encrypted)}`);
  }
  if (known("kmsKeyId")) {
    const problem = kmsKeyIdFailure(news.kmsKeyId);
    if (problem !== undefined) fail("kmsKeyId", problem);
    else if (news.encrypted === false) fail("kmsKeyId", kmsKeyWithoutEncryption(news.kmsKeyId, "the system disk"));
  }
  if (known("restart") && !RESTART_MODES.includes(news.restart as RestartMode)) {
    fail("restart", `must be one of ${RESTART_MODES.join(", ")}, got ${quote(news.restart)}`);
  }
  if (known("revertOnDelete") && typeof news.revertOnDelete !== "boolean") {
    fail("revertOnDelete", `must be true or false, got ${quote(news.revertOnDelete)}`);
  } else if (news.revertOnDelete === true && news.passwordInherit === true) {
    // The revert makes a disk from previousImageId with the same credentials; a preset password is a property of
    // one image, and ECS refuses PasswordInherit for an image without one (the usual case for the original image).
    fail(
      "revertOnDelete",
      "cannot be combined with passwordInherit: the revert on delete makes a disk from the previous image, whose " +
        "preset password (if any) is not this image's; declare password or keyPairName instead (both apply to " +
        "either image), or set revertOnDelete: false",
    );
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, TIMEOUT_DEFAULTS));
  return failures;
}

export function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}
