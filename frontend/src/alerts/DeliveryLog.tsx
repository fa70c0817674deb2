/** Every alert delivery about incidents I may see, newest first, refreshed every few seconds. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useId, useState } from "react";
import { alertDeliveriesList, type DeliveryStatus } from "../client";
import { formatTime } from "../incidents/format";
import { errorMessage } from "../ui/errors";
import { Pager } from "../ui/Pager";
import { channelInfo } from "./channels";
import {
  DELIVERIES_REFRESH_MS,
  DELIVERY_STATUSES,
  type DeliveryFilters,
  deliveriesQuery,
  pages,
  statusClass,
} from "./deliveries";

export function DeliveryLog() {
  const id = useId();
  const [filters, setFilters] = useState<DeliveryFilters>({ status: null, page: 1 });
  const deliveries = useQuery({
    queryKey: ["alert-deliveries", filters],
    queryFn: async () =>
      (await alertDeliveriesList({ query: deliveriesQuery(filters), throwOnError: true })).data,
    refetchInterval: DELIVERIES_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const total = deliveries.data?.total ?? 0;
  const last = pages(total);

  return (
    <section aria-labelledby={`${id}-title`} className="deliveries-section">
      <h2 id={`${id}-title`}>Delivery log</h2>
      <div className="row deliveries-filter">
        <label className="inline">
          Status
          <select
            value={filters.status ?? ""}
            onChange={(e) =>
              setFilters({ status: (e.target.value || null) as DeliveryStatus | null, page: 1 })
            }
          >
            <option value="">Any status</option>
            {DELIVERY_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <span className="hint" aria-live="polite">
          {deliveries.isPending
            ? "Loading…"
            : `${total} deliver${total === 1 ? "y" : "ies"} · refreshed every ${DELIVERIES_REFRESH_MS / 1000} s`}
        </span>
      </div>
      {deliveries.isError && (
        <p className="banner error" role="alert">
          {errorMessage(deliveries.error)}
        </p>
      )}
      {deliveries.data && deliveries.data.items.length === 0 && (
        <p className="hint">{filters.status ? `No ${filters.status} delivery.` : "No alert sent yet."}</p>
      )}
      {deliveries.data && deliveries.data.items.length > 0 && (
        <table className="deliveries">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Incident</th>
              <th scope="col">Channel</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((delivery) => (
              <tr key={delivery.id} data-delivery-id={delivery.id} data-status={delivery.status}>
                <td data-label="Time">{formatTime(delivery.created_at)}</td>
                <td data-label="Incident">
                  <span>
                    <Link to="/incidents/$incidentId" params={{ incidentId: String(delivery.incident_id) }}>
                      #{delivery.incident_id}
                    </Link>{" "}
                    <span className="hint">{delivery.update_kind}</span>
                  </span>
                </td>
                <td data-label="Channel">{channelInfo(delivery.channel).label}</td>
                <td data-label="Target" className="wrap">
                  {delivery.target ?? <span className="hint">not shown (someone else's route)</span>}
                </td>
                <td data-label="Status">
                  <span
                    className={statusClass(delivery.status)}
                    title={
                      delivery.delivered_at ? `delivered ${formatTime(delivery.delivered_at)}` : undefined
                    }
                  >
                    {delivery.status}
                  </span>
                </td>
                <td data-label="Attempts">{delivery.attempts}</td>
                <td data-label="Last error" className="wrap">
                  {delivery.last_error ?? <span className="hint">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={filters.page}
        pages={total > 0 ? last : 0}
        label="Delivery log pages"
        onPage={(page) => setFilters((f) => ({ ...f, page }))}
      />
    </section>
  );
}
