import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useMe } from "../auth/useMe";
import { settingsGet } from "../client";
import { AlertSettingsForm } from "../settings/AlertSettingsForm";
import { errorMessage } from "../ui/errors";
import "../settings/settings.css";

/** Alert channel settings (administrators): SMTP, Twilio, MQTT, the webhook secret. */
export function SettingsPage() {
  useEffect(() => {
    document.title = "Settings · Vigil";
  }, []);
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ["alert-settings"],
    queryFn: async () => (await settingsGet({ throwOnError: true })).data,
    enabled: isAdmin,
  });
  if (me.isPending) {
    return (
      <main>
        <h1>Settings</h1>
        <p>Loading…</p>
      </main>
    );
  }
  if (!isAdmin) {
    return (
      <main>
        <h1>Settings</h1>
        <p className="banner" role="status">
          Only administrators change the server's settings.
        </p>
      </main>
    );
  }
  return (
    <main className="settings-page">
      <h1>Settings</h1>
      <h2>Alert channels</h2>
      <p className="hint">
        How this server sends e-mail, SMS, MQTT and signed webhooks. They are kept in the database; a setting
        given in the server's environment (VIGIL_…) wins and is shown as set by the environment. Passwords,
        tokens and secrets are never shown again once saved. Try a channel with “Send a test alert” on a route
        in Alerts.
      </p>
      {settings.isPending && <p>Loading settings…</p>}
      {settings.isError && (
        <p className="banner error" role="alert">
          {errorMessage(settings.error)}
        </p>
      )}
      {settings.data && (
        <AlertSettingsForm
          settings={settings.data}
          onSaved={(saved) => queryClient.setQueryData(["alert-settings"], saved)}
        />
      )}
    </main>
  );
}
