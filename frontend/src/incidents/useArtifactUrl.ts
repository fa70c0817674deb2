/** An artifact needs the bearer token: fetched as a blob and shown through an object URL, revoked on unmount. */
import { useEffect, useState } from "react";
import { authorizedFetch } from "../auth/session";

export type ArtifactState = { url: string; error: null } | { url: null; error: string | null };

export function useArtifactUrl(path: string | undefined): ArtifactState {
  const [state, setState] = useState<ArtifactState>({ url: null, error: null });
  useEffect(() => {
    if (!path) return;
    let objectUrl: string | null = null;
    let cancelled = false;
    setState({ url: null, error: null });
    authorizedFetch(path)
      .then(async (response) => {
        if (!response.ok) throw new Error(`download failed (${response.status})`);
        const blob = await response.blob();
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setState({ url: objectUrl, error: null });
      })
      .catch((error: unknown) => {
        if (!cancelled)
          setState({ url: null, error: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [path]);
  return state;
}
