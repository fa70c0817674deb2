import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { DeliveryLog } from "../alerts/DeliveryLog";
import { DevicePush } from "../alerts/DevicePush";
import { labelsInRules } from "../alerts/form";
import { RouteForm } from "../alerts/RouteForm";
import { RouteList } from "../alerts/RouteList";
import { useMe } from "../auth/useMe";
import { type AlertRoutePublic, alertRoutesList, rulesGet, usersList } from "../client";
import { errorMessage } from "../ui/errors";
import "../alerts/alerts.css";
import { usePageTitle } from "../ui/usePageTitle";

/** The default rules' labels, for when the running rules cannot be read. */
const DEFAULT_LABELS = [
  "violence",
  "fall",
  "intrusion",
  "loitering",
  "distress",
  "glass_break",
  "gunshot_explosion",
  "alarm",
  "crowding",
];

type Editing = { kind: "closed" } | { kind: "new" } | { kind: "edit"; route: AlertRoutePublic };

export function AlertsPage() {
  usePageTitle("Alerts");
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const mayAdd = me.data !== undefined && me.data.role !== "viewer";
  const routes = useQuery({
    queryKey: ["alert-routes"],
    queryFn: async () => (await alertRoutesList({ query: { limit: 500 }, throwOnError: true })).data,
  });
  const rules = useQuery({
    queryKey: ["rules"],
    queryFn: async () => (await rulesGet({ throwOnError: true })).data,
  });
  const owners = useQuery({
    queryKey: ["users", "emails"],
    queryFn: async () => (await usersList({ query: { limit: 500 }, throwOnError: true })).data,
    select: (page) => new Map(page.items.map((user) => [user.id, user.email])),
    enabled: isAdmin,
    staleTime: 60_000,
  });
  const fromRules = rules.data ? labelsInRules(rules.data.text) : [];
  const knownLabels = fromRules.length > 0 ? fromRules : DEFAULT_LABELS;
  const [editing, setEditing] = useState<Editing>({ kind: "closed" });
  const [notice, setNotice] = useState<string | null>(null);
  const formArea = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (editing.kind === "closed") return;
    // the form opens below the list: bring it into view and put the keyboard in its first field
    formArea.current?.scrollIntoView({ block: "start" });
    formArea.current?.querySelector<HTMLElement>("input, select")?.focus();
  }, [editing]);

  const list = routes.data?.items ?? [];
  return (
    <main className="alerts-page">
      <h1>Alerts</h1>
      <section aria-labelledby="routes-title">
        <h2 id="routes-title">{isAdmin ? "Alert routes (everyone's)" : "My alert routes"}</h2>
        <p className="hint">
          A route sends the incidents of some cameras and labels, from a confidence, at some hours, to an
          e-mail address, a phone (SMS), a webhook, MQTT or your own devices (push notifications).
        </p>
        {routes.isPending && <p>Loading routes…</p>}
        {routes.isError && (
          <p className="banner error" role="alert">
            {errorMessage(routes.error)}
          </p>
        )}
        {routes.data && list.length === 0 && <p className="banner">No alert route yet.</p>}
        {list.length > 0 && (
          <RouteList
            routes={list}
            owners={isAdmin ? (owners.data ?? new Map()) : null}
            myId={me.data?.id}
            editing={editing.kind === "edit" ? editing.route.id : null}
            onEdit={(route) => {
              setNotice(null);
              setEditing({ kind: "edit", route });
            }}
            onDeleted={(route) => {
              setNotice(`Route ${route.name || `#${route.id}`} deleted.`);
              if (editing.kind === "edit" && editing.route.id === route.id) setEditing({ kind: "closed" });
            }}
          />
        )}
        {notice && (
          <p className="banner" role="status">
            {notice}
          </p>
        )}
        {me.data?.role === "viewer" && (
          <p className="hint">Viewers cannot add alert routes: ask an administrator for the operator role.</p>
        )}
        {mayAdd && editing.kind === "closed" && (
          <div className="row">
            <button
              type="button"
              onClick={() => {
                setNotice(null);
                setEditing({ kind: "new" });
              }}
            >
              New route
            </button>
          </div>
        )}
        <div ref={formArea}>
          {editing.kind !== "closed" && (
            <RouteForm
              key={editing.kind === "edit" ? editing.route.id : "new"}
              route={editing.kind === "edit" ? editing.route : null}
              knownLabels={knownLabels}
              onCancel={() => setEditing({ kind: "closed" })}
              onDone={(saved, created) => {
                setEditing({ kind: "closed" });
                setNotice(`Route ${saved.name || `#${saved.id}`} ${created ? "added" : "saved"}.`);
              }}
            />
          )}
        </div>
      </section>
      <DevicePush />
      <DeliveryLog />
    </main>
  );
}
