/** The bearer token: where it is kept, when it expires, and the reason a user was sent to the login page. */

export const TOKEN_KEY = "vigil.token";

/** Seconds since the epoch at which the JWT stops being accepted, or null when it carries no readable `exp`. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const padded = payload
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const claims: unknown = JSON.parse(atob(padded));
    if (typeof claims === "object" && claims !== null && "exp" in claims && typeof claims.exp === "number") {
      return claims.exp;
    }
  } catch {
    return null;
  }
  return null;
}

/** A token is expired a few seconds early, so no request leaves with a token about to be refused. */
export const EXPIRY_MARGIN_S = 5;

export function isExpired(token: string, nowMs: number): boolean {
  const exp = tokenExpiry(token);
  return exp === null || exp - EXPIRY_MARGIN_S <= nowMs / 1000;
}

/** Milliseconds until the token should be treated as expired (0 when it already is). */
export function msUntilExpiry(token: string, nowMs: number): number {
  const exp = tokenExpiry(token);
  if (exp === null) return 0;
  return Math.max(0, (exp - EXPIRY_MARGIN_S) * 1000 - nowMs);
}

export type LogoutReason = "expired" | "signed-out";

export const LOGOUT_MESSAGES: Record<LogoutReason, string> = {
  expired: "Your session has expired. Please log in again.",
  "signed-out": "You have been logged out.",
};

type Listener = () => void;

/**
 * The token in `localStorage`: the session survives a reload and is shared by every tab (an operator opens
 * an incident in a new tab and stays logged in). An expired token found here is dropped on read.
 */
export class TokenStore {
  private listeners = new Set<Listener>();
  private reason: LogoutReason | null = null;

  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored token when it is still valid; an expired one is removed and remembered as the reason. */
  current(): string | null {
    const token = this.storage.getItem(TOKEN_KEY);
    if (token === null) return null;
    if (isExpired(token, this.now())) {
      this.storage.removeItem(TOKEN_KEY);
      this.reason = "expired";
      return null;
    }
    return token;
  }

  set(token: string): void {
    this.storage.setItem(TOKEN_KEY, token);
    this.reason = null;
    this.notify();
  }

  /** Forget the token; `reason` is what the login page tells the user. */
  clear(reason: LogoutReason): void {
    this.storage.removeItem(TOKEN_KEY);
    this.reason = reason;
    this.notify();
  }

  /** Why the user has no session (read once by the login page), or null. */
  takeReason(): LogoutReason | null {
    const reason = this.reason;
    this.reason = null;
    return reason;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
