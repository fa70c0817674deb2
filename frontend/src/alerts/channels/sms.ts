/** SMS through Twilio, to one phone number. */
import { TargetField } from "./TargetField";
import type { Channel } from "./types";

export const sms: Channel = {
  kind: "sms",
  label: "SMS",
  targetLabel: "Phone number",
  hint: "In E.164 form: + and the country code, digits only, no spaces.",
  placeholder: "+15551234567",
  inputMode: "tel",
  targetOptional: false,
  Fields: TargetField,
};
