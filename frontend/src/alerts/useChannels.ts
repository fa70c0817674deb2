/** Which alert channels this server can send on now, and why not (GET /alert-channels). */
import { useQuery } from "@tanstack/react-query";
import { alertChannelsList, type ChannelAvailability, type ChannelKind } from "../client";

export function useChannelAvailability() {
  return useQuery({
    queryKey: ["alert-channels"],
    queryFn: async () => (await alertChannelsList({ throwOnError: true })).data,
    select: (list): ReadonlyMap<ChannelKind, ChannelAvailability> => new Map(list.map((c) => [c.kind, c])),
  });
}
