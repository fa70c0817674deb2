/** The alert channels, one file each: what each sends to, and the route form's fields for it. */
import type { ChannelKind } from "../../client";
import { email } from "./email";
import { mqtt } from "./mqtt";
import { sms } from "./sms";
import type { Channel } from "./types";
import { webhook } from "./webhook";
import { webpush } from "./webpush";

export type { Channel, ChannelFieldsProps, ChannelInfo } from "./types";

export const CHANNELS: readonly Channel[] = [email, sms, webhook, mqtt, webpush];

export function channelInfo(kind: ChannelKind): Channel {
  return CHANNELS.find((c) => c.kind === kind) ?? email;
}
