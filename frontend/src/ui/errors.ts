/** The API's `{"detail": ...}` errors in words a user can act on. */

const MESSAGES: Record<string, string> = {
  LOGIN_BAD_CREDENTIALS: "Wrong email or password.",
  LOGIN_RATE_LIMITED: "Too many attempts. Wait a minute and try again.",
  REGISTER_USER_ALREADY_EXISTS: "An account with this email already exists.",
  REGISTER_INVALID_PASSWORD: "This password is not accepted.",
  REGISTER_RATE_LIMITED: "Too many accounts were created from this address. Try again later.",
  REGISTRATION_CLOSED: "Registration is closed on this server. Ask an administrator for an account.",
  CURRENT_PASSWORD_INVALID: "Your current password is needed for this change.",
  SHARE_RATE_LIMITED: "Too many emails without an account. Try again in an hour.",
  CAMERA_NOT_FOUND: "This camera does not exist or you may not see it.",
  INCIDENT_NOT_FOUND: "This incident does not exist or you may not see it.",
  FORBIDDEN: "You are not allowed to do this.",
  USER_NOT_FOUND: "No account has this email.",
  SHARE_WITH_OWNER: "This is the camera's owner: they see it already.",
  SHARE_NOT_FOUND: "This camera is not shared with that user.",
  RULES_INVALID: "The rules have problems and were not used.",
  REPLAY_BUSY: "Another replay is running on the server. Try again when it has finished.",
  PROBE_BUSY: "Two connection tests are running on the server already. Try again in a few seconds.",
  INCIDENT_HAS_NO_CLIP: "This incident has no stored clip to replay.",
  CLIP_UNREADABLE: "The incident's clip could not be read.",
  ALERT_ROUTE_NOT_FOUND: "This alert route does not exist or you may not see it.",
  ROLE_CANNOT_ADD_ALERT_ROUTES: "Viewers cannot add alert routes.",
  TEST_ALERT_RATE_LIMITED: "A few test alerts a minute at most. Wait a minute and try again.",
  PUSH_SUBSCRIPTION_NOT_FOUND: "This device does not receive your notifications (any more).",
  PUSH_UNAVAILABLE: "Push notifications are not available on this server.",
  LAST_ADMIN: "This is the last active administrator. Make another account an administrator first.",
  CAMERA_NOT_WEBRTC: "This camera is not a phone (WebRTC) camera.",
  CAMERA_DISABLED: "This camera is disabled.",
  WEBRTC_NEGOTIATION_TIMEOUT: "The server took too long to answer. Try again.",
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
