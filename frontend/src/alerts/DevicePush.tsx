/** "Notifications on this device": turn Web Push on here, and the list of my devices that receive it. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { pushDelete, pushList } from "../client";
import { errorMessage } from "../ui/errors";
import { pushSupported, storedSubscriptionId, turnOffPushHere, turnOnPush } from "./push";

export function DevicePush() {
  const queryClient = useQueryClient();
  const [here, setHere] = useState<number | null>(storedSubscriptionId);
  const devices = useQuery({
    queryKey: ["push-subscriptions"],
    queryFn: async () => (await pushList({ throwOnError: true })).data,
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["push-subscriptions"] }),
      queryClient.invalidateQueries({ queryKey: ["alert-channels"] }),
    ]);
  const turnOn = useMutation({
    mutationFn: turnOnPush,
    onSuccess: async (id) => {
      setHere(id);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (id: number) => {
      await pushDelete({ path: { subscription_id: id }, throwOnError: true });
      if (id === here) {
        await turnOffPushHere();
        setHere(null);
      }
    },
    onSuccess: refresh,
  });
  const list = devices.data ?? [];
  const subscribedHere = here !== null && list.some((d) => d.id === here);
  return (
    <section aria-labelledby="push-title" className="device-push">
      <h2 id="push-title">Notifications on this device</h2>
      <p className="hint">
        With notifications on, your “Push to my devices” routes reach this browser or phone even when the
        dashboard is closed: the incident, its snapshot, and a tap opens it. On a phone, install the dashboard
        first (Add to Home Screen).
      </p>
      {!pushSupported() ? (
        <p className="banner warn">This browser cannot receive push notifications.</p>
      ) : subscribedHere ? (
        <p className="banner" role="status">
          This device receives your notifications.
        </p>
      ) : (
        <div className="row">
          <button type="button" disabled={turnOn.isPending} onClick={() => turnOn.mutate()}>
            {turnOn.isPending ? "Turning on…" : "Turn on notifications on this device"}
          </button>
        </div>
      )}
      {turnOn.isError && (
        <p className="banner error" role="alert">
          Not turned on: {turnOn.error instanceof Error ? turnOn.error.message : errorMessage(turnOn.error)}
        </p>
      )}
      {list.length > 0 && (
        <ul className="device-list">
          {list.map((device) => (
            <li key={device.id} data-subscription-id={device.id}>
              <span>
                {device.device || "A device"}
                {device.id === here && " (this one)"}
              </span>{" "}
              <span className="hint">via {device.endpoint_origin}</span>{" "}
              <button
                type="button"
                className="secondary"
                disabled={remove.isPending}
                onClick={() => remove.mutate(device.id)}
              >
                Stop
                <span className="visually-hidden"> notifications to {device.device || "this device"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {remove.isError && (
        <p className="banner error" role="alert">
          {errorMessage(remove.error)}
        </p>
      )}
    </section>
  );
}
