/** The alert routes I may manage, each with edit and a confirmed delete. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { type AlertRoutePublic, alertRoutesDelete } from "../client";
import { percent } from "../live/overlay";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { channelInfo } from "./channels";
import { scheduleText } from "./form";
import { TestAlertButton } from "./TestAlertButton";

interface Props {
  routes: readonly AlertRoutePublic[];
  /** Owner emails by user id (admins see everyone's routes); null: all are mine. */
  owners: ReadonlyMap<string, string> | null;
  myId: string | undefined;
  editing: number | null;
  onEdit(route: AlertRoutePublic): void;
  onDeleted(route: AlertRoutePublic): void;
}

export function RouteList({ routes, owners, myId, editing, onEdit, onDeleted }: Props) {
  const queryClient = useQueryClient();
  const cameras = useCameras();
  const [confirming, setConfirming] = useState<number | null>(null);
  const remove = useMutation({
    mutationFn: async (route: AlertRoutePublic) => {
      await alertRoutesDelete({ path: { route_id: route.id }, throwOnError: true });
      return route;
    },
    onSuccess: (route) => {
      setConfirming(null);
      void queryClient.invalidateQueries({ queryKey: ["alert-routes"] });
      onDeleted(route);
    },
  });
  const cameraNames = (ids: readonly number[] | null | undefined) =>
    ids === null || ids === undefined
      ? "every camera"
      : ids.map((id) => cameras.data?.items.find((c) => c.id === id)?.name ?? `camera ${id}`).join(", ");

  return (
    <ul className="route-list">
      {routes.map((route) => {
        const name = route.name || `${channelInfo(route.channel).label} route #${route.id}`;
        return (
          <li
            key={route.id}
            data-route-id={route.id}
            aria-current={editing === route.id ? "true" : undefined}
          >
            <div className="route-head">
              <strong className="route-name">{name}</strong>
              <span className="badge">{channelInfo(route.channel).label}</span>
              <span className={route.enabled === false ? "badge" : "badge ok"}>
                {route.enabled === false ? "disabled" : "enabled"}
              </span>
              {owners && route.owner_id !== myId && (
                <span className="hint">of {owners.get(route.owner_id) ?? "another user"}</span>
              )}
            </div>
            <dl className="route-facts">
              <dt>To</dt>
              <dd className="wrap">
                {route.target ||
                  (route.channel === "webpush" ? (
                    "my devices with notifications on"
                  ) : (
                    <span className="hint">the server's default</span>
                  ))}
              </dd>
              <dt>Cameras</dt>
              <dd>{cameraNames(route.cameras)}</dd>
              <dt>Labels</dt>
              <dd>{route.labels ? route.labels.join(", ") : "every label"}</dd>
              <dt>From</dt>
              <dd>{percent(route.min_confidence ?? 0)} confidence</dd>
              <dt>When</dt>
              <dd>{scheduleText(route.schedule, route.timezone)}</dd>
            </dl>
            {confirming === route.id ? (
              <fieldset className="row confirm">
                <legend className="visually-hidden">Delete {name}?</legend>
                <span>Delete {name}? Its deliveries stay in the log.</span>
                <button
                  type="button"
                  className="bad"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(route)}
                >
                  {remove.isPending ? "Deleting…" : "Delete"}
                </button>
                <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                  Keep it
                </button>
              </fieldset>
            ) : (
              <div className="row">
                <button type="button" onClick={() => onEdit(route)}>
                  Edit<span className="visually-hidden"> {name}</span>
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    remove.reset();
                    setConfirming(route.id);
                  }}
                >
                  Delete<span className="visually-hidden"> {name}</span>
                </button>
                <TestAlertButton routeId={route.id} name={name} />
              </div>
            )}
            {remove.isError && remove.variables?.id === route.id && (
              <p className="banner error" role="alert">
                {errorMessage(remove.error)}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
