/** Saved rule versions (admins): who saved which when, and "load into editor". */
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { type RulesPublic, rulesHistory, usersList } from "../client";
import { formatTime } from "../incidents/format";
import { errorMessage } from "../ui/errors";

interface Props {
  runningId: number | null;
  onLoad(version: RulesPublic): void;
}

export function RulesHistory({ runningId, onLoad }: Props) {
  const id = useId();
  const history = useQuery({
    queryKey: ["rules", "history"],
    queryFn: async () => (await rulesHistory({ query: { limit: 50 }, throwOnError: true })).data,
  });
  const emails = useQuery({
    queryKey: ["users", "emails"],
    queryFn: async () => (await usersList({ query: { limit: 500 }, throwOnError: true })).data,
    select: (page) => new Map(page.items.map((user) => [user.id, user.email])),
    staleTime: 60_000,
  });
  const who = (userId: string | null | undefined) =>
    userId ? (emails.data?.get(userId) ?? "a deleted account") : "—";

  return (
    <section aria-labelledby={`${id}-title`} className="rules-history">
      <h2 id={`${id}-title`}>Saved versions</h2>
      {history.isPending && <p className="hint">Loading the saved versions…</p>}
      {history.isError && (
        <p className="banner error" role="alert">
          {errorMessage(history.error)}
        </p>
      )}
      {history.data && history.data.length === 0 && (
        <p className="hint">No version saved yet: the server runs the built-in defaults.</p>
      )}
      {history.data && history.data.length > 0 && (
        <ol className="history-list">
          {history.data.map((version) => (
            <li key={version.id ?? version.version} data-version={version.version}>
              <span className="history-version">
                <strong>{version.version}</strong>
                {version.id === runningId && <span className="badge ok">running</span>}
              </span>
              <span className="hint">
                saved {formatTime(version.created_at)} by {who(version.created_by)}
              </span>
              <button type="button" onClick={() => onLoad(version)}>
                Load into editor
                <span className="visually-hidden"> (version {version.version})</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
