import { useQuery } from "@tanstack/react-query";
import { usersUsersCurrentUser } from "../client";

/** The logged-in account (its role decides which pages and actions are offered; the server decides). */
export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async () => (await usersUsersCurrentUser({ throwOnError: true })).data,
    staleTime: 60_000,
  });
}
