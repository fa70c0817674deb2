/** What each alert channel sends to, in the words the route form shows (backend/vigil/alerts/model.py). */
import type { ChannelKind } from "../client";

export interface ChannelInfo {
  kind: ChannelKind;
  label: string;
  /** What the target field is called for this channel. */
  targetLabel: string;
  hint: string;
  placeholder: string;
  inputMode: "email" | "tel" | "url" | "text";
  /** Whether the target may be left empty. */
  targetOptional: boolean;
}

export const CHANNELS: readonly ChannelInfo[] = [
  {
    kind: "email",
    label: "E-mail",
    targetLabel: "E-mail addresses",
    hint: "One or more addresses, separated by commas. The mail carries the snapshot and a link to the incident.",
    placeholder: "security@example.org, guard@example.org",
    inputMode: "email",
    targetOptional: false,
  },
  {
    kind: "sms",
    label: "SMS",
    targetLabel: "Phone number",
    hint: "In E.164 form: + and the country code, digits only, no spaces.",
    placeholder: "+15551234567",
    inputMode: "tel",
    targetOptional: false,
  },
  {
    kind: "webhook",
    label: "Webhook",
    targetLabel: "URL",
    hint: "An http(s) URL that receives a signed JSON POST (X-Vigil-Signature: HMAC-SHA256 with the route's secret, else the server's).",
    placeholder: "https://example.org/hooks/vigil",
    inputMode: "url",
    targetOptional: false,
  },
  {
    kind: "mqtt",
    label: "MQTT",
    targetLabel: "Topic prefix",
    hint: "Letters, digits, _ and -, levels separated by /. Empty: the server's prefix. Topics: <prefix>/<camera>/incident and <prefix>/<camera>/state.",
    placeholder: "home/vigil",
    inputMode: "text",
    targetOptional: true,
  },
  {
    kind: "webpush",
    label: "Push to my devices",
    targetLabel: "Devices",
    hint: "The phones and browsers where you turned notifications on (Alerts → Notifications on this device). The notification shows the snapshot and opens the incident.",
    placeholder: "",
    inputMode: "text",
    targetOptional: true,
  },
];

export function channelInfo(kind: ChannelKind): ChannelInfo {
  return CHANNELS.find((c) => c.kind === kind) ?? (CHANNELS[0] as ChannelInfo);
}
