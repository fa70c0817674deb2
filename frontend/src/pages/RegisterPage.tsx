import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { authConfig, authRegisterRegister } from "../client";
import { errorMessage } from "../ui/errors";
import { usePageTitle } from "../ui/usePageTitle";

export const MIN_PASSWORD_LENGTH = 10;

export function RegisterPage() {
  usePageTitle("Create an account");
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const config = useQuery({
    queryKey: ["auth", "config"],
    queryFn: async () => (await authConfig({ throwOnError: true })).data,
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== confirm) {
      setError("The two passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    const { error } = await authRegisterRegister({ body: { email, password } });
    setBusy(false);
    if (error !== undefined) {
      setError(errorMessage(error));
      return;
    }
    await navigate({ to: "/login", search: { email, registered: true } });
  }

  if (config.data?.registration_open === false) {
    return (
      <main className="auth-page">
        <h1>Create a Vigil account</h1>
        <p className="banner" role="status">
          Registration is closed on this server: an administrator adds accounts. Ask one for yours.
        </p>
        <p>
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </main>
    );
  }

  return (
    <main className="auth-page">
      <h1>Create a Vigil account</h1>
      {config.data && (
        <p className="hint" data-testid="first-account">
          {config.data.first_account_admin
            ? "This server has no account yet: yours will be its administrator."
            : "Your account starts as a viewer: an administrator shares cameras with you and can change your role."}
        </p>
      )}
      <form onSubmit={submit} onChange={() => setError(null)} className="stack">
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            aria-describedby="password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <p id="password-hint" className="hint">
          At least {MIN_PASSWORD_LENGTH} characters, and not a common or guessable password: a few unusual
          words work well.
        </p>
        <label>
          Repeat password
          <input
            type="password"
            name="confirm"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </label>
        {error && (
          <p className="banner error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Register"}
        </button>
      </form>
      <p>
        Already registered? <Link to="/login">Log in</Link>
      </p>
    </main>
  );
}
