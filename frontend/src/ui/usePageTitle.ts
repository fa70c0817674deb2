import { useEffect } from "react";

export const APP_NAME = "Vigil";

/** `Incidents · Vigil`; just `Vigil` without a page name. */
export function pageTitle(name: string | null | undefined): string {
  const trimmed = name?.trim();
  return trimmed ? `${trimmed} · ${APP_NAME}` : APP_NAME;
}

/** Name the browser tab (and the history entry) after the page; a page still loading passes null. */
export function usePageTitle(name: string | null | undefined): void {
  const title = pageTitle(name);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
