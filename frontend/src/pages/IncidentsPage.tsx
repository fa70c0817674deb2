import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import {
  type IncidentListItem,
  type IncidentStatus,
  incidentsLabels,
  incidentsList,
  incidentsReview,
  type PageIncidentListItem,
} from "../client";
import { GROUPS, type IncidentFilters, matches, PAGE_SIZE, STATUSES, toQuery } from "../incidents/filters";
import { formatTime } from "../incidents/format";
import { Timeline } from "../incidents/Timeline";
import { groupRepeats, moveActive, reviewTargets, triageAction } from "../incidents/triage";
import { useArtifactUrl } from "../incidents/useArtifactUrl";
import { CameraSelect } from "../live/CameraSelect";
import { percent } from "../live/overlay";
import { useSocket } from "../live/socket";
import type { IncidentEvent } from "../live/types";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { labelWords } from "../ui/labels";
import { Pager } from "../ui/Pager";
import { usePageTitle } from "../ui/usePageTitle";

const GROUP_NAMES = { alert: "Alerts", detection: "Detections" } as const;

function fromEvent(event: IncidentEvent): IncidentListItem {
  return {
    id: event.incident_id,
    camera_id: event.camera_id,
    label: event.label,
    confidence: event.confidence,
    severity: event.severity as IncidentListItem["severity"],
    status: "new",
    started_at: event.started_at,
    ended_at: event.ended_at,
    keep: false,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_at: null,
    summary: event.summary,
    snapshot_url: null,
  };
}

function Thumbnail({ path, label }: { path: string | null | undefined; label: string }) {
  const { url } = useArtifactUrl(path ?? undefined);
  return url ? (
    <img className="thumb" src={url} alt={`Snapshot: ${labelWords(label)}`} />
  ) : (
    <span className="thumb empty" />
  );
}

export function IncidentsPage() {
  usePageTitle("Incidents");
  const filters = useSearch({ from: "/app/incidents" });
  const navigate = useNavigate({ from: "/incidents" });
  const queryClient = useQueryClient();
  const socket = useSocket();
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const queryKey = ["incidents", filters] as const;
  const incidents = useQuery({
    queryKey,
    queryFn: async () => (await incidentsList({ query: toQuery(filters), throwOnError: true })).data,
  });
  const cameras = useCameras();
  const cameraName = (id: number) => cameras.data?.items.find((c) => c.id === id)?.name ?? `Camera ${id}`;

  useEffect(() => {
    if (!socket) return;
    const onIncident = (event: IncidentEvent) => {
      if (event.event !== "opened" || !matches(filters, event)) return;
      queryClient.setQueryData<PageIncidentListItem>(["incidents", filters], (page) =>
        page && !page.items.some((i) => i.id === event.incident_id)
          ? { items: [fromEvent(event), ...page.items].slice(0, PAGE_SIZE), total: page.total + 1 }
          : page,
      );
      setFresh((ids) => new Set([...ids, event.incident_id]));
    };
    socket.on("incident", onIncident);
    return () => {
      socket.off("incident", onIncident);
    };
  }, [socket, filters, queryClient]);

  const update = (change: Partial<IncidentFilters>) =>
    navigate({ search: (old: IncidentFilters) => ({ ...old, ...change, page: undefined }) });

  const labels = useQuery({
    queryKey: ["incidents", "labels"],
    queryFn: async () => (await incidentsLabels({ throwOnError: true })).data,
  });
  const rows = groupRepeats(incidents.data?.items ?? []);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [active, setActive] = useState(0);
  const [review, setReview] = useState<{ busy: boolean; message: string | null }>({
    busy: false,
    message: null,
  });
  const listRef = useRef<HTMLTableSectionElement>(null);
  const listKey = JSON.stringify(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new list (other filters) starts a new selection
  useEffect(() => {
    setSelected(new Set());
    setActive(0);
  }, [listKey]);

  const markReviewed = async (
    body: { ids: number[] } | { filter: Record<string, unknown> },
    what: string,
  ) => {
    setReview({ busy: true, message: null });
    try {
      const { data } = await incidentsReview({ body, throwOnError: true });
      setSelected(new Set());
      setReview({ busy: false, message: `${data.reviewed} ${what} marked reviewed.` });
      await queryClient.invalidateQueries({ queryKey: ["incidents"] });
    } catch (error) {
      setReview({ busy: false, message: errorMessage(error) });
    }
  };
  const toggle = (ids: number[]) =>
    setSelected((current) => {
      const next = new Set(current);
      const all = ids.every((id) => next.has(id));
      for (const id of ids) {
        if (all) next.delete(id);
        else next.add(id);
      }
      return next;
    });
  const focusRow = (index: number) => {
    setActive(index);
    listRef.current?.querySelectorAll<HTMLTableRowElement>("tr")[index]?.focus();
  };
  const onListKey = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = triageAction(event.key);
    const row = rows[active];
    if (action === null) return;
    event.preventDefault();
    if (action === "next" || action === "previous") focusRow(moveActive(active, action, rows.length));
    else if (action === "toggle" && row) toggle(row.members.map((m) => m.id));
    else if (action === "open" && row)
      void navigate({ to: "/incidents/$incidentId", params: { incidentId: String(row.head.id) } });
    else if (action === "review") {
      const ids = reviewTargets(selected, row);
      if (ids.length > 0) void markReviewed({ ids }, ids.length === 1 ? "incident" : "incidents");
    }
  };
  const reviewAllFilter = () => {
    const query = toQuery(filters);
    const filter: Record<string, unknown> = {};
    for (const key of [
      "camera_id",
      "label",
      "group",
      "since",
      "until",
      "min_confidence",
      "transcript",
    ] as const) {
      if (query[key] !== undefined) filter[key] = query[key];
    }
    return filter;
  };

  const total = incidents.data?.total ?? 0;
  const page = filters.page ?? 1;
  return (
    <main>
      <h1 tabIndex={-1}>Incidents</h1>
      <button type="button" className="skip-inline link" onClick={() => focusRow(active)}>
        Skip to the list
      </button>
      <nav className="tabs" aria-label="Severity groups">
        {[undefined, ...GROUPS].map((group) => (
          <button
            key={group ?? "all"}
            type="button"
            className="tab"
            aria-pressed={filters.group === group}
            onClick={() => update({ group })}
          >
            {group ? GROUP_NAMES[group] : "All"}
          </button>
        ))}
      </nav>
      <form className="filters" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <CameraSelect value={filters.camera} onChange={(id) => update({ camera: id })} />
        <label>
          Label
          <select
            value={filters.label ?? ""}
            onChange={(e) => update({ label: e.target.value || undefined })}
          >
            <option value="">Any label</option>
            {[...new Set([...(labels.data ?? []), ...(filters.label ? [filters.label] : [])])].map(
              (label) => (
                <option key={label} value={label}>
                  {labelWords(label)}
                </option>
              ),
            )}
          </select>
        </label>
        <label>
          Status
          <select
            value={filters.status ?? ""}
            onChange={(e) => update({ status: (e.target.value || undefined) as IncidentStatus | undefined })}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min confidence %
          <input
            type="number"
            min={0}
            max={100}
            step={5}
            inputMode="numeric"
            value={filters.minConfidence ?? ""}
            onChange={(e) =>
              update({ minConfidence: e.target.value === "" ? undefined : Number(e.target.value) })
            }
          />
        </label>
        <label>
          Said
          <input
            type="search"
            maxLength={200}
            placeholder="words heard, e.g. help"
            defaultValue={filters.said ?? ""}
            onKeyDown={(e) => {
              if (e.key === "Enter") update({ said: e.currentTarget.value.trim() || undefined });
            }}
            onBlur={(e) => update({ said: e.target.value.trim() || undefined })}
          />
        </label>
        <label>
          From
          <input
            type="datetime-local"
            value={filters.since ?? ""}
            onChange={(e) => update({ since: e.target.value || undefined })}
          />
        </label>
        <label>
          Until
          <input
            type="datetime-local"
            value={filters.until ?? ""}
            onChange={(e) => update({ until: e.target.value || undefined })}
          />
        </label>
      </form>
      {incidents.isError && (
        <p className="banner error" role="alert">
          {errorMessage(incidents.error)}
        </p>
      )}
      <p className="hint" aria-live="polite">
        {incidents.isPending ? "Loading…" : `${total} incident${total === 1 ? "" : "s"}`}
      </p>
      <div className="triage" role="toolbar" aria-label="Review">
        <button
          type="button"
          disabled={review.busy || selected.size === 0}
          onClick={() => void markReviewed({ ids: [...selected] }, "incidents")}
        >
          Mark selected reviewed ({selected.size})
        </button>
        <button
          type="button"
          disabled={review.busy || total === 0}
          onClick={() => {
            if (window.confirm(`Mark every new incident matching these filters, up to now, reviewed?`))
              void markReviewed({ filter: reviewAllFilter() }, "incidents");
          }}
        >
          Mark all matching reviewed
        </button>
        <span className="hint">Keys: j/k move, x select, r mark reviewed, o open.</span>
        {review.message && (
          <span role="status" className="hint">
            {review.message}
          </span>
        )}
      </div>
      <Timeline
        incidents={incidents.data?.items ?? []}
        since={filters.since}
        until={filters.until}
        fresh={fresh}
        onRange={update}
      />
      <table className="incidents" id="incident-list">
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select every incident on this page"
                checked={rows.length > 0 && rows.every((r) => r.members.every((m) => selected.has(m.id)))}
                onChange={() => toggle(rows.flatMap((r) => r.members.map((m) => m.id)))}
              />
            </th>
            <th scope="col">Snapshot</th>
            <th scope="col">Started</th>
            <th scope="col">Camera</th>
            <th scope="col">Label</th>
            <th scope="col">Confidence</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody ref={listRef} onKeyDown={onListKey}>
          {rows.map(({ head: incident, members }, index) => (
            <tr
              key={incident.id}
              tabIndex={index === active ? 0 : -1}
              aria-selected={members.every((m) => selected.has(m.id))}
              onFocus={() => setActive(index)}
              className={
                [fresh.has(incident.id) ? "fresh" : "", index === active ? "active" : ""].join(" ").trim() ||
                undefined
              }
            >
              <td data-label="Select">
                <input
                  type="checkbox"
                  aria-label={`Select ${labelWords(incident.label)} at ${formatTime(incident.started_at)}${members.length > 1 ? ` and its ${members.length - 1} repeats` : ""}`}
                  checked={members.every((m) => selected.has(m.id))}
                  onChange={() => toggle(members.map((m) => m.id))}
                />
              </td>
              <td data-label="Snapshot">
                <Thumbnail path={incident.snapshot_url} label={incident.label} />
              </td>
              <td data-label="Started">
                <Link to="/incidents/$incidentId" params={{ incidentId: String(incident.id) }}>
                  {formatTime(incident.started_at)}
                </Link>
              </td>
              <td data-label="Camera">{cameraName(incident.camera_id)}</td>
              <td data-label="Label">
                <span title={incident.label}>{labelWords(incident.label)}</span>
                {members.length > 1 && (
                  <span className="badge idle" title="The same label on the same camera within minutes">
                    ×{members.length}
                  </span>
                )}
              </td>
              <td data-label="Confidence">{percent(incident.confidence)}</td>
              <td data-label="Severity">
                <span className={`badge sev-${incident.severity}`}>{incident.severity}</span>
              </td>
              <td data-label="Status">
                <span className={`badge st-${incident.status}`}>{incident.status}</span>
                {incident.keep && <span className="badge idle">kept</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        page={page}
        pages={Math.ceil(total / PAGE_SIZE)}
        label="Pages"
        onPage={(next) => navigate({ search: { ...filters, page: next } })}
      />
    </main>
  );
}
