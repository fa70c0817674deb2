/** The one session of this tab: the token store, the API client's auth, and what happens on expiry. */
import { useSyncExternalStore } from "react";
import { authLogout } from "../client";
import { client } from "../client/client.gen";
import { type LogoutReason, msUntilExpiry, TOKEN_KEY, TokenStore } from "./token";

export const tokens = new TokenStore(window.localStorage);

let expiryTimer: number | undefined;

function scheduleExpiry(): void {
  window.clearTimeout(expiryTimer);
  const token = tokens.current();
  if (token === null) return;
  // setTimeout's delay is a 32-bit int; a token valid for weeks is re-checked daily instead.
  const delay = Math.min(msUntilExpiry(token, Date.now()), 86_400_000);
  expiryTimer = window.setTimeout(() => {
    if (tokens.current() === null) endSession("expired");
    else scheduleExpiry();
  }, delay);
}

/** Every generated call sends the bearer token; a 401 means the server no longer takes it. */
client.setConfig({ baseUrl: "", auth: () => tokens.current() ?? undefined });
client.interceptors.response.use((response, request) => {
  if (response.status === 401 && request.headers.has("Authorization")) endSession("expired");
  return response;
});

export function startSession(token: string): void {
  tokens.set(token);
  scheduleExpiry();
}

/** Logged out or expired: the router's guard (subscribed below) sends the user to the login page. */
export function endSession(reason: LogoutReason): void {
  window.clearTimeout(expiryTimer);
  tokens.clear(reason);
}

/** The logout button: this tab forgets the token at once (the login page says "logged out"), and the server
 * ends it with its sockets. A server that cannot be reached leaves the token to lapse at its expiry. */
export async function logOut(): Promise<void> {
  const token = tokens.current();
  endSession("signed-out");
  if (token === null) return;
  try {
    await authLogout({ headers: { Authorization: `Bearer ${token}` } });
  } catch {
    // offline: forgetting the token in this browser is all that can be done
  }
}

// Another tab logging in or out changes this tab too.
window.addEventListener("storage", (event) => {
  if (event.key !== TOKEN_KEY) return;
  if (event.newValue === null) endSession("signed-out");
  else startSession(event.newValue);
});

scheduleExpiry();

export function useToken(): string | null {
  return useSyncExternalStore(
    (listener) => tokens.subscribe(listener),
    () => tokens.current(),
  );
}

/** `fetch` with the bearer token, for URLs outside the generated client (artifact downloads). */
export async function authorizedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = tokens.current();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(url, { ...init, headers });
  if (response.status === 401) endSession("expired");
  return response;
}
