import { describe, expect, it } from "vitest";
import {
  alertSoundOn,
  isAlert,
  MAX_PASSING,
  MAX_STICKY,
  type Notice,
  setAlertSound,
  withNotice,
} from "./notices";

const notice = (id: number, sticky: boolean): Notice => ({ id, text: `n${id}`, sticky });

describe("withNotice", () => {
  it("puts the newest first and keeps every alert up to its limit while passing notices rotate", () => {
    let shown: Notice[] = [];
    for (let id = 1; id <= 6; id++) shown = withNotice(shown, notice(id, id % 2 === 0));
    expect(shown.map((n) => n.id)).toEqual([6, 5, 4, 3, 2, 1]);
    for (let id = 7; id <= 12; id++) shown = withNotice(shown, notice(id, false));
    expect(shown.filter((n) => !n.sticky)).toHaveLength(MAX_PASSING);
    expect(shown.filter((n) => n.sticky).map((n) => n.id)).toEqual([6, 4, 2]);
  });

  it("drops the oldest alerts beyond the limit", () => {
    let shown: Notice[] = [];
    for (let id = 1; id <= MAX_STICKY + 2; id++) shown = withNotice(shown, notice(id, true));
    expect(shown).toHaveLength(MAX_STICKY);
    expect(shown.at(-1)?.id).toBe(3);
  });
});

describe("alerts", () => {
  it("are high and critical incidents", () => {
    expect(["low", "medium", "high", "critical"].map(isAlert)).toEqual([false, false, true, true]);
  });

  it("sound only when the operator turned it on", () => {
    const values = new Map<string, string>();
    const storage = {
      getItem: (k: string) => values.get(k) ?? null,
      setItem: (k: string, v: string) => void values.set(k, v),
    };
    expect(alertSoundOn(storage)).toBe(false);
    setAlertSound(true, storage);
    expect(alertSoundOn(storage)).toBe(true);
    setAlertSound(false, storage);
    expect(alertSoundOn(storage)).toBe(false);
  });
});
