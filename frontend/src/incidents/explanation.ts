/** The incident explanation (`IncidentDetail.explanation`, an untyped object in the schema) read defensively. */

export interface ExplanationTerm {
  evidence: string;
  modality: string;
  read: string;
  weight: number;
  value: number;
  contribution: number;
  /** Share of the score this term gave (0..1); 0 for terms against or without effect. */
  share: number;
}

export interface Explanation {
  rule: string;
  ruleVersion: string;
  score: number;
  threshold: number;
  terms: ExplanationTerm[];
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string =>
  typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);

export function parseExplanation(raw: Record<string, unknown>): Explanation {
  const rawTerms = Array.isArray(raw.terms) ? (raw.terms as Record<string, unknown>[]) : [];
  const positive = rawTerms.reduce((sum, t) => sum + Math.max(0, num(t?.contribution)), 0);
  const terms = rawTerms
    .filter((t) => typeof t === "object" && t !== null)
    .map((t) => {
      const contribution = num(t.contribution);
      return {
        evidence: str(t.evidence),
        modality: str(t.modality),
        read: str(t.read),
        weight: num(t.weight),
        value: num(t.value),
        contribution,
        share: positive > 0 && contribution > 0 ? contribution / positive : 0,
      };
    })
    .sort((a, b) => b.contribution - a.contribution);
  return {
    rule: str(raw.rule),
    ruleVersion: str(raw.rule_version),
    score: num(raw.score),
    threshold: num(raw.threshold),
    terms,
  };
}
