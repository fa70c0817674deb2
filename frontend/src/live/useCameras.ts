import { useQuery } from "@tanstack/react-query";
import { camerasList } from "../client";

/** The cameras this user may see (one query for every page; new or shared ones show up within 15 s). */
export function useCameras() {
  return useQuery({
    queryKey: ["cameras"],
    queryFn: async () => (await camerasList({ query: { limit: 500 }, throwOnError: true })).data,
    refetchInterval: 15_000,
  });
}
