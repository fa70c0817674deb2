/** Webhook: a signed JSON POST to a URL; the route may keep its own signing secret. */
import { Field } from "../../ui/Field";
import { TargetField } from "./TargetField";
import type { Channel, ChannelFieldsProps } from "./types";

function WebhookFields(props: ChannelFieldsProps) {
  const { form, values, set, route } = props;
  return (
    <>
      <TargetField {...props} />
      <Field
        form={form}
        field="webhook_secret"
        label="Webhook secret"
        hint={
          <>
            {route?.has_webhook_secret
              ? "A secret is set. Leave this empty to keep it; type a new one to replace it."
              : "The HMAC key receivers verify signatures with. Empty: the server's VIGIL_WEBHOOK_SECRET."}{" "}
            It is never shown again.
          </>
        }
      >
        <input
          name="webhook_secret"
          type="password"
          autoComplete="new-password"
          value={values.webhookSecret}
          onChange={(e) => set("webhookSecret", e.target.value)}
        />
      </Field>
    </>
  );
}

export const webhook: Channel = {
  kind: "webhook",
  label: "Webhook",
  targetLabel: "URL",
  hint: "An http(s) URL that receives a signed JSON POST (X-Vigil-Signature: HMAC-SHA256 with the route's secret, else the server's).",
  placeholder: "https://example.org/hooks/vigil",
  inputMode: "url",
  targetOptional: false,
  Fields: WebhookFields,
};
