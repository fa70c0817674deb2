/** SMTP, Twilio, MQTT and the webhook secret, as an administrator sets them: secrets are never shown, a
 * setting the environment sets is read-only here and says so. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { type AlertSettingsPublic, type SettingFieldPublic, settingsUpdate } from "../client";
import { errorMessage } from "../ui/errors";
import { Field } from "../ui/Field";
import { fieldErrors } from "../ui/fieldErrors";
import { useFieldErrors } from "../ui/useFieldErrors";
import { changes, type FieldName, type FieldSpec, type FormValues, GROUPS, initialValues } from "./fields";

interface Props {
  settings: AlertSettingsPublic;
  onSaved(saved: AlertSettingsPublic): void;
}

export function AlertSettingsForm({ settings, onSaved }: Props) {
  const id = useId();
  const queryClient = useQueryClient();
  const [before, setBefore] = useState<FormValues>(() => initialValues(settings.fields));
  const [values, setValues] = useState<FormValues>(before);
  const form = useFieldErrors(id);
  const { errors, setErrors, formRef } = form;
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const byName = new Map(settings.fields.map((f) => [f.name, f]));

  const setText = (name: FieldName, text: string) =>
    setValues((old) => ({ ...old, text: { ...old.text, [name]: text } }));
  const setRemove = (name: FieldName, on: boolean) =>
    setValues((old) => ({ ...old, remove: { ...old.remove, [name]: on } }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const body = changes(settings.fields, before, values);
    if (Object.keys(body).length === 0) {
      setErrors({});
      setNotice("Nothing to save: no setting was changed.");
      return;
    }
    setBusy(true);
    const { data, error } = await settingsUpdate({ body });
    setBusy(false);
    if (error !== undefined || data === undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    setErrors({});
    const fresh = initialValues(data.fields);
    setBefore(fresh);
    setValues(fresh);
    setNotice("Saved. The channels use the new settings now; no restart is needed.");
    await queryClient.invalidateQueries({ queryKey: ["alert-channels"] });
    onSaved(data);
  }

  const input = (spec: FieldSpec, field: SettingFieldPublic) => {
    const fromEnv = field.source === "environment";
    const shownValue = fromEnv
      ? field.value === null
        ? ""
        : String(field.value)
      : (values.text[spec.name] ?? "");
    const control = () => {
      const props = { name: spec.name, disabled: fromEnv };
      if (spec.kind === "security")
        return (
          <select
            {...props}
            value={shownValue || "starttls"}
            onChange={(e) => setText(spec.name, e.target.value)}
          >
            <option value="starttls">STARTTLS (port 587)</option>
            <option value="ssl">SSL / implicit TLS (port 465)</option>
            <option value="none">None (port 25, local relays only)</option>
          </select>
        );
      if (spec.kind === "secret")
        return (
          <input
            {...props}
            type="password"
            autoComplete="new-password"
            maxLength={512}
            value={fromEnv ? "" : (values.text[spec.name] ?? "")}
            placeholder={field.set ? "•••••••• (set)" : "not set"}
            onChange={(e) => setText(spec.name, e.target.value)}
          />
        );
      return (
        <input
          {...props}
          inputMode={spec.kind === "port" ? "numeric" : undefined}
          autoComplete="off"
          spellCheck={false}
          maxLength={512}
          value={shownValue}
          placeholder={spec.placeholder}
          onChange={(e) => setText(spec.name, e.target.value)}
        />
      );
    };
    const where = fromEnv
      ? `Set by the environment (${field.env}); change it there.`
      : field.secret
        ? field.set
          ? "A value is set and never shown. Leave this empty to keep it; type a new one to replace it."
          : `Not set. Environment variable: ${field.env}.`
        : `Environment variable: ${field.env} (it wins when set).`;
    return (
      <Field
        key={spec.name}
        form={form}
        field={spec.name}
        label={spec.label}
        layout="labelFor"
        className="setting-field"
        hint={
          <>
            {spec.hint ? `${spec.hint} ` : ""}
            {where}
          </>
        }
        after={
          spec.kind === "secret" &&
          !fromEnv &&
          field.source === "dashboard" &&
          field.set && (
            <label className="inline">
              <input
                type="checkbox"
                checked={values.remove[spec.name] === true}
                onChange={(e) => setRemove(spec.name, e.target.checked)}
              />
              Remove the stored {spec.label.toLowerCase()}
            </label>
          )
        }
      >
        {control()}
      </Field>
    );
  };

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      className="stack settings-form"
      aria-label="Alert channels"
      noValidate
    >
      {GROUPS.map((group) => (
        <fieldset key={group.id} className="settings-group">
          <legend>{group.title}</legend>
          {group.fields.map((spec) => {
            const field = byName.get(spec.name);
            return field ? input(spec, field) : null;
          })}
        </fieldset>
      ))}
      {errors._ && (
        <p className="banner error" role="alert">
          {errors._}
        </p>
      )}
      <div aria-live="polite">
        {notice && (
          <p className="banner" role="status">
            {notice}
          </p>
        )}
      </div>
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}
