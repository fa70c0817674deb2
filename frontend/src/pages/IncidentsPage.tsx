import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { type IncidentPublic, type IncidentStatus, incidentsList, type PageIncidentPublic } from "../client";
import { type IncidentFilters, matches, PAGE_SIZE, STATUSES, toQuery } from "../incidents/filters";
import { formatTime } from "../incidents/format";
import { Timeline } from "../incidents/Timeline";
import { CameraSelect } from "../live/CameraSelect";
import { percent } from "../live/overlay";
import { useSocket } from "../live/socket";
import type { IncidentEvent } from "../live/types";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { Pager } from "../ui/Pager";

function fromEvent(event: IncidentEvent): IncidentPublic {
  return {
    id: event.incident_id,
    camera_id: event.camera_id,
    label: event.label,
    confidence: event.confidence,
    severity: event.severity as IncidentPublic["severity"],
    status: "new",
    started_at: event.started_at,
    ended_at: event.ended_at,
    keep: false,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_at: null,
    summary: event.summary,
  };
}

export function IncidentsPage() {
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
      queryClient.setQueryData<PageIncidentPublic>(["incidents", filters], (page) =>
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

  const total = incidents.data?.total ?? 0;
  const page = filters.page ?? 1;
  return (
    <main>
      <h1>Incidents</h1>
      <form className="filters" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <CameraSelect value={filters.camera} onChange={(id) => update({ camera: id })} />
        <label>
          Label
          <input
            // Typed into freely, sent on Enter or blur; a new address (a link, the nav) resets it.
            key={filters.label ?? ""}
            type="search"
            placeholder="e.g. fight"
            defaultValue={filters.label ?? ""}
            onBlur={(e) => update({ label: e.target.value.trim() || undefined })}
            onKeyDown={(e) => {
              if (e.key === "Enter") update({ label: e.currentTarget.value.trim() || undefined });
            }}
          />
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
      <Timeline
        incidents={incidents.data?.items ?? []}
        since={filters.since}
        until={filters.until}
        fresh={fresh}
        onRange={update}
      />
      <table className="incidents">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Camera</th>
            <th scope="col">Label</th>
            <th scope="col">Confidence</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {incidents.data?.items.map((incident) => (
            <tr key={incident.id} className={fresh.has(incident.id) ? "fresh" : undefined}>
              <td data-label="Started">
                <Link to="/incidents/$incidentId" params={{ incidentId: String(incident.id) }}>
                  {formatTime(incident.started_at)}
                </Link>
              </td>
              <td data-label="Camera">{cameraName(incident.camera_id)}</td>
              <td data-label="Label">{incident.label}</td>
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
