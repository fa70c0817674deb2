/** One socket.io connection per logged-in tab, authenticated with the bearer token. */
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { endSession } from "../auth/session";

const SocketContext = createContext<Socket | null>(null);

export function SocketProvider({ token, children }: { token: string; children: ReactNode }) {
  const [socket, setSocket] = useState<Socket | null>(null);
  useEffect(() => {
    const s = io({ auth: { token }, transports: ["websocket"] });
    s.on("connect_error", (error) => {
      if (error.message.startsWith("UNAUTHORIZED")) endSession("expired");
    });
    s.on("session_expired", () => endSession("expired"));
    setSocket(s);
    return () => {
      s.disconnect();
      setSocket(null);
    };
  }, [token]);
  return <SocketContext.Provider value={socket}>{children}</SocketContext.Provider>;
}

export function useSocket(): Socket | null {
  return useContext(SocketContext);
}
