/** The API's `{"detail": ...}` errors in words a user can act on. */

const MESSAGES: Record<string, string> = {
  LOGIN_BAD_CREDENTIALS: "Wrong email or password.",
  LOGIN_RATE_LIMITED: "Too many attempts. Wait a minute and try again.",
  REGISTER_USER_ALREADY_EXISTS: "An account with this email already exists.",
  REGISTER_INVALID_PASSWORD: "This password is not accepted.",
  CAMERA_NOT_FOUND: "This camera does not exist or you may not see it.",
  INCIDENT_NOT_FOUND: "This incident does not exist or you may not see it.",
  FORBIDDEN: "You are not allowed to do this.",
  USER_NOT_FOUND: "No account has this email.",
  SHARE_WITH_OWNER: "This is the camera's owner: they see it already.",
  SHARE_NOT_FOUND: "This camera is not shared with that user.",
};

export function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return MESSAGES[detail] ?? detail.replace(/_/g, " ").toLowerCase();
    if (typeof detail === "object" && detail !== null && "code" in detail) {
      const { code, reason } = detail as { code: unknown; reason?: unknown };
      const base = typeof code === "string" ? (MESSAGES[code] ?? code) : "Request refused.";
      return typeof reason === "string" ? `${base} ${reason}` : base;
    }
    if (Array.isArray(detail)) {
      return detail
        .map(
          (item: { loc?: unknown[]; msg?: string }) => `${String(item.loc?.at(-1) ?? "")}: ${item.msg ?? ""}`,
        )
        .join("; ");
    }
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong. Try again.";
}
