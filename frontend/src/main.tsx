import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { queryClient, router } from "./router";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
// The built dashboard is an installable app: its service worker keeps the shell and shows push alerts.
// Not in `npm run dev`, where a cached shell would hide Vite's updates.
if (import.meta.env.PROD && "serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/sw.js").catch((error: unknown) => {
    console.warn("the service worker did not register", error);
  });
}

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
