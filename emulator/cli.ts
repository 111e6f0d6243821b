/**
 * `npm run emulator -- --port <n> --world <file> --state <file> --time-scale <x>`
 * Prints the endpoint as its first stdout line, in the form the stack config key ecsSharedImages:endpoint takes
 * (http://127.0.0.1:PORT: the scheme says plain http), and serves until SIGINT/SIGTERM.
 */
import { startEmulator } from "./index";

interface CliOptions {
  port: number;
  world?: string;
  statePath?: string;
  timeScale: number;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: emulator [--port <n>] [--world <file>] [--state <file>] [--time-scale <x>]\n`,
  );
  process.exit(2);
}

export function parseArgs(argv: string[]): CliOptions {
  const out: CliOptions = { port: 0, timeScale: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const needValue = () => {
      if (value === undefined || value.startsWith("--")) usage(`${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case "--port": {
        const port = Number(needValue());
        if (!Number.isInteger(port) || port < 0 || port > 65535) usage("--port must be an integer between 0 and 65535");
        out.port = port;
        break;
      }
      case "--world":
        out.world = needValue();
        break;
      case "--state":
        out.statePath = needValue();
        break;
      case "--time-scale": {
        const scale = Number(needValue());
        if (!(scale > 0) || !Number.isFinite(scale)) usage("--time-scale must be a positive number");
        out.timeScale = scale;
        break;
      }
      case "--help":
      case "-h":
        usage("ECS API emulator");
        break;
      default:
        usage(`unknown argument ${flag}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const emu = await startEmulator({
    port: opts.port,
    world: opts.world,
    statePath: opts.statePath,
    timeScale: opts.timeScale,
  });
  process.stdout.write(`http://${emu.endpoint}\n`);
  process.stderr.write(
    `ECS emulator listening on http://${emu.endpoint} (admin: ${emu.adminUrl}); ` +
      `point a stack at it with "ecsSharedImages:endpoint: http://${emu.endpoint}" in its config\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`ECS emulator: ${signal}, saving state and stopping\n`);
    emu.close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`ECS emulator: close failed: ${e}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`ECS emulator failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
