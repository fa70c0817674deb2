/** The channel settings page's fields, grouped per channel, and what the form sends (pure). */
import type { AlertSettingsUpdate, SettingFieldPublic } from "../client";

export type FieldName = keyof AlertSettingsUpdate;

export interface FieldSpec {
  name: FieldName;
  label: string;
  hint?: string;
  kind: "text" | "port" | "security" | "secret";
  placeholder?: string;
}

export interface Group {
  id: string;
  title: string;
  fields: readonly FieldSpec[];
}

export const GROUPS: readonly Group[] = [
  {
    id: "smtp",
    title: "E-mail (SMTP)",
    fields: [
      { name: "smtp_host", label: "SMTP server", kind: "text", placeholder: "mail.example.org" },
      { name: "smtp_port", label: "Port", kind: "port", hint: "587 for STARTTLS, 465 for SSL, 25 for none." },
      { name: "smtp_security", label: "Encryption", kind: "security" },
      { name: "smtp_username", label: "User name", kind: "text", hint: "Empty: no login." },
      { name: "smtp_password", label: "Password", kind: "secret" },
      { name: "smtp_sender", label: "From address", kind: "text", placeholder: "vigil@example.org" },
    ],
  },
  {
    id: "twilio",
    title: "SMS (Twilio)",
    fields: [
      { name: "twilio_account_sid", label: "Account SID", kind: "text", placeholder: "AC…" },
      { name: "twilio_auth_token", label: "Auth token", kind: "secret" },
      {
        name: "twilio_from",
        label: "Sender",
        kind: "text",
        placeholder: "+15551234567",
        hint: "A Twilio number in E.164 form, or a Messaging Service SID (MG…).",
      },
    ],
  },
  {
    id: "mqtt",
    title: "MQTT",
    fields: [
      {
        name: "mqtt_url",
        label: "Broker URL",
        kind: "text",
        placeholder: "mqtt://broker.lan:1883",
        hint: "mqtt://host:port, or mqtts:// for TLS. The login goes in the two fields below.",
      },
      { name: "mqtt_username", label: "User name", kind: "text" },
      { name: "mqtt_password", label: "Password", kind: "secret" },
      { name: "mqtt_topic_prefix", label: "Topic prefix", kind: "text", placeholder: "vigil" },
    ],
  },
  {
    id: "webhook",
    title: "Webhooks",
    fields: [
      {
        name: "webhook_secret",
        label: "Signing secret",
        kind: "secret",
        hint: "The HMAC key of webhook routes that have no secret of their own (16 characters or more).",
      },
    ],
  },
];

/** What the inputs hold: text per field, and which stored secrets to remove. */
export interface FormValues {
  text: Partial<Record<FieldName, string>>;
  remove: Partial<Record<FieldName, boolean>>;
}

export function initialValues(fields: readonly SettingFieldPublic[]): FormValues {
  const text: FormValues["text"] = {};
  for (const field of fields) {
    if (!field.secret) text[field.name as FieldName] = field.value === null ? "" : String(field.value);
  }
  return { text, remove: {} };
}

/** Only what changed: edited values, typed secrets, secrets to remove ("" removes). Fields the environment
 * sets are never sent. */
export function changes(
  fields: readonly SettingFieldPublic[],
  before: FormValues,
  now: FormValues,
): AlertSettingsUpdate {
  const body: Record<string, string | number> = {};
  for (const field of fields) {
    const name = field.name as FieldName;
    if (field.source === "environment") continue;
    const typed = (now.text[name] ?? "").trim();
    if (field.secret) {
      const raw = now.text[name] ?? "";
      if (raw !== "") body[name] = raw;
      else if (now.remove[name]) body[name] = "";
      continue;
    }
    if (typed === (before.text[name] ?? "").trim()) continue;
    body[name] = name === "smtp_port" && /^\d+$/.test(typed) ? Number(typed) : typed;
  }
  return body as AlertSettingsUpdate;
}
