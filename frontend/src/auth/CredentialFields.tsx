/** An account's email and password, as logging in, registering and adding an account ask for them. */
import type { ReactNode } from "react";
import { Field } from "../ui/Field";
import type { FieldForm } from "../ui/useFieldErrors";

export const MIN_PASSWORD_LENGTH = 10;

/** What the browser may fill in: a saved login, or a new password to remember. */
const AUTOCOMPLETE = {
  "log-in": { email: "username", password: "current-password" },
  register: { email: "email", password: "new-password" },
  add: { email: "off", password: "new-password" },
} as const;

export interface Credentials {
  email: string;
  password: string;
}

export function CredentialFields({
  form,
  purpose,
  value,
  onChange,
  passwordHint,
  beside = false,
}: {
  form: FieldForm;
  purpose: keyof typeof AUTOCOMPLETE;
  value: Credentials;
  onChange: (next: Credentials) => void;
  passwordHint?: ReactNode;
  /** Every field's hint and error beside its label (else only the password's hint). */
  beside?: boolean;
}) {
  const auto = AUTOCOMPLETE[purpose];
  return (
    <>
      <Field form={form} field="email" label="Email" layout={beside ? "beside" : "inside"}>
        <input
          type="email"
          name="email"
          autoComplete={auto.email}
          required
          value={value.email}
          onChange={(e) => onChange({ ...value, email: e.target.value })}
        />
      </Field>
      <Field
        form={form}
        field="password"
        label="Password"
        layout={beside || passwordHint !== undefined ? "beside" : "inside"}
        hint={passwordHint}
      >
        <input
          type="password"
          name="password"
          autoComplete={auto.password}
          required
          minLength={purpose === "log-in" ? undefined : MIN_PASSWORD_LENGTH}
          value={value.password}
          onChange={(e) => onChange({ ...value, password: e.target.value })}
        />
      </Field>
    </>
  );
}
