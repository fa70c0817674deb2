import { QueryClient } from "@tanstack/react-query";
import {
  createRootRoute,
  createRoute,
  createRouter,
  Link,
  Outlet,
  redirect,
  useNavigate,
  useRouterState,
} from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import { logOut, tokens, useToken } from "./auth/session";
import type { LogoutReason } from "./auth/token";
import { useMe } from "./auth/useMe";
import { parseHistorySearch } from "./history/search";
import { parseFilters } from "./incidents/filters";
import { UnreadCount } from "./incidents/UnreadCount";
import { useLiveIncidents } from "./incidents/useLiveIncidents";
import { SocketProvider } from "./live/socket";
import { AlertsPage } from "./pages/AlertsPage";
import { CameraPage } from "./pages/CameraPage";
import { CamerasPage } from "./pages/CamerasPage";
import { HistoryPage } from "./pages/HistoryPage";
import { IncidentDetailPage } from "./pages/IncidentDetailPage";
import { IncidentsPage } from "./pages/IncidentsPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { PublishPage } from "./pages/PublishPage";
import { RegisterPage } from "./pages/RegisterPage";
import { RulesPage } from "./pages/RulesPage";
import { SettingsPage } from "./pages/SettingsPage";
import { UsersPage } from "./pages/UsersPage";
import { WallPage } from "./pages/WallPage";
import { parsePublishSearch } from "./publish/search";
import { NotificationProvider } from "./ui/notifications";

export const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 5_000, retry: 1 } },
});

const rootRoute = createRootRoute({
  component: () => (
    <NotificationProvider>
      <Outlet />
    </NotificationProvider>
  ),
  notFoundComponent: NotFoundPage,
});

export interface LoginSearch {
  reason?: LogoutReason;
  redirect?: string;
  email?: string;
  registered?: boolean;
}

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): LoginSearch => ({
    ...(search.reason === "expired" || search.reason === "signed-out" ? { reason: search.reason } : {}),
    // Only same-origin paths: a crafted link must not send the user elsewhere after login.
    ...(typeof search.redirect === "string" &&
    search.redirect.startsWith("/") &&
    !search.redirect.startsWith("//")
      ? { redirect: search.redirect }
      : {}),
    ...(typeof search.email === "string" ? { email: search.email } : {}),
    ...(search.registered === true ? { registered: true } : {}),
  }),
  component: LoginPage,
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/register",
  component: RegisterPage,
});

function AppLayout() {
  const token = useToken();
  const navigate = useNavigate();
  const href = useRouterState({ select: (s) => s.location.href });
  const leaving = useRef(false);
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const firstPath = useRef(pathname);
  useEffect(() => {
    // On a phone the menu scrolls sideways: keep the current page's link in view.
    if (pathname)
      document
        .querySelector('.top nav a[data-status="active"]')
        ?.scrollIntoView({ block: "nearest", inline: "nearest" });
    // A page change moves focus to the new page's heading, so a keyboard or a screen reader starts there.
    if (pathname === firstPath.current) return;
    firstPath.current = "";
    // The new page may render a frame later (a lazy chunk, a router transition): look for up to a second.
    let tries = 60;
    let frame = 0;
    const focusHeading = () => {
      const heading = document.querySelector<HTMLElement>("#content h1");
      if (heading) {
        if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      } else if (--tries > 0) {
        frame = requestAnimationFrame(focusHeading);
      }
    };
    frame = requestAnimationFrame(focusHeading);
    return () => cancelAnimationFrame(frame);
  }, [pathname]);
  useEffect(() => {
    // The token expired or was removed while a page was open: back to login, once, saying why.
    if (token !== null) {
      leaving.current = false;
    } else if (!leaving.current) {
      leaving.current = true;
      queryClient.clear(); // nothing of this user's stays cached for the next one
      const reason = tokens.takeReason() ?? "expired";
      void navigate({
        to: "/login",
        search: { reason, ...(reason === "expired" ? { redirect: href } : {}) },
      });
    }
  }, [token, navigate, href]);
  if (token === null) return null;
  return (
    <SocketProvider token={token}>
      <LiveIncidents />
      <header className="top">
        <a className="skip" href="#content">
          Skip to content
        </a>
        <span className="brand">Vigil</span>
        <nav aria-label="Main">
          <Link to="/" activeOptions={{ exact: true }}>
            Live
          </Link>
          <Link to="/incidents">
            Incidents
            <UnreadCount />
          </Link>
          <Link to="/history">History</Link>
          <Link to="/cameras">Cameras</Link>
          <Link to="/rules">Rules</Link>
          <Link to="/alerts">Alerts</Link>
          <Link to="/publish">Use as camera</Link>
          {isAdmin && <Link to="/users">Users</Link>}
          {isAdmin && <Link to="/settings">Settings</Link>}
        </nav>
        <button type="button" className="logout" onClick={() => void logOut()}>
          Log out
        </button>
      </header>
      <div id="content">
        <Outlet />
      </div>
    </SocketProvider>
  );
}

function LiveIncidents() {
  useLiveIncidents();
  return null;
}

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  beforeLoad: ({ location }) => {
    if (tokens.current() === null) {
      throw redirect({
        to: "/login",
        search: { reason: tokens.takeReason() ?? undefined, redirect: location.href },
      });
    }
  },
  component: AppLayout,
});

const wallRoute = createRoute({ getParentRoute: () => appRoute, path: "/", component: WallPage });

const incidentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "incidents",
  validateSearch: parseFilters,
  component: IncidentsPage,
});

const incidentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "incidents/$incidentId",
  component: IncidentDetailPage,
});

const camerasRoute = createRoute({ getParentRoute: () => appRoute, path: "cameras", component: CamerasPage });

const cameraRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "cameras/$cameraId",
  component: CameraPage,
});

const historyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "history",
  validateSearch: parseHistorySearch,
  component: HistoryPage,
});
const rulesRoute = createRoute({ getParentRoute: () => appRoute, path: "rules", component: RulesPage });
const alertsRoute = createRoute({ getParentRoute: () => appRoute, path: "alerts", component: AlertsPage });
const publishRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "publish",
  validateSearch: parsePublishSearch,
  component: PublishPage,
});
const usersRoute = createRoute({ getParentRoute: () => appRoute, path: "users", component: UsersPage });
const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "settings",
  component: SettingsPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  registerRoute,
  appRoute.addChildren([
    wallRoute,
    incidentsRoute,
    incidentRoute,
    historyRoute,
    camerasRoute,
    cameraRoute,
    rulesRoute,
    alertsRoute,
    publishRoute,
    usersRoute,
    settingsRoute,
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
