/** The route's target (addresses, number, URL, topic), named, hinted and checked as its channel says. */
import { Field } from "../../ui/Field";
import type { ChannelFieldsProps } from "./types";

export function TargetField({ channel, form, values, set }: ChannelFieldsProps) {
  return (
    <Field
      form={form}
      field="target"
      label={
        <>
          {channel.targetLabel}
          {channel.targetOptional && <span className="hint"> (optional)</span>}
        </>
      }
      hint={`${channel.hint} For example ${channel.placeholder}.`}
    >
      <input
        name="target"
        value={values.target}
        inputMode={channel.inputMode}
        autoComplete="off"
        spellCheck={false}
        placeholder={channel.placeholder}
        onChange={(e) => set("target", e.target.value)}
      />
    </Field>
  );
}
