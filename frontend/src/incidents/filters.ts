/** Incident list filters: the page's URL search params ⇄ the filter values ⇄ the API's query params. */
import type { IncidentStatus, IncidentsListData } from "../client";

export const STATUSES: readonly IncidentStatus[] = ["new", "acknowledged", "resolved"];
/** Frigate's split: alerts (high, critical) want someone now; detections (low, medium) can wait. */
export const GROUPS = ["alert", "detection"] as const;
export type SeverityGroup = (typeof GROUPS)[number];
const GROUP_SEVERITIES: Record<SeverityGroup, readonly string[]> = {
  alert: ["high", "critical"],
  detection: ["low", "medium"],
};

export interface IncidentFilters {
  camera?: number;
  label?: string;
  status?: IncidentStatus;
  group?: SeverityGroup;
  /** 0..100, as the user types it. */
  minConfidence?: number;
  /** Started on or after / before these local times (`YYYY-MM-DDTHH:MM`, what datetime-local inputs hold). */
  since?: string;
  until?: string;
  /** Words said (searched in the incidents' transcripts). */
  said?: string;
  page?: number;
}

export const PAGE_SIZE = 50;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Whatever the address bar holds → filters; anything unusable is dropped rather than sent. */
export function parseFilters(search: Record<string, unknown>): IncidentFilters {
  const filters: IncidentFilters = {};
  const camera = positiveInt(search.camera);
  if (camera !== undefined) filters.camera = camera;
  if (typeof search.label === "string" && search.label.trim()) filters.label = search.label.trim();
  if (typeof search.status === "string" && (STATUSES as readonly string[]).includes(search.status)) {
    filters.status = search.status as IncidentStatus;
  }
  if (typeof search.group === "string" && (GROUPS as readonly string[]).includes(search.group)) {
    filters.group = search.group as SeverityGroup;
  }
  const min = Number(search.minConfidence);
  if (search.minConfidence !== undefined && search.minConfidence !== "" && Number.isFinite(min)) {
    filters.minConfidence = Math.min(100, Math.max(0, min));
  }
  for (const key of ["since", "until"] as const) {
    const value = search[key];
    if (typeof value === "string" && LOCAL_TIME.test(value) && !Number.isNaN(new Date(value).getTime())) {
      filters[key] = value;
    }
  }
  if (typeof search.said === "string" && search.said.trim()) filters.said = search.said.trim().slice(0, 200);
  const page = positiveInt(search.page);
  if (page !== undefined && page > 1) filters.page = page;
  return filters;
}

/** Filters → `GET /api/v1/incidents` query: confidence as 0..1, paging as limit/offset. */
export function toQuery(filters: IncidentFilters): NonNullable<IncidentsListData["query"]> {
  const query: NonNullable<IncidentsListData["query"]> = {
    limit: PAGE_SIZE,
    offset: ((filters.page ?? 1) - 1) * PAGE_SIZE,
  };
  if (filters.camera !== undefined) query.camera_id = filters.camera;
  if (filters.label) query.label = filters.label;
  if (filters.status) query.status = filters.status;
  if (filters.group) query.group = filters.group;
  if (filters.minConfidence !== undefined && filters.minConfidence > 0) {
    query.min_confidence = Math.round(filters.minConfidence * 10) / 1000;
  }
  // The browser's local time → an absolute instant the server compares with `started_at`.
  if (filters.since) query.since = new Date(filters.since).toISOString();
  if (filters.until) query.until = new Date(filters.until).toISOString();
  if (filters.said) query.transcript = filters.said;
  return query;
}

/** Whether a live incident belongs in the list the user is looking at (so it is prepended, or not). */
export function matches(
  filters: IncidentFilters,
  incident: {
    camera_id: number;
    label: string;
    confidence: number;
    status?: IncidentStatus;
    severity?: string;
  },
): boolean {
  if (filters.group && !GROUP_SEVERITIES[filters.group].includes(incident.severity ?? "")) return false;
  if (filters.camera !== undefined && incident.camera_id !== filters.camera) return false;
  if (filters.label && incident.label !== filters.label) return false;
  if (filters.status && (incident.status ?? "new") !== filters.status) return false;
  if (filters.minConfidence !== undefined && incident.confidence * 100 < filters.minConfidence) return false;
  if (filters.until) return false; // a bounded range is history: live incidents start after it
  if (filters.said) return false; // what was said is stored after the incident is announced: refetched
  return (filters.page ?? 1) === 1;
}
