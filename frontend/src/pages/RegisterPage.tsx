import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useId, useState } from "react";
import { CredentialFields, type Credentials, MIN_PASSWORD_LENGTH } from "../auth/CredentialFields";
import { authConfig, authRegisterRegister } from "../client";
import { errorMessage } from "../ui/errors";
import { Field } from "../ui/Field";
import { fieldParts } from "../ui/useFieldErrors";
import { usePageTitle } from "../ui/usePageTitle";

export function RegisterPage() {
  usePageTitle("Create an account");
  const navigate = useNavigate();
  const [credentials, setCredentials] = useState<Credentials>({ email: "", password: "" });
  const { email, password } = credentials;
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Refusals are said in one banner, not at a field.
  const form = fieldParts(useId(), {});
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
        <CredentialFields
          form={form}
          purpose="register"
          value={credentials}
          onChange={setCredentials}
          passwordHint={
            <>
              At least {MIN_PASSWORD_LENGTH} characters, and not a common or guessable password: a few unusual
              words work well.
            </>
          }
        />
        <Field form={form} field="confirm" label="Repeat password">
          <input
            type="password"
            name="confirm"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </Field>
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
