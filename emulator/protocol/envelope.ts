// The wire shape of an error: Alibaba's {RequestId, HostId, Code, Message, Recommend} envelope and request ids.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EcsError } from "../models/errors";

const HOST_ID = "ecs.aliyuncs.com";

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function errorBody(err: EcsError, requestId: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Ecs&requestId=${requestId}`,
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}
