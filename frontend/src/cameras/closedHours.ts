// A zone's closed hours as an operator types them: "22:00-06:00" or "22:00-06:00 sat,sun", several
// separated by ";". The server checks them again (ActiveWindow); this gives the error at the field.
import type { ActiveWindow } from "../client";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const WINDOW = /^(\S+)\s*[-–]\s*(\S+)(?:\s+(.+))?$/;

export type ClosedHoursParse =
  | { windows: ActiveWindow[]; problem: null }
  | { windows: null; problem: string };

export function parseClosedHours(text: string): ClosedHoursParse {
  const windows: ActiveWindow[] = [];
  for (const part of text.split(";").map((p) => p.trim())) {
    if (part === "") continue;
    const match = WINDOW.exec(part);
    if (!match) return { windows: null, problem: `"${part}": write a window as 22:00-06:00 (days optional)` };
    const [, start = "", end = "", daysText] = match;
    for (const time of [start, end]) {
      if (!TIME.test(time)) return { windows: null, problem: `"${time}": times are HH:MM, 00:00 to 24:00` };
    }
    let days: string[] | null = null;
    if (daysText) {
      days = daysText.split(/[\s,]+/).map((d) => d.toLowerCase().slice(0, 3));
      const unknown = days.find((d) => !(WEEKDAYS as readonly string[]).includes(d));
      if (unknown !== undefined)
        return { windows: null, problem: `"${unknown}": days are ${WEEKDAYS.join(", ")}` };
    }
    windows.push({ start, end, days });
  }
  return { windows, problem: null };
}

export function formatClosedHours(windows: readonly ActiveWindow[] | undefined): string {
  return (windows ?? [])
    .map((w) => `${w.start}-${w.end}${w.days && w.days.length > 0 ? ` ${w.days.join(",")}` : ""}`)
    .join("; ");
}
