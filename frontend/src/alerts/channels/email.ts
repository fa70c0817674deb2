/** E-mail: the mail carries the snapshot and a link to the incident. */
import { TargetField } from "./TargetField";
import type { Channel } from "./types";

export const email: Channel = {
  kind: "email",
  label: "E-mail",
  targetLabel: "E-mail addresses",
  hint: "One or more addresses, separated by commas. The mail carries the snapshot and a link to the incident.",
  placeholder: "security@example.org, guard@example.org",
  inputMode: "email",
  targetOptional: false,
  Fields: TargetField,
};
