// The dynamic provider host writes the errors check, diff, read and delete reject with to stderr, as `${err}: ${err.stack}`,
// before it hands the error to the engine. The engine shows the error on the resource anyway, and shows that stderr
// line twice more as messages of the stack, with the message doubled and a stack trace nobody can act on. Our errors
// say what happened and what to do in their message, so the line adds nothing: the provider process belongs to the
// dynamic providers alone, and in it console.error drops exactly the lines of errors our methods rejected with.
// Anything else the host or a library writes is untouched.

const rejectedLines = new Set<string>();
let filtering = false;

function filterConsole(): void {
  if (filtering) return;
  filtering = true;
  const write = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && rejectedLines.delete(args[0])) return;
    write(...args);
  };
}

/** `provider` with each method's rejection reported by the engine only (see above). */
export function quietErrors<T extends object>(provider: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(provider)) {
    wrapped[name] =
      typeof method !== "function"
        ? method
        : async (...args: unknown[]) => {
            try {
              return await method.apply(provider, args);
            } catch (err) {
              if (err instanceof Error) {
                rejectedLines.add(`${err}: ${err.stack}`);
                filterConsole();
              }
              throw err;
            }
          };
  }
  return wrapped as T;
}
