// The HTTP server: the ECS API on / and the admin API under /_emulator/, on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdmin, type EmulatorAdmin } from "./admin/admin";
import { AdminError } from "./admin/errors";
import { ADMIN_PREFIX, handleAdmin, isLoopback } from "./admin/http";
import { EmulatorCore, type EmulatorOptions } from "./emulator";
import { InternalError, InvalidParameter } from "./models/errors";
import { errorBody, newRequestId, sendJson } from "./protocol/envelope";

const MAX_BODY = 1024 * 1024;

export interface RunningEmulator {
  /** "127.0.0.1:PORT", no scheme, as the SDK Config wants. */
  endpoint: string;
  port: number;
  /** Base URL of the admin API, e.g. http://127.0.0.1:PORT/_emulator/ */
  adminUrl: string;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function serveAdmin(
  admin: EmulatorAdmin,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  if (!isLoopback(req)) {
    sendJson(res, 403, { error: "the admin API only answers loopback clients" });
    return;
  }
  try {
    let parsed: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        throw new AdminError(400, "the request body must be JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new AdminError(400, "the body must be a JSON object");
    }
    const out = handleAdmin(admin, req.method ?? "GET", new URL(req.url ?? "/", "http://127.0.0.1"), parsed);
    sendJson(res, out.status, out.body);
  } catch (e) {
    sendJson(res, e instanceof AdminError ? e.status : 400, { error: (e as Error).message });
  }
}

/**
 * Starts the HTTP server (API on `POST /`, admin under /_emulator/) on 127.0.0.1. Tests that must look inside the
 * emulator (e.g. at the in-memory password fingerprints) pass the core they hold.
 */
export async function startServer(
  options: EmulatorOptions = {},
  core = new EmulatorCore(options),
): Promise<RunningEmulator> {
  const admin = createAdmin(core);
  // Queries can be long (UserData of up to 32 KB travels in the URL), so allow large request lines.
  const server: Server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    readBody(req)
      .then(async (body) => {
        const url = req.url ?? "/";
        if (url.startsWith(ADMIN_PREFIX)) {
          await serveAdmin(admin, req, res, body ?? Buffer.alloc(0));
          return;
        }
        if (body === undefined) {
          const requestId = newRequestId();
          sendJson(res, 400, errorBody(new InvalidParameter("Body", `larger than ${MAX_BODY} bytes`), requestId));
          return;
        }
        const q = url.indexOf("?");
        const out = core.handleApi({
          method: req.method ?? "",
          path: q < 0 ? url : url.slice(0, q),
          rawQuery: q < 0 ? "" : url.slice(q + 1),
          headers: req.headers,
          body,
        });
        if (out.latencyMs) await new Promise((r) => setTimeout(r, out.latencyMs));
        if (out.drop) {
          req.socket.destroy();
          return;
        }
        sendJson(res, out.status, out.body, out.headers);
      })
      .catch((e) => {
        process.stderr.write(`emulator: unexpected server error: ${(e as Error)?.stack ?? e}\n`);
        if (!res.headersSent) sendJson(res, 500, errorBody(new InternalError(), newRequestId()));
      });
  });
  server.keepAliveTimeout = 65_000;
  server.on("clientError", (_err, socket) => {
    if (!socket.writable) return;
    const body = JSON.stringify(
      errorBody(new InvalidParameter("Request", "malformed HTTP request or headers too large"), newRequestId()),
    );
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    adminUrl: `http://127.0.0.1:${port}${ADMIN_PREFIX}`,
    admin,
    close: async () => {
      if (closed) return;
      closed = true;
      core.save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
