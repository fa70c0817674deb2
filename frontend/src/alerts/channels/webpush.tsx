/** Push to my devices: no target to type; the route reaches the devices its owner turned on. */
import type { Channel, ChannelFieldsProps } from "./types";

function WebPushFields({ channel }: ChannelFieldsProps) {
  return <p className="hint">{channel.hint}</p>;
}

export const webpush: Channel = {
  kind: "webpush",
  label: "Push to my devices",
  targetLabel: "Devices",
  hint: "The phones and browsers where you turned notifications on (Alerts → Notifications on this device). The notification shows the snapshot and opens the incident.",
  placeholder: "",
  inputMode: "text",
  targetOptional: true,
  Fields: WebPushFields,
};
