import { useQuery } from "@tanstack/react-query";
import { incidentsList } from "../client";

/** How many incidents nobody reviewed yet (status `new`), beside the Incidents link. Every incident
 * socket event and every review invalidates the "incidents" queries, so it follows both. */
export function UnreadCount() {
  const unread = useQuery({
    queryKey: ["incidents", "unread"],
    queryFn: async () =>
      (await incidentsList({ query: { status: "new", limit: 1 }, throwOnError: true })).data.total,
  });
  const count = unread.data ?? 0;
  if (count === 0) return null;
  return (
    <span className="nav-count" data-testid="unread-count">
      {count > 999 ? "999+" : count}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}
