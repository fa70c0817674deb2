import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useId, useState } from "react";
import { CredentialFields, type Credentials } from "../auth/CredentialFields";
import { startSession } from "../auth/session";
import { LOGOUT_MESSAGES } from "../auth/token";
import { authLogin } from "../client";
import { errorMessage } from "../ui/errors";
import { fieldParts } from "../ui/useFieldErrors";
import { usePageTitle } from "../ui/usePageTitle";

export function LoginPage() {
  usePageTitle("Log in");
  const search = useSearch({ from: "/login" });
  const navigate = useNavigate();
  const [credentials, setCredentials] = useState<Credentials>({ email: search.email ?? "", password: "" });
  const { email, password } = credentials;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Refusals are said in one banner, not at a field.
  const form = fieldParts(useId(), {});
  const notice = search.reason
    ? LOGOUT_MESSAGES[search.reason]
    : search.registered
      ? "Account created. Log in."
      : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const { data, error } = await authLogin({ body: { username: email, password } });
    setBusy(false);
    const token = (data as { access_token?: unknown } | undefined)?.access_token;
    if (error !== undefined || typeof token !== "string") {
      setError(errorMessage(error));
      return;
    }
    startSession(token);
    await navigate({ to: search.redirect ?? "/" });
  }

  return (
    <main className="auth-page">
      <h1>Log in to Vigil</h1>
      {notice && (
        <p className={search.reason === "expired" ? "banner warn" : "banner"} role="status">
          {notice}
        </p>
      )}
      <form
        onSubmit={submit}
        onChange={() => setError(null)} // the message answered the last try; an edit makes it stale
        className="stack"
        aria-describedby={error ? "login-error" : undefined}
      >
        <CredentialFields form={form} purpose="log-in" value={credentials} onChange={setCredentials} />
        {error && (
          <p id="login-error" className="banner error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        No account? <Link to="/register">Register</Link>
      </p>
    </main>
  );
}
