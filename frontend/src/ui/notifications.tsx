/** Small, non-modal notifications in a polite live region: they never take focus or block the page. */
import { useRouter } from "@tanstack/react-router";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

export interface Notice {
  id: number;
  text: string;
  href?: string;
}

interface Notifier {
  notify(text: string, href?: string): void;
}

const NotifierContext = createContext<Notifier>({ notify: () => undefined });
const SHOWN_MS = 8000;
const MAX_SHOWN = 3;

export function NotificationProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const router = useRouter();
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (text: string, href?: string) => {
      const id = Date.now() + Math.random();
      setNotices((all) => [{ id, text, ...(href ? { href } : {}) }, ...all].slice(0, MAX_SHOWN));
      window.setTimeout(() => dismiss(id), SHOWN_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ notify }), [notify]);
  return (
    <NotifierContext.Provider value={value}>
      {children}
      <section className="notices" aria-live="polite" aria-label="Notifications">
        {notices.map((n) => (
          <div className="notice" key={n.id}>
            {n.href ? (
              <a
                href={n.href}
                onClick={(event) => {
                  event.preventDefault(); // in-app navigation: keep the socket and the cache
                  void router.history.push(n.href ?? "/");
                }}
              >
                {n.text}
              </a>
            ) : (
              <span>{n.text}</span>
            )}
            <button
              type="button"
              className="link"
              aria-label="Dismiss notification"
              onClick={() => dismiss(n.id)}
            >
              ×
            </button>
          </div>
        ))}
      </section>
    </NotifierContext.Provider>
  );
}

export function useNotifier(): Notifier {
  return useContext(NotifierContext);
}
