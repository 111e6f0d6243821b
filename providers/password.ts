// Instance passwords, for the resources that set one: the ECS rules (checked without ever quoting the value) and the
// fingerprint that lets a diff see a password change without storing the password in outputs.
import { createHmac } from "node:crypto";

const PASSWORD_SPECIALS = /[()`~!@#$%^&*\-_+=|{}[\]:;'<>,.?/]/;

/** ECS password rules; the reason never contains the value. */
export function passwordProblem(password: string): string | undefined {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, PASSWORD_SPECIALS].filter((r) => r.test(password)).length;
  if (password.length < 8 || password.length > 30 || classes < 3 || /[^\x21-\x7e]/.test(password)) {
    return (
      "must be 8-30 printable ASCII characters with at least three of: lower case, upper case, digits, " +
      "special characters ()`~!@#$%^&*-_+=|{}[]:;'<>,.?/ (the value is not shown because it is secret)"
    );
  }
  return undefined;
}

/**
 * The password's fingerprint for diffs, keyed by `scope` (the resource's URN or instance id) so equal passwords of
 * different resources do not match. Stored only as a secret output.
 */
export function passwordDigest(scope: string, password: string | undefined): string | undefined {
  return password === undefined ? undefined : createHmac("sha256", scope).update(password).digest("hex");
}
