// The admin API over HTTP (/_emulator/...): JSON routes onto the admin object, loopback only, unsigned.
import type { IncomingMessage } from "node:http";
import type { EmulatorAdmin } from "./admin";
import { AdminError } from "./errors";

export const ADMIN_PREFIX = "/_emulator/";

export interface AdminResponse {
  status: number;
  body: unknown;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export function isLoopback(req: IncomingMessage): boolean {
  return LOOPBACK.has(req.socket.remoteAddress ?? "");
}

type Body = Record<string, unknown>;

function need(body: Body, key: string, type: "string" | "number" | "boolean" | "object"): never | undefined {
  if (typeof body[key] !== type || body[key] === null)
    throw new AdminError(400, `${key} is required and must be a ${type}`);
  return undefined;
}

/**
 * The admin API: JSON in, JSON out, unsigned, loopback only. Routes (all under /_emulator/):
 * GET health | clock | inventory[?account=] | requests[?action=&since=] | stats | faults | throttle |
 * instances/credentials?instanceId=;
 * POST world (a world JSON) | reset | clock/advance {ms} | faults {rule} | throttle {patch} | revoke-share
 * {imageId, accountId} | arrears {accountId, inArrears?} | kms-key {keyId, state} | instances/delete {instanceId} |
 * instances/modify {instanceId, ...patch} | instances/stop {instanceId} | instances/password-check {instanceId,
 * password} | images/delete {imageId} | images/fail-copy {imageId} | images/deprecate {imageId} | images/undeprecate
 * {imageId} | save;
 * DELETE requests | faults.
 * Unknown ids are 404, a resource in the wrong state for the back door 409, bad input 400.
 */
export function handleAdmin(admin: EmulatorAdmin, method: string, url: URL, body: Body): AdminResponse {
  const path = url.pathname.slice(ADMIN_PREFIX.length).replace(/\/$/, "");
  const ok = (b: unknown = { ok: true }): AdminResponse => ({ status: 200, body: b });
  const key = `${method} ${path}`;
  switch (key) {
    case "GET health":
      return ok({ ok: true, now: admin.now() });
    case "GET clock":
      return ok({ now: admin.now(), iso: new Date(admin.now()).toISOString() });
    case "POST clock/advance":
      need(body, "ms", "number");
      return ok({ now: admin.advanceClock(body.ms as number) });
    case "POST world":
      admin.loadWorld(body as never);
      return ok();
    case "POST reset":
      admin.reset();
      return ok();
    case "GET inventory":
      return ok(admin.inventory(url.searchParams.get("account") ?? undefined));
    case "GET requests": {
      const since = url.searchParams.get("since");
      return ok(
        admin.requests({
          action: url.searchParams.get("action") ?? undefined,
          since: since ? Number(since) : undefined,
        }),
      );
    }
    case "DELETE requests":
      admin.clearRequests();
      return ok();
    case "GET stats":
      return ok(admin.stats());
    case "GET faults":
      return ok(admin.faults());
    case "POST faults":
      return ok(admin.addFault(body as never));
    case "DELETE faults":
      admin.clearFaults();
      return ok();
    case "GET throttle":
      return ok(admin.setThrottle({}));
    case "POST throttle":
      return ok(admin.setThrottle(body as never));
    case "POST revoke-share":
      need(body, "imageId", "string");
      need(body, "accountId", "string");
      admin.revokeShare(body.imageId as string, body.accountId as string);
      return ok();
    case "POST arrears":
      need(body, "accountId", "string");
      admin.setArrears(body.accountId as string, body.inArrears === undefined ? true : body.inArrears === true);
      return ok();
    case "POST kms-key":
      need(body, "keyId", "string");
      if (body.state === "Disabled") admin.disableKmsKey(body.keyId as string);
      else if (body.state === "Enabled") admin.enableKmsKey(body.keyId as string);
      else throw new AdminError(400, "state must be Enabled or Disabled");
      return ok();
    case "POST instances/delete":
      need(body, "instanceId", "string");
      admin.deleteInstance(body.instanceId as string);
      return ok();
    case "POST instances/modify": {
      need(body, "instanceId", "string");
      const { instanceId, ...patch } = body;
      return ok(admin.modifyInstance(instanceId as string, patch));
    }
    case "POST instances/stop":
      need(body, "instanceId", "string");
      admin.stopInstance(body.instanceId as string);
      return ok();
    case "GET instances/credentials": {
      const instanceId = url.searchParams.get("instanceId");
      if (!instanceId) throw new AdminError(400, "instanceId is required (instances/credentials?instanceId=i-...)");
      return ok(admin.credentials(instanceId));
    }
    case "POST instances/password-check":
      // The candidate password is compared and dropped: never echoed, logged or put in an error message.
      need(body, "instanceId", "string");
      need(body, "password", "string");
      return ok({ match: admin.hasPassword(body.instanceId as string, body.password as string) });
    case "POST images/delete":
      need(body, "imageId", "string");
      admin.deleteImage(body.imageId as string);
      return ok();
    case "POST images/fail-copy":
      need(body, "imageId", "string");
      admin.failCopy(body.imageId as string);
      return ok();
    case "POST images/deprecate":
      need(body, "imageId", "string");
      admin.deprecateImage(body.imageId as string);
      return ok();
    case "POST images/undeprecate":
      need(body, "imageId", "string");
      admin.undeprecateImage(body.imageId as string);
      return ok();
    case "POST save":
      admin.save();
      return ok();
    default:
      throw new AdminError(404, `no admin route ${method} ${url.pathname}`);
  }
}
