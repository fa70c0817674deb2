/** When a route is active: windows of hours on some weekdays, read in a time zone. */
import { useMemo } from "react";
import { Field } from "../../ui/Field";
import { type RouteValues, WEEKDAYS, type Weekday } from "../form";
import type { RoutePartProps } from "./parts";

const zones = (): string[] => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
};

const BOUNDS = [
  ["From", "start"],
  ["Until", "end"],
] as const;

export function ScheduleFields({ form, values, set }: RoutePartProps) {
  const timeZones = useMemo(zones, []);
  const invalid = form.errors.schedule ? true : undefined;
  const setWindow = (index: number, change: Partial<RouteValues["schedule"][number]>) =>
    set(
      "schedule",
      values.schedule.map((w, i) => (i === index ? { ...w, ...change } : w)),
    );
  const toggleDay = (index: number, day: Weekday, on: boolean) => {
    const window = values.schedule[index];
    if (!window) return;
    const days = on ? [...window.days, day] : window.days.filter((d) => d !== day);
    setWindow(index, { days: WEEKDAYS.filter((d) => days.includes(d)) });
  };
  return (
    <fieldset
      className="choice schedule"
      aria-describedby={form.describe("schedule", form.hintId("schedule"))}
    >
      <legend>Active hours</legend>
      <p id={form.hintId("schedule")} className="hint">
        {values.schedule.length === 0
          ? "Always active. Add a window to alert only at some hours."
          : "Active inside any of these windows. A window past midnight (22:00–06:00) belongs to the day it starts on; no day ticked: every day."}
      </p>
      {values.schedule.map((window, index) => (
        <fieldset
          // biome-ignore lint/suspicious/noArrayIndexKey: windows have no identity besides their place
          key={index}
          className="window"
        >
          <legend className="visually-hidden">Window {index + 1}</legend>
          <div className="row">
            {BOUNDS.map(([label, bound]) => (
              <label key={bound}>
                {label}
                <input
                  type="time"
                  value={window[bound]}
                  aria-invalid={invalid}
                  onChange={(e) => setWindow(index, { [bound]: e.target.value })}
                />
              </label>
            ))}
            <button
              type="button"
              className="secondary"
              onClick={() =>
                set(
                  "schedule",
                  values.schedule.filter((_, i) => i !== index),
                )
              }
            >
              Remove window {index + 1}
            </button>
          </div>
          <div className="days">
            {WEEKDAYS.map((day) => (
              <label key={day} className="inline day">
                <input
                  type="checkbox"
                  checked={window.days.includes(day)}
                  onChange={(e) => toggleDay(index, day, e.target.checked)}
                />
                {day}
              </label>
            ))}
          </div>
        </fieldset>
      ))}
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => set("schedule", [...values.schedule, { start: "22:00", end: "06:00", days: [] }])}
        >
          Add a window
        </button>
      </div>
      {form.fieldError("schedule")}
      <Field
        form={form}
        field="timezone"
        label="Time zone"
        hint="An IANA name like Europe/Paris; empty: the server's."
        after={
          <datalist id={`${form.formId}-zones`}>
            {timeZones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        }
      >
        <input
          name="timezone"
          list={`${form.formId}-zones`}
          value={values.timezone}
          placeholder="the server's time zone"
          autoComplete="off"
          onChange={(e) => set("timezone", e.target.value)}
        />
      </Field>
    </fieldset>
  );
}
