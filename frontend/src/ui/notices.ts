/** The notices shown (pure): alerts stay until seen, everything else fades after a few seconds. */

export interface Notice {
  id: number;
  text: string;
  href?: string;
  /** Stays until dismissed or followed (an alert); otherwise it goes by itself. */
  sticky: boolean;
}

export const MAX_PASSING = 3;
export const MAX_STICKY = 10;

/** Incidents an operator must see before they go: Frigate's "alerts" (high and critical severity). */
export function isAlert(severity: string): boolean {
  return severity === "high" || severity === "critical";
}

/** A new notice first; at most MAX_STICKY alerts and MAX_PASSING others are kept, the oldest go. */
export function withNotice(notices: readonly Notice[], notice: Notice): Notice[] {
  const all = [notice, ...notices];
  const sticky = all.filter((n) => n.sticky).slice(0, MAX_STICKY);
  const passing = all.filter((n) => !n.sticky).slice(0, MAX_PASSING);
  return all.filter((n) => sticky.includes(n) || passing.includes(n));
}

const SOUND_KEY = "vigil.alertSound";

export function alertSoundOn(storage: Pick<Storage, "getItem"> = localStorage): boolean {
  return storage.getItem(SOUND_KEY) === "on";
}

export function setAlertSound(on: boolean, storage: Pick<Storage, "setItem"> = localStorage): void {
  storage.setItem(SOUND_KEY, on ? "on" : "off");
}
