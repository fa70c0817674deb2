import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { type Role, usersCreate } from "../client";
import { changedField, useFieldErrors } from "../ui/useFieldErrors";
import { newAccountErrors, ROLES, roleLabel } from "./accounts";

const MIN_PASSWORD_LENGTH = 10;

/** Add an account (how accounts are made when open registration is off). */
export function AddAccountForm({
  onAdded,
  onEdit,
}: {
  onAdded: (text: string) => void;
  /** The form was edited: a message about its last submit is stale. */
  onEdit?: () => void;
}) {
  const queryClient = useQueryClient();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const { errors, setErrors, clearStale, formRef, describe, fieldError } = useFieldErrors(id);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    const { data, error } = await usersCreate({ body: { email, password, role } });
    setBusy(false);
    if (error !== undefined || data === undefined) {
      setErrors(newAccountErrors(error));
      return;
    }
    setEmail("");
    setPassword("");
    await queryClient.invalidateQueries({ queryKey: ["users"] });
    onAdded(`Account ${data.email} added as ${roleLabel(data.role)}.`);
  }

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      onChange={(event) => {
        onEdit?.();
        clearStale(changedField(event.target));
      }}
      className="stack account-form"
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <h2 id={`${id}-title`}>Add an account</h2>
      <div className="field">
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="off"
            required
            value={email}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={describe("email")}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        {fieldError("email")}
      </div>
      <div className="field">
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            value={password}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={describe("password", `${id}-password-hint`)}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <span id={`${id}-password-hint`} className="hint">
          At least {MIN_PASSWORD_LENGTH} characters, hard to guess, without the email in it. Give it to the
          person over a safe channel.
        </span>
        {fieldError("password")}
      </div>
      <div className="field">
        <label>
          Role
          <select
            name="role"
            value={role}
            aria-invalid={errors.role ? true : undefined}
            aria-describedby={describe("role", `${id}-role-hint`)}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <span id={`${id}-role-hint`} className="hint">
          {roleLabel(role)}: {ROLES.find((r) => r.role === role)?.description}.
        </span>
        {fieldError("role")}
      </div>
      {errors._ && (
        <p className="banner error" role="alert">
          {errors._}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add account"}
      </button>
    </form>
  );
}
