/** The incident explanation (`IncidentDetail.explanation`, an untyped object in the schema) read defensively,
 * as rows that add up: each term's `value × weight × schedule factor = contribution`, the contributions
 * summing to the score, with the zone that weighed its evidence and when it happened on the wall clock. */

import { evidenceWords, labelWords } from "../ui/labels";

export interface EvidenceItem {
  /** The identifier, e.g. "scream"; `words` is how it reads ("Scream"). */
  label: string;
  words: string;
  /** The model's confidence (for `object.count.*`, the count). */
  score: number;
  /** Camera-clock seconds. */
  tS: number;
  endS: number;
  /** Wall-clock start and end, when the explanation says how camera time maps to it (`wall_offset_s`). */
  start: Date | null;
  end: Date | null;
  trackIds: number[];
  /** The zone that set the zone factor, e.g. "yard (closed 22:00–06:00)", or null. */
  zone: string | null;
  zoneFactor: number;
  source: string;
}

export interface ExplanationTerm {
  evidence: string;
  /** The selector in words ("audio.scream" → "Scream"). */
  words: string;
  modality: string;
  read: string;
  weight: number;
  value: number;
  /** The rule's schedule factor at the time: every term is multiplied by it. */
  scheduleFactor: number;
  contribution: number;
  /** Share of the score this term gave (0..1); 0 for terms against or without effect. */
  share: number;
  /** The strongest pieces of evidence behind the value, best first. */
  items: EvidenceItem[];
}

export interface Explanation {
  rule: string;
  ruleVersion: string;
  score: number;
  threshold: number;
  scheduleFactor: number;
  /** The schedule window that set the factor ("night"), or null. */
  schedule: string | null;
  /** Camera-clock seconds + this = Unix seconds; null for incidents stored before it was recorded. */
  wallOffsetS: number | null;
  terms: ExplanationTerm[];
}

type Raw = Record<string, unknown>;

const num = (v: unknown, fallback = 0): number =>
  typeof v === "number" && Number.isFinite(v) ? v : fallback;
const str = (v: unknown): string =>
  typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
const objects = (v: unknown): Raw[] =>
  Array.isArray(v) ? v.filter((x): x is Raw => typeof x === "object" && x !== null) : [];

function parseItem(raw: Raw, wallOffsetS: number | null): EvidenceItem {
  const tS = num(raw.t_s);
  const endS = num(raw.end_s, tS);
  const wall = (s: number) => (wallOffsetS === null ? null : new Date((s + wallOffsetS) * 1000));
  const label = str(raw.label);
  return {
    label,
    words: labelWords(label),
    score: num(raw.score),
    tS,
    endS,
    start: wall(tS),
    end: wall(endS),
    trackIds: Array.isArray(raw.track_ids)
      ? raw.track_ids.filter((t): t is number => typeof t === "number")
      : [],
    zone: typeof raw.zone === "string" && raw.zone !== "" ? raw.zone : null,
    zoneFactor: num(raw.zone_factor, 1),
    source: str(raw.source),
  };
}

export function parseExplanation(raw: Raw): Explanation {
  const rawTerms = objects(raw.terms);
  const scheduleFactor = num(raw.schedule_factor, 1);
  const wallOffsetS =
    typeof raw.wall_offset_s === "number" && Number.isFinite(raw.wall_offset_s) ? raw.wall_offset_s : null;
  const positive = rawTerms.reduce((sum, t) => sum + Math.max(0, num(t.contribution)), 0);
  const terms = rawTerms
    .map((t) => {
      const contribution = num(t.contribution);
      const evidence = str(t.evidence);
      return {
        evidence,
        words: evidenceWords(evidence),
        modality: str(t.modality),
        read: str(t.read),
        weight: num(t.weight),
        value: num(t.value),
        scheduleFactor,
        contribution,
        share: positive > 0 && contribution > 0 ? contribution / positive : 0,
        items: objects(t.evidence_items).map((item) => parseItem(item, wallOffsetS)),
      };
    })
    .sort((a, b) => b.contribution - a.contribution);
  return {
    rule: str(raw.rule),
    ruleVersion: str(raw.rule_version),
    score: num(raw.score),
    threshold: num(raw.threshold),
    scheduleFactor,
    schedule: typeof raw.schedule === "string" && raw.schedule !== "" ? raw.schedule : null,
    wallOffsetS,
    terms,
  };
}

/** A factor as few digits as it needs: 1, 0.8, 3.5, 0.333. */
export function factor(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** `0.80 × 0.8 × 1.5 = 0.96`: the term's value, weight and schedule factor giving its contribution. */
export function termSum(term: ExplanationTerm): string {
  return `${term.value.toFixed(2)} × ${factor(term.weight)} × ${factor(term.scheduleFactor)} = ${term.contribution.toFixed(2)}`;
}

/** The schedule's part of a row: `×1.5 (night)`, or `×1 (no schedule window)`. */
export function scheduleWords(explanation: Pick<Explanation, "scheduleFactor" | "schedule">): string {
  return `×${factor(explanation.scheduleFactor)} (${explanation.schedule ?? "no schedule window"})`;
}

/** `yard (closed 22:00–06:00) ×3.5`, `outside every zone ×0.5`, or null where the zone changed nothing. */
export function zoneWords(item: Pick<EvidenceItem, "zone" | "zoneFactor">): string | null {
  if (item.zone !== null) return `${item.zone} ×${factor(item.zoneFactor)}`;
  if (item.zoneFactor !== 1) return `outside every zone ×${factor(item.zoneFactor)}`;
  return null;
}

const twoDigits = (n: number) => String(n).padStart(2, "0");

/** A wall-clock time of day to the second, in this browser's time zone: `22:14:05`. */
export function clockTime(date: Date): string {
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

/** When an item happened: `22:14:05` or `22:14:05–22:14:07` on the wall clock; `12.3 s on the camera's
 * clock` for an incident stored without the mapping. */
export function whenWords(item: Pick<EvidenceItem, "start" | "end" | "tS" | "endS">): string {
  if (item.start !== null && item.end !== null) {
    const start = clockTime(item.start);
    const end = clockTime(item.end);
    return start === end ? start : `${start}–${end}`;
  }
  const span =
    item.endS === item.tS ? `${item.tS.toFixed(1)} s` : `${item.tS.toFixed(1)}–${item.endS.toFixed(1)} s`;
  return `${span} on the camera's clock`;
}

/** The strongest piece of evidence in one line: `Scream 80% at 22:14:05–22:14:07 · track 3 · zone yard ×3.5`;
 * for a count (`object.count.*`), how many at once: `4 at 22:14:05`. */
export function itemWords(item: EvidenceItem, isCount: boolean): string {
  const what = isCount ? factor(item.score) : `${item.words} ${Math.round(item.score * 100)}%`;
  const parts = [`${what} at ${whenWords(item)}`];
  if (item.trackIds.length > 0) parts.push(`track ${item.trackIds.join(", ")}`);
  const zone = zoneWords(item);
  if (zone !== null) parts.push(`zone ${zone}`);
  return parts.join(" · ");
}
