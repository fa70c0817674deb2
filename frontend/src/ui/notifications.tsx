/** Small, non-modal notifications in a polite live region: they never take focus or block the page.
 * Alerts stay until the operator dismisses or follows them, with a tone if the operator turned it on. */
import { useRouter } from "@tanstack/react-router";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { alertSoundOn, type Notice, setAlertSound, withNotice } from "./notices";

interface Notifier {
  notify(text: string, href?: string, options?: { alert?: boolean }): void;
}

const NotifierContext = createContext<Notifier>({ notify: () => undefined });
const SHOWN_MS = 8000;

let audio: AudioContext | null = null;

/** A short two-tone chime made on the spot (no file to fetch). Browsers allow it once the page had a
 * gesture, such as the click that turned the sound on. */
function chime(): void {
  audio ??= new AudioContext();
  const start = audio.currentTime;
  for (const [offset, frequency] of [
    [0, 880],
    [0.18, 660],
  ] as const) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.16);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.17);
  }
}

export function NotificationProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const [sound, setSound] = useState(alertSoundOn);
  const router = useRouter();
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (text: string, href?: string, options?: { alert?: boolean }) => {
      const id = Date.now() + Math.random();
      const sticky = options?.alert === true;
      setNotices((all) => withNotice(all, { id, text, sticky, ...(href ? { href } : {}) }));
      if (!sticky) window.setTimeout(() => dismiss(id), SHOWN_MS);
      else if (alertSoundOn()) {
        try {
          chime();
        } catch {
          // no audio device, or the browser refuses: the notice itself still shows
        }
      }
    },
    [dismiss],
  );
  const value = useMemo(() => ({ notify }), [notify]);
  return (
    <NotifierContext.Provider value={value}>
      {children}
      <section className="notices" aria-live="polite" aria-label="Notifications">
        {notices.some((n) => n.sticky) && (
          <button
            type="button"
            className="link notice-sound"
            aria-pressed={sound}
            onClick={() => {
              setAlertSound(!sound);
              setSound(!sound);
              if (!sound) chime();
            }}
          >
            {sound ? "Alert sound on" : "Alert sound off"}
          </button>
        )}
        {notices.map((n) => (
          <div className={n.sticky ? "notice alert" : "notice"} key={n.id} data-testid="notice">
            {n.href ? (
              <a
                href={n.href}
                onClick={(event) => {
                  event.preventDefault(); // in-app navigation: keep the socket and the cache
                  dismiss(n.id); // followed: seen
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
