/** The delivery log's filters as the API's query, and how each status looks. */
import type { AlertDeliveriesListData, DeliveryStatus } from "../client";

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["pending", "retrying", "delivered", "failed"];
export const DELIVERIES_PAGE = 25;
export const DELIVERIES_REFRESH_MS = 4_000;

export interface DeliveryFilters {
  status: DeliveryStatus | null;
  /** 1-based */
  page: number;
}

export function deliveriesQuery(filters: DeliveryFilters): NonNullable<AlertDeliveriesListData["query"]> {
  return {
    limit: DELIVERIES_PAGE,
    offset: (Math.max(1, Math.trunc(filters.page)) - 1) * DELIVERIES_PAGE,
    ...(filters.status ? { status: filters.status } : {}),
  };
}

export function pages(total: number): number {
  return Math.max(1, Math.ceil(total / DELIVERIES_PAGE));
}

/** The badge class of a status (styles.css: ok, warn, bad). */
export function statusClass(status: DeliveryStatus): string {
  switch (status) {
    case "delivered":
      return "badge ok";
    case "retrying":
      return "badge warn";
    case "failed":
      return "badge bad";
    case "pending":
      return "badge";
  }
}
