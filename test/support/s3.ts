// A real S3-compatible server for tests of the shared state backend: gofakes3 (built by `npm run setup`), on a loopback
// port the kernel picks, keeping objects in memory, with one bucket made at start.
import { spawn } from "node:child_process";
import { locateS3Server } from "../../scripts/s3server";

export interface S3Server {
  /** The pulumi backend URL of the bucket (path-style addressing: the bucket is not in the host name). */
  readonly backendUrl: string;
  /**
   * What pulumi needs to reach it: credentials to sign with (gofakes3 checks no signature, so these are any pair; a
   * real bucket needs a real AccessKey pair here), and no AWS config or instance metadata of this machine.
   */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startS3Server(bucket: string): Promise<S3Server> {
  const child = spawn(
    locateS3Server(),
    ["-host", "127.0.0.1:0", "-backend", "memory", "-initialbucket", bucket, "-quiet"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      // Printed once it listens, after the bucket exists.
      const match = /using port: (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`gofakes3 exited (code ${code}) before listening: ${output}`)));
  });
  return {
    backendUrl: `s3://${bucket}?endpoint=http://127.0.0.1:${port}&s3ForcePathStyle=true&region=us-east-1`,
    env: {
      AWS_ACCESS_KEY_ID: "test-access-key",
      AWS_SECRET_ACCESS_KEY: "test-secret-key",
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    close: async () => {
      child.kill();
      await exited;
    },
  };
}
