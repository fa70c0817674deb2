import { useEffect, useRef, useState } from "react";
import type { Problem } from "./problems";
import { Publisher, type PublishOptions } from "./publisher";
import type { PublishState, SendStats } from "./state";

export interface PublisherView {
  state: PublishState;
  problem: Problem | null;
  stream: MediaStream | null;
  stats: SendStats | null;
  devices: MediaDeviceInfo[];
  publisher: Publisher | null;
}

/** The page's publisher: its state as React state; everything is released when the page is left. */
export function usePublisher(): PublisherView & { start: (options: PublishOptions) => void } {
  const [state, setState] = useState<PublishState>("idle");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [stats, setStats] = useState<SendStats | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [publisher, setPublisher] = useState<Publisher | null>(null);
  const ref = useRef<Publisher | null>(null);

  useEffect(() => {
    const created = new Publisher({
      state: (next, why) => {
        setState(next);
        setProblem(why);
      },
      stream: setStream,
      stats: setStats,
      devices: setDevices,
    });
    ref.current = created;
    setPublisher(created);
    return () => {
      ref.current = null;
      created.dispose(); // tracks stopped, connection closed, wake lock released
    };
  }, []);

  return {
    state,
    problem,
    stream,
    stats,
    devices,
    publisher,
    start: (options) => void ref.current?.start(options),
  };
}
