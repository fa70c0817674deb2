/** The API's rule problems (1-based line and column, columns in characters) as editor positions. */

export interface Problem {
  line: number | null;
  column: number | null;
  path: string;
  message: string;
}

export interface PlacedProblem {
  /** 0-based offsets into the text (UTF-16 units, as the editor counts); `to` ≥ `from`. */
  from: number;
  to: number;
  /** The line the editor marks (1-based), and the column as the API gave it (null: none given). */
  line: number;
  column: number | null;
  /** Whether the API named a line at all (false: the problem is about the whole file). */
  hasLine: boolean;
  /** "rules.violence.threshold: Input should be a valid number" */
  message: string;
}

interface LineSpan {
  start: number;
  end: number;
}

function lineSpans(text: string): LineSpan[] {
  const spans: LineSpan[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf("\n", start);
    if (newline === -1) {
      spans.push({ start, end: text.length });
      return spans;
    }
    // "\r\n": the "\r" is not part of the line's content
    spans.push({ start, end: newline > start && text[newline - 1] === "\r" ? newline - 1 : newline });
    start = newline + 1;
  }
}

/** The UTF-16 offset of the `column`-th character (1-based, code points as Python counts) of a line. */
function columnOffset(text: string, span: LineSpan, column: number): number {
  let offset = span.start;
  for (let character = 1; character < column && offset < span.end; character++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < span.end ? 2 : 1;
  }
  return Math.min(offset, span.end);
}

/** Where one problem goes in `text`: from its column to the end of its line. A column past the line's end
 *  marks the whole line; no column marks the whole line; a line past the end is the last line; no line at
 *  all is the first line (the list says it is about the whole file). */
export function placeProblem(text: string, problem: Problem): PlacedProblem {
  const spans = lineSpans(text);
  const hasLine = problem.line !== null && Number.isFinite(problem.line);
  const line = Math.min(Math.max(hasLine ? Math.trunc(problem.line ?? 1) : 1, 1), spans.length);
  const span = spans[line - 1] ?? { start: 0, end: 0 };
  let from = span.start;
  if (hasLine && problem.column !== null && problem.column > 1) {
    from = columnOffset(text, span, Math.trunc(problem.column));
    if (from >= span.end) from = span.start; // past the end: the whole line stays visible
  }
  return {
    from,
    to: span.end,
    line,
    column: hasLine ? problem.column : null,
    hasLine,
    message: problem.path ? `${problem.path}: ${problem.message}` : problem.message,
  };
}

/** Every problem placed, in the order of the text (problems without a line first). */
export function placeProblems(text: string, problems: readonly Problem[]): PlacedProblem[] {
  return problems
    .map((problem) => placeProblem(text, problem))
    .sort((a, b) => Number(a.hasLine) - Number(b.hasLine) || a.from - b.from);
}

/** "line 12, column 5: rules.violence.threshold: ..." (as the server's own message writes it). */
export function describeProblem(placed: PlacedProblem): string {
  if (!placed.hasLine) return `whole file: ${placed.message}`;
  const where =
    placed.column !== null ? `line ${placed.line}, column ${placed.column}` : `line ${placed.line}`;
  return `${where}: ${placed.message}`;
}

/** The problems of a refused save (`422 {"detail": {"code": "RULES_INVALID", "problems": [...]}}`); null
 *  for any other error. */
export function problemsOfRefusal(error: unknown): Problem[] | null {
  const detail = typeof error === "object" && error !== null ? (error as { detail?: unknown }).detail : null;
  if (
    typeof detail !== "object" ||
    detail === null ||
    (detail as { code?: unknown }).code !== "RULES_INVALID"
  )
    return null;
  const raw = (detail as { problems?: unknown }).problems;
  if (!Array.isArray(raw)) return [];
  const orNull = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return raw
    .filter((p): p is Record<string, unknown> => typeof p === "object" && p !== null)
    .map((p) => ({
      line: orNull(p.line),
      column: orNull(p.column),
      path: typeof p.path === "string" ? p.path : "",
      message: typeof p.message === "string" ? p.message : "invalid",
    }));
}
