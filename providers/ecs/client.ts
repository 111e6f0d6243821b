// Where the ECS client comes from: region, endpoint and credentials, read at call time in the provider process and
// never captured into the serialized provider (README "Design notes": packaging of dynamic providers).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as Credentials from "@alicloud/credentials";
import type Ecs from "@alicloud/ecs20140526";
import type * as OpenApi from "@alicloud/openapi-core";
import { watchEngine } from "../engine-watch";
import { InvalidInputError, MissingCredentialsError, recordEndpoint } from "./errors";
import { ENDPOINT_CONFIG_KEY } from "./transport-codes";

/** What the provider process was given by `configure()`: the stack's decrypted config. */
export interface StackConfig {
  get(key: string): string | undefined;
}

// Our own config namespace (any namespace works in Pulumi config; this one never clashes with a project name).
export { ENDPOINT_CONFIG_KEY };
export const ENDPOINT_ENV = "ECS_SHARED_IMAGES_ENDPOINT";

export type CredentialSource =
  | {
      readonly kind: "static";
      readonly accessKeyId: string;
      readonly accessKeySecret: string;
      readonly securityToken?: string;
    }
  | { readonly kind: "chain"; readonly profile?: string };

export interface ConnectionSettings {
  readonly regionId: string;
  /** host[:port] without scheme, as the SDK wants it; undefined = the SDK's public endpoint for the region. */
  readonly endpoint?: string;
  readonly protocol: "HTTP" | "HTTPS";
  readonly credential: CredentialSource;
  readonly readTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface Endpoint {
  /** host[:port] without scheme, as the SDK wants it. */
  readonly host: string;
  readonly protocol: "HTTP" | "HTTPS";
}

const ACCEPTED_ENDPOINTS =
  "use http://HOST[:PORT], https://HOST[:PORT], or HOST:PORT (plain http for a loopback host such as " +
  "127.0.0.1:8080 or localhost:8080, https otherwise), with no path";

/** 127.0.0.0/8, [::1] and localhost: hosts on this machine, where a bare host:port means the local emulator. */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === "localhost" || name === "[::1]") return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  if (!octets) return false;
  return octets.slice(1).every((o) => Number(o) <= 255);
}

/**
 * Parses the endpoint override. A scheme says the protocol; without one, a loopback host means plain http (what the
 * emulator speaks; a pasted 127.0.0.1:PORT must not silently become https) and any other host https, as ECS does.
 */
export function parseEndpoint(text: string): Endpoint {
  const refuse = (why: string): never => {
    throw new InvalidInputError(ENDPOINT_CONFIG_KEY, `${JSON.stringify(text)} ${why}: ${ACCEPTED_ENDPOINTS}`);
  };
  const schemeMatch = /^([^:/?#\s]*):\/\/(.*)$/s.exec(text.trim());
  const scheme = schemeMatch?.[1].toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") refuse(`has the scheme "${schemeMatch?.[1]}"`);
  const rest = schemeMatch ? schemeMatch[2] : text.trim();
  const authority = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?\/?$/.exec(rest);
  if (!authority) {
    if (/[/?#]/.test(rest.replace(/\/$/, ""))) refuse("has a path, query or fragment");
    refuse("is not a host name or IP address with an optional port");
  }
  const [, hostname, port] = authority as RegExpExecArray;
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) refuse(`has the port ${port}`);
  const protocol = scheme === "http" || (scheme === undefined && isLoopbackHost(hostname)) ? "HTTP" : "HTTPS";
  return { host: port === undefined ? hostname : `${hostname}:${port}`, protocol };
}

const EMPTY_CONFIG: StackConfig = { get: () => undefined };
let stackConfig: StackConfig = EMPTY_CONFIG;

/**
 * Called from each provider's `configure()` (the engine's first call into a provider process): later calls read
 * credentials from this config, and the process starts watching its engine.
 */
export function useStackConfig(config: StackConfig): void {
  stackConfig = config;
  watchEngine();
}

const first = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== "");

/** Files and variables the `@alicloud/credentials` default chain reads without touching the network. */
function localChainSourceExists(env: NodeJS.ProcessEnv): boolean {
  if (first(env.ALIBABA_CLOUD_ACCESS_KEY_ID, env.ALIBABA_CLOUD_OIDC_TOKEN_FILE, env.ALIBABA_CLOUD_CREDENTIALS_URI)) {
    return true;
  }
  // A named instance RAM role is an explicit opt-in to the metadata service.
  if (env.ALIBABA_CLOUD_ECS_METADATA && env.ALIBABA_CLOUD_ECS_METADATA_DISABLED !== "true") return true;
  const home = env.HOME ?? os.homedir();
  const files = [
    env.ALIBABA_CLOUD_CREDENTIALS_FILE,
    path.join(home, ".alibabacloud", "credentials"),
    env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED === "true" ? undefined : path.join(home, ".aliyun", "config.json"),
  ];
  return files.some((file) => file !== undefined && fs.existsSync(file));
}

/**
 * Resolves region, endpoint and credentials. Order: the resource's own region, else `alicloud:region`, else
 * ALICLOUD_REGION / ALIBABA_CLOUD_REGION; credentials from stack config, else ALICLOUD_* / ALIBABA_CLOUD_* variables,
 * else the `@alicloud/credentials` chain when one of its local sources exists. Never touches the network: an
 * unconfigured chain would ask the ECS metadata service, so that case is a MissingCredentialsError instead.
 */
export function resolveSettings(
  inputRegion: string | undefined,
  action: string,
  config: StackConfig = stackConfig,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSettings {
  const regionId = first(inputRegion, config.get("alicloud:region"), env.ALICLOUD_REGION, env.ALIBABA_CLOUD_REGION);
  if (!regionId) {
    throw new InvalidInputError(
      "region",
      "no region is set: give the resource a `region`, or set `alicloud:region` in the stack config, " +
        "or ALICLOUD_REGION / ALIBABA_CLOUD_REGION in the environment",
    );
  }
  const endpointText = first(config.get(ENDPOINT_CONFIG_KEY), env[ENDPOINT_ENV]);
  const endpoint = endpointText === undefined ? undefined : parseEndpoint(endpointText);

  const accessKeyId = first(config.get("alicloud:accessKey"), env.ALICLOUD_ACCESS_KEY, env.ALIBABA_CLOUD_ACCESS_KEY_ID);
  const accessKeySecret = first(
    config.get("alicloud:secretKey"),
    env.ALICLOUD_SECRET_KEY,
    env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  );
  const securityToken = first(
    config.get("alicloud:securityToken"),
    env.ALICLOUD_SECURITY_TOKEN,
    env.ALIBABA_CLOUD_SECURITY_TOKEN,
  );
  const profile = first(config.get("alicloud:profile"), env.ALICLOUD_PROFILE, env.ALIBABA_CLOUD_PROFILE);
  let credential: CredentialSource;
  if (accessKeyId && accessKeySecret) {
    credential = { kind: "static", accessKeyId, accessKeySecret, securityToken };
  } else if (accessKeyId || accessKeySecret) {
    throw new InvalidInputError(
      accessKeyId ? "alicloud:secretKey" : "alicloud:accessKey",
      "an access key needs both its id and its secret; only one of them is set",
    );
  } else if (profile || localChainSourceExists(env)) {
    credential = { kind: "chain", profile };
  } else {
    throw new MissingCredentialsError(action);
  }
  return {
    regionId,
    endpoint: endpoint?.host,
    protocol: endpoint?.protocol ?? "HTTPS",
    credential,
    readTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
  };
}

function cacheKey(settings: ConnectionSettings): string {
  // The secret only enters as a hash, so the key can never leak it.
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex");
}

type EcsClass = new (config: OpenApi.$OpenApiUtil.Config) => Ecs;
let endpointNamingEcs: EcsClass | undefined;

/**
 * The SDK client class, recording for every failed call where it was sent, so the error can name the endpoint.
 * Loaded with the SDK at the first client: a Pulumi program that only declares resources never loads the SDK, which
 * costs a few hundred milliseconds and tens of MiB in every process that does.
 */
function endpointNamingClass(): EcsClass {
  if (endpointNamingEcs === undefined) {
    const Base: typeof Ecs = require("@alicloud/ecs20140526").default;
    endpointNamingEcs = class EndpointNamingEcs extends Base {
      override async callApi(...args: Parameters<Ecs["callApi"]>): ReturnType<Ecs["callApi"]> {
        try {
          return await super.callApi(...args);
        } catch (err) {
          // _endpoint is what the SDK sends to: the override, or the public endpoint it derived from the region.
          throw recordEndpoint(err, `${String(this._protocol).toLowerCase()}://${this._endpoint}`);
        }
      }
    };
  }
  return endpointNamingEcs;
}

const clients = new Map<string, Ecs>();

/**
 * One SDK client per distinct connection in this process; built lazily, never serialized.
 * @internal The SDK's types stay out of the published declarations (consumers type-check without them).
 */
export function ecsClient(settings: ConnectionSettings): Ecs {
  const key = cacheKey(settings);
  let client = clients.get(key);
  if (!client) {
    const source = settings.credential;
    const { $OpenApiUtil }: typeof OpenApi = require("@alicloud/openapi-core");
    const config = new $OpenApiUtil.Config({
      regionId: settings.regionId,
      endpoint: settings.endpoint,
      protocol: settings.protocol,
      // Both matter: the SDK also uses connectTimeout as the socket idle timeout.
      readTimeout: settings.readTimeoutMs,
      connectTimeout: settings.connectTimeoutMs,
    });
    if (source.kind === "static") {
      config.accessKeyId = source.accessKeyId;
      config.accessKeySecret = source.accessKeySecret;
      config.securityToken = source.securityToken;
    } else {
      // A named profile is one of the Alibaba Cloud CLI's (~/.aliyun/config.json), as ALICLOUD_PROFILE means there.
      const {
        default: Credential,
        CLIProfileCredentialsProvider,
      }: typeof Credentials = require("@alicloud/credentials");
      config.credential = source.profile
        ? new Credential(null, CLIProfileCredentialsProvider.builder().withProfileName(source.profile).build())
        : new Credential();
    }
    client = new (endpointNamingClass())(config);
    clients.set(key, client);
  }
  return client;
}
