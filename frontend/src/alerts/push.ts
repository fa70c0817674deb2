/** Web Push on this device: the browser's subscription, made with the server's VAPID key, handed to the API. */
import { pushCreate, pushKey } from "../client";

const STORED_ID = "vigil.push.subscription-id";

/** `applicationServerKey` from base64url text. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded =
    base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** A short name for this device, from the browser's own description. */
export function deviceName(userAgent: string): string {
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Mac OS X/.test(userAgent)
        ? "macOS"
        : /Windows/.test(userAgent)
          ? "Windows"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "a device";
  const browser = /Firefox\//.test(userAgent)
    ? "Firefox"
    : /Edg\//.test(userAgent)
      ? "Edge"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chromium"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "a browser";
  return `${browser} on ${os}`;
}

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export function storedSubscriptionId(): number | null {
  const text = localStorage.getItem(STORED_ID);
  return text && /^\d+$/.test(text) ? Number(text) : null;
}

async function readyWorker(timeoutMs = 10_000): Promise<ServiceWorkerRegistration> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error("the dashboard's service worker is not running (is this a built dashboard?)")),
      timeoutMs,
    ),
  );
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

/** Ask for permission, subscribe with the server's key, and hand the subscription to the server. */
export async function turnOnPush(): Promise<number> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new Error("notifications are blocked for this site: allow them in the browser's site settings");
  }
  const registration = await readyWorker();
  const { data: key } = await pushKey({ throwOnError: true });
  let subscription: PushSubscription;
  try {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key.public_key),
    });
  } catch (error) {
    const words = error instanceof Error ? error.message : String(error);
    throw new Error(`this browser could not subscribe at its push service (${words})`);
  }
  const json = subscription.toJSON();
  const { data } = await pushCreate({
    body: {
      endpoint: json.endpoint ?? subscription.endpoint,
      keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
      device: deviceName(navigator.userAgent),
    },
    throwOnError: true,
  });
  localStorage.setItem(STORED_ID, String(data.id));
  return data.id;
}

/** This device stops receiving: the browser's subscription is dropped (the server's record separately). */
export async function turnOffPushHere(): Promise<void> {
  localStorage.removeItem(STORED_ID);
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
}
