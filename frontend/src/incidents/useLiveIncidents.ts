/** Live `incident` socket events: refresh incident queries and tell the user about new ones. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useSocket } from "../live/socket";
import type { IncidentEvent } from "../live/types";
import { labelWords } from "../ui/labels";
import { isAlert } from "../ui/notices";
import { useNotifier } from "../ui/notifications";

export function useLiveIncidents(onEvent?: (event: IncidentEvent) => void): void {
  const socket = useSocket();
  const queryClient = useQueryClient();
  const { notify } = useNotifier();
  useEffect(() => {
    if (!socket) return;
    const handle = (event: IncidentEvent) => {
      onEvent?.(event);
      void queryClient.invalidateQueries({ queryKey: ["incidents"] });
      void queryClient.invalidateQueries({ queryKey: ["incident", event.incident_id] });
      if (event.event === "opened") {
        void queryClient.invalidateQueries({ queryKey: ["cameras"] }); // its camera may be new to this tab
        notify(
          `New incident: ${labelWords(event.label)} (${Math.round(event.confidence * 100)}%)`,
          `/incidents/${event.incident_id}`,
          { alert: isAlert(event.severity) },
        );
      }
    };
    socket.on("incident", handle);
    return () => {
      socket.off("incident", handle);
    };
  }, [socket, queryClient, notify, onEvent]);
}
