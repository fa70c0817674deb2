/** "Send a test alert" on one route: it goes out through the route's channel now, and what happened is said
 * beside the button (the channel's receipt, or why it was not sent). */
import { useMutation } from "@tanstack/react-query";
import { alertRoutesTest } from "../client";
import { errorMessage } from "../ui/errors";

export function TestAlertButton({ routeId, name }: { routeId: number; name: string }) {
  const test = useMutation({
    mutationFn: async () => (await alertRoutesTest({ path: { route_id: routeId }, throwOnError: true })).data,
  });
  return (
    <>
      <button type="button" className="secondary" disabled={test.isPending} onClick={() => test.mutate()}>
        {test.isPending ? "Sending…" : "Send a test alert"}
        <span className="visually-hidden"> through {name}</span>
      </button>
      <span className="test-outcome" role="status" aria-live="polite">
        {test.data && <span className={test.data.delivered ? "ok" : "bad"}>{test.data.outcome}</span>}
        {test.isError && <span className="bad">{errorMessage(test.error)}</span>}
      </span>
    </>
  );
}
