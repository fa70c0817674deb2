import { describe, expect, it } from "vitest";
import { isExpired, msUntilExpiry, TOKEN_KEY, TokenStore, tokenExpiry } from "./token";

function jwt(claims: Record<string, unknown>): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}.signature`;
}

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

describe("tokenExpiry", () => {
  it("reads exp from the payload, base64url included", () => {
    // "sub" chosen so that the encoded payload contains '-' or '_' characters
    expect(tokenExpiry(jwt({ sub: "ÿÿÿ>>>???", exp: NOW_S + 60 }))).toBe(NOW_S + 60);
  });

  it("is null for something that is not a JWT or has no exp", () => {
    expect(tokenExpiry("not-a-token")).toBeNull();
    expect(tokenExpiry("a.%%%.c")).toBeNull();
    expect(tokenExpiry(jwt({ sub: "x" }))).toBeNull();
    expect(tokenExpiry(jwt({ exp: "tomorrow" }))).toBeNull();
  });
});

describe("isExpired / msUntilExpiry", () => {
  it("treats a token as expired a few seconds before its exp", () => {
    expect(isExpired(jwt({ exp: NOW_S + 60 }), NOW_MS)).toBe(false);
    expect(isExpired(jwt({ exp: NOW_S + 2 }), NOW_MS)).toBe(true);
    expect(isExpired(jwt({ exp: NOW_S - 1 }), NOW_MS)).toBe(true);
    expect(isExpired("garbage", NOW_MS)).toBe(true);
  });

  it("counts down to the expiry, never below zero", () => {
    expect(msUntilExpiry(jwt({ exp: NOW_S + 65 }), NOW_MS)).toBe(60_000);
    expect(msUntilExpiry(jwt({ exp: NOW_S - 100 }), NOW_MS)).toBe(0);
  });
});

describe("TokenStore", () => {
  it("keeps a valid token across instances (a reload)", () => {
    const storage = new MemoryStorage();
    const token = jwt({ exp: NOW_S + 3600 });
    new TokenStore(storage, () => NOW_MS).set(token);
    expect(new TokenStore(storage, () => NOW_MS).current()).toBe(token);
  });

  it("drops an expired token on read and says why once", () => {
    const storage = new MemoryStorage();
    storage.setItem(TOKEN_KEY, jwt({ exp: NOW_S - 10 }));
    const store = new TokenStore(storage, () => NOW_MS);
    expect(store.current()).toBeNull();
    expect(storage.items.has(TOKEN_KEY)).toBe(false);
    expect(store.takeReason()).toBe("expired");
    expect(store.takeReason()).toBeNull();
  });

  it("expires a token while the page is open, notifying listeners", () => {
    const storage = new MemoryStorage();
    let now = NOW_MS;
    const store = new TokenStore(storage, () => now);
    let notified = 0;
    store.subscribe(() => {
      notified += 1;
    });
    store.set(jwt({ exp: NOW_S + 30 }));
    expect(store.current()).not.toBeNull();
    now += 60_000;
    expect(store.current()).toBeNull();
    store.clear("expired");
    expect(notified).toBe(2);
    expect(store.takeReason()).toBe("expired");
  });

  it("logging out is not reported as an expiry", () => {
    const store = new TokenStore(new MemoryStorage(), () => NOW_MS);
    store.set(jwt({ exp: NOW_S + 3600 }));
    store.clear("signed-out");
    expect(store.current()).toBeNull();
    expect(store.takeReason()).toBe("signed-out");
  });
});
