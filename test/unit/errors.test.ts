// Typed ECS errors: the sentence, the hint and the request id a person acts on.
import { ClientError, ServerError, ThrottlingError } from "@alicloud/openapi-core";
import { codeEntry, codesWhere } from "../../providers/ecs/codes";
import {
  EcsError,
  EndpointConnectionError,
  formatDuration,
  fromSdkError,
  MissingCredentialsError,
  recordEndpoint,
  TimeoutError,
} from "../../providers/ecs/errors";
import { isRetryable } from "../../providers/ecs/retry";

function envelope(code: string, message: string, requestId = "REQ-1") {
  return { RequestId: requestId, HostId: "ecs.aliyuncs.com", Code: code, Message: message, Recommend: "" };
}

function clientError(statusCode: number, code: string, message = "The specified image does not exist.") {
  const data = envelope(code, message);
  return new ClientError({
    statusCode,
    code,
    message: `code: ${statusCode}, ${message} request id: REQ-1`,
    data,
    requestId: "REQ-1",
  });
}

function socketError(code: string, message: string): Error {
  return Object.assign(new Error(`${message}POST http://ecs.example/?Password=hunter2 failed.`), { code });
}

describe("fromSdkError", () => {
  it("reports a deleted or unshared source image in one line with code, status, RequestId and a fix", () => {
    const err = fromSdkError("CopyImage", clientError(404, "InvalidImageId.NotFound"), { imageId: "m-abc" });
    expect(err).toBeInstanceOf(EcsError);
    expect(err.message).toBe(
      "CopyImage failed: the image m-abc no longer exists or is no longer shared with this account " +
        "(InvalidImageId.NotFound, HTTP 404, RequestId REQ-1). " +
        "Fix: ask the image owner to share it with this account again, or choose another approved image.",
    );
    expect(err).toMatchObject({ action: "CopyImage", code: "InvalidImageId.NotFound", httpStatus: 404 });
  });

  it("words a missing image by action: for DeleteImage it is simply not there", () => {
    const err = fromSdkError("DeleteImage", clientError(404, "InvalidImageId.NotFound"), { imageId: "m-abc" });
    expect(err.sentence).toBe("the image m-abc does not exist in this region");
  });

  it("keeps retryAfter of a ThrottlingError as milliseconds, as the SDK's own retry does", () => {
    const sdk = new ThrottlingError({
      statusCode: 400,
      code: "Throttling.User",
      message: "code: 400, Request was denied due to user flow control. request id: REQ-2",
      retryAfter: 1500,
      data: envelope("Throttling.User", "Request was denied due to user flow control.", "REQ-2"),
      requestId: "REQ-2",
    });
    const err = fromSdkError("DescribeImages", sdk);
    expect(err).toMatchObject({ code: "Throttling.User", httpStatus: 400, requestId: "REQ-2", retryAfterMs: 1500 });
  });

  it("passes the service's message through for codes without a sentence, scrubbed of secrets", () => {
    const sdk = clientError(400, "InvalidParameter.Odd", "Bad value hunter2 for Password.");
    const err = fromSdkError("RunInstances", sdk, { secrets: ["hunter2"] });
    expect(err.message).toBe(
      "RunInstances failed: Bad value *** for Password. (InvalidParameter.Odd, HTTP 400, RequestId REQ-1).",
    );
  });

  it("treats the SDK's literal 'undefined' request id as absent", () => {
    const sdk = new ServerError({
      statusCode: 503,
      code: "ServiceUnavailable",
      message: "x",
      data: {},
      requestId: "undefined",
    });
    const err = fromSdkError("DescribeInstances", sdk);
    expect(err.requestId).toBeUndefined();
    expect(err.message).toContain("(ServiceUnavailable, HTTP 503)");
  });

  it("classifies an error body without a Code by its HTTP status", () => {
    const sdk = new ServerError({ statusCode: 502, code: "undefined", message: "x", data: {}, requestId: "undefined" });
    expect(fromSdkError("DescribeImages", sdk)).toMatchObject({ code: "NoErrorCode", httpStatus: 502 });
  });

  it.each([
    ["ECONNRESET", "socket hang up", "NetworkError", "(ECONNRESET)", true],
    ["ETIMEDOUT", "connect ETIMEDOUT 10.0.0.1:443", "NetworkError", "(ETIMEDOUT)", true],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1", "NetworkError", "(ECONNREFUSED)", true],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND ecs.nowhere", "EndpointNotFound", "(ENOTFOUND)", false],
    ["EPROTO", "write EPROTO ...:ssl3_get_record:wrong version number", "TlsHandshakeFailed", "(EPROTO)", false],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number", "TlsHandshakeFailed", "(ERR_SSL_", false],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match", "TlsHandshakeFailed", "(ERR_TLS_", false],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", "TlsHandshakeFailed", "(DEPTH_ZERO", false],
  ])("maps socket error %s to %s without echoing the request URL", (code, message, expected, detail, retryable) => {
    const err = fromSdkError("RunInstances", socketError(code, message));
    expect(err).toBeInstanceOf(EndpointConnectionError);
    expect(err.code).toBe(expected);
    expect(err.httpStatus).toBeUndefined();
    expect(err.message).toContain(detail);
    expect(err.message).not.toContain("hunter2");
    expect(isRetryable(err)).toBe(retryable);
  });

  it.each([
    ["ECONNREFUSED", "the connection to the ECS endpoint http://127.0.0.1:18410 failed before any answer", /is up/],
    ["ECONNRESET", "the connection to the ECS endpoint http://127.0.0.1:18410 failed before any answer", /is up/],
    ["ENOTFOUND", "the host name of the ECS endpoint http://127.0.0.1:18410 could not be resolved", /DNS/],
    ["EPROTO", "the TLS handshake with the ECS endpoint http://127.0.0.1:18410 failed", /write it as http:\/\//],
  ])("names the endpoint the client recorded for %s and says what to check", (code, sentence, hint) => {
    const sdk = recordEndpoint(socketError(code, "x"), "http://127.0.0.1:18410");
    const err = fromSdkError("DescribeImages", sdk);
    expect(err).toMatchObject({ endpoint: "http://127.0.0.1:18410", sentence: `${sentence} (${code})` });
    expect(err.hint).toMatch(hint);
    expect(err.hint).toContain("ecsSharedImages:endpoint");
  });

  it("names the endpoint of a timeout, and says 'the ECS endpoint' when no client recorded one", () => {
    const timeout = Object.assign(new Error("ReadTimeout: 3000."), { name: "RequestTimeoutError" });
    const named = fromSdkError("DescribeImages", recordEndpoint(timeout, "https://ecs.cn-hangzhou.aliyuncs.com"));
    expect(named.sentence).toBe(
      "the ECS endpoint https://ecs.cn-hangzhou.aliyuncs.com did not answer in time (read timeout)",
    );
    const anonymous = fromSdkError("DescribeImages", socketError("ECONNREFUSED", "x"));
    expect(anonymous.sentence).toBe("the connection to the ECS endpoint failed before any answer (ECONNREFUSED)");
    expect(anonymous).toMatchObject({ endpoint: undefined });
  });

  it.each([
    ["ConnectTimeout: Connect http://h/?Password=hunter2 failed.", "connect timeout"],
    ["ReadTimeout: 3000. POST /?Password=hunter2 failed.", "read timeout"],
  ])("maps httpx's RequestTimeoutError %s to RequestTimeout (%s) without the URL", (message, phase) => {
    const sdk = Object.assign(new Error(message), { name: "RequestTimeoutError" });
    const err = fromSdkError("RunInstances", sdk);
    expect(err.code).toBe("RequestTimeout");
    expect(err.message).toContain(phase);
    expect(err.message).not.toContain("hunter2");
  });

  it("maps a non-JSON body (SyntaxError) to MalformedResponse", () => {
    const err = fromSdkError("DescribeImages", new SyntaxError("Unexpected token < in JSON at position 0"));
    expect(err.code).toBe("MalformedResponse");
    expect(err).not.toBeInstanceOf(EndpointConnectionError);
  });

  it("turns the SDK's InvalidCredentials (thrown before sending) into one sentence listing the sources", () => {
    const sdk = new ClientError({ code: "InvalidCredentials", message: "Please set up the credentials correctly." });
    const err = fromSdkError("DescribeImages", sdk);
    expect(err).toBeInstanceOf(MissingCredentialsError);
    expect(err.message).toMatch(
      /^No Alibaba Cloud credentials were found for DescribeImages: set them in the stack config/,
    );
    expect(err.message).toContain("ALIBABA_CLOUD_ACCESS_KEY_ID");
    expect(err.message.split(". ").length).toBe(1);
  });

  it("reports anything else as an UnexpectedError, keeping the original as cause", () => {
    const original = new TypeError("x is not a function");
    const err = fromSdkError("DescribeImages", original);
    expect(err.code).toBe("UnexpectedError");
    expect(err.cause).toBe(original);
  });

  it("returns an EcsError unchanged", () => {
    const err = fromSdkError("CopyImage", clientError(404, "InvalidImageId.NotFound"));
    expect(fromSdkError("Other", err)).toBe(err);
  });

  it("has a fix for every code it has a sentence for", () => {
    const described = codesWhere((entry) => entry.sentence !== undefined);
    expect(described.size).toBeGreaterThan(0);
    for (const code of described) {
      const entry = codeEntry(code);
      expect([code, (entry?.sentence?.({}, "CopyImage") ?? "").length > 0]).toEqual([code, true]);
      expect([code, entry?.hint?.({}, "CopyImage").endsWith(".")]).toEqual([code, true]);
    }
  });
});

describe("TimeoutError", () => {
  it("says how long it waited, what it saw last and how to resume", () => {
    const err = new TimeoutError("image m-1 to become Available", 6 * 3_600_000, "Creating 45%");
    expect(err.message).toBe(
      "Timed out after 6h waiting for image m-1 to become Available; last seen: Creating 45%. " +
        "Fix: raise the resource's timeouts input if the operation is merely slow, then run pulumi up again to resume.",
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [250, "250ms"],
    [90_000, "1m30s"],
    [45 * 60_000, "45m"],
    [2 * 3_600_000 + 1000, "2h1s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
