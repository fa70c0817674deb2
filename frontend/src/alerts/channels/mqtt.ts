/** MQTT: incidents and camera states published under a topic prefix. */
import { TargetField } from "./TargetField";
import type { Channel } from "./types";

export const mqtt: Channel = {
  kind: "mqtt",
  label: "MQTT",
  targetLabel: "Topic prefix",
  hint: "Letters, digits, _ and -, levels separated by /. Empty: the server's prefix. Topics: <prefix>/<camera>/incident and <prefix>/<camera>/state.",
  placeholder: "home/vigil",
  inputMode: "text",
  targetOptional: true,
  Fields: TargetField,
};
