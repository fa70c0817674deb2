/** The users page's pure parts: roles in words, the API's refusals at the field or row they concern. */

import type { Role } from "../client";
import { errorMessage } from "../ui/errors";
import { type FieldErrors, fieldErrors } from "../ui/fieldErrors";

export const ROLES: readonly { role: Role; label: string; description: string }[] = [
  { role: "viewer", label: "Viewer", description: "sees the cameras shared with them" },
  { role: "operator", label: "Operator", description: "also adds and shares cameras of their own" },
  { role: "admin", label: "Administrator", description: "sees and manages everything, accounts included" },
];

export function roleLabel(role: Role): string {
  return ROLES.find((r) => r.role === role)?.label ?? role;
}

function detail(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { detail?: unknown }).detail : undefined;
}

/** `POST /users` refused: 422s at their field, a taken email at the email, a weak password (with the
 * reason) at the password, anything else for the whole form (`_`). */
export function newAccountErrors(error: unknown): FieldErrors {
  const d = detail(error);
  if (d === "REGISTER_USER_ALREADY_EXISTS") return { email: errorMessage(error) };
  if (typeof d === "object" && d !== null && (d as { code?: unknown }).code === "REGISTER_INVALID_PASSWORD") {
    const reason = (d as { reason?: unknown }).reason;
    return { password: typeof reason === "string" ? reason : errorMessage(error) };
  }
  return fieldErrors(error, errorMessage);
}

export type AccountAction = "role" | "activate" | "deactivate" | "delete";

/** A row's change refused, in words; `LAST_ADMIN` says which change and what to do instead. */
export function accountActionError(action: AccountAction, error: unknown): string {
  if (detail(error) === "LAST_ADMIN") {
    const what =
      action === "delete" ? "deleted" : action === "deactivate" ? "deactivated" : "given another role";
    return `This is the last active administrator: it cannot be ${what}. Make another account an administrator first.`;
  }
  return errorMessage(error);
}
