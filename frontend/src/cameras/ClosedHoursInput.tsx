import { useId, useState } from "react";
import type { ActiveWindow } from "../client";
import { formatClosedHours, parseClosedHours } from "./closedHours";

/** A zone's closed hours as text ("22:00-06:00 sat,sun; …"). Each valid edit reaches the zone; while the
 * text cannot be read the zone keeps its last valid hours and the problem is shown at the field. */
export function ClosedHoursInput({
  value,
  onChange,
}: {
  value: ActiveWindow[] | undefined;
  onChange: (windows: ActiveWindow[]) => void;
}) {
  const id = useId();
  const [text, setText] = useState(() => formatClosedHours(value));
  const problem = parseClosedHours(text).problem;
  return (
    <label>
      Edited zone's closed hours (camera-local; anyone here then is an intruder)
      <input
        value={text}
        placeholder="22:00-06:00; 12:00-13:00 sat,sun"
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-closed-help`}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseClosedHours(e.target.value);
          if (parsed.windows) onChange(parsed.windows);
        }}
      />
      <span id={`${id}-closed-help`} className={problem ? "field-error" : "hint"}>
        {problem ?? "Empty: never closed. Outside restricted zones, only closed places raise intrusions."}
      </span>
    </label>
  );
}
