import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { CredentialFields, type Credentials, MIN_PASSWORD_LENGTH } from "../auth/CredentialFields";
import { type Role, usersCreate } from "../client";
import { Field } from "../ui/Field";
import { changedField, useFieldErrors } from "../ui/useFieldErrors";
import { newAccountErrors, ROLES, roleLabel } from "./accounts";

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
  const [credentials, setCredentials] = useState<Credentials>({ email: "", password: "" });
  const { email, password } = credentials;
  const [role, setRole] = useState<Role>("viewer");
  const form = useFieldErrors(id);
  const { errors, setErrors, clearStale, formRef } = form;
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
    setCredentials({ email: "", password: "" });
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
      <CredentialFields
        form={form}
        purpose="add"
        value={credentials}
        onChange={setCredentials}
        passwordHint={
          <>
            At least {MIN_PASSWORD_LENGTH} characters, hard to guess, without the email in it. Give it to the
            person over a safe channel.
          </>
        }
        beside
      />
      <Field
        form={form}
        field="role"
        label="Role"
        layout="beside"
        hint={
          <>
            {roleLabel(role)}: {ROLES.find((r) => r.role === role)?.description}.
          </>
        }
      >
        <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r.role} value={r.role}>
              {r.label}
            </option>
          ))}
        </select>
      </Field>
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
