/** The draft checked by the server (`POST /rules/check`) once typing pauses; only the newest answer counts. */
import { useEffect, useState } from "react";
import { type RulesCheck, rulesCheck } from "../client";

export const CHECK_DELAY_MS = 400;

export interface CheckState {
  /** The text this answer is about. */
  text: string;
  result: RulesCheck;
}

export function useDraftCheck(draft: string | null) {
  const [checked, setChecked] = useState<CheckState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  useEffect(() => {
    if (draft === null) return;
    let current = true;
    setChecking(true);
    const timer = window.setTimeout(async () => {
      const { data, error: failed } = await rulesCheck({ body: { text: draft } });
      if (!current) return; // the draft changed meanwhile: a newer check is on its way
      setChecking(false);
      if (data !== undefined) {
        setChecked({ text: draft, result: data });
        setError(null);
      } else {
        setError(failed ?? new Error("The check did not answer."));
      }
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [draft]);

  /** A refusal of the save (422 RULES_INVALID) says the same as a check would. */
  const record = (text: string, result: RulesCheck) => setChecked({ text, result });
  return { checked, error, checking, record };
}
