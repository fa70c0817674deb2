/** The route's channel (those the server cannot send on are offered disabled, with why), then the
 * chosen channel's own fields. */
import type { AlertRoutePublic, ChannelKind } from "../../client";
import { Field } from "../../ui/Field";
import { CHANNELS, channelInfo } from "../channels";
import type { useChannelAvailability } from "../useChannels";
import type { RoutePartProps } from "./parts";

export function ChannelChoice({
  form,
  values,
  set,
  route,
  availability,
}: RoutePartProps & {
  route: AlertRoutePublic | null;
  availability: ReturnType<typeof useChannelAvailability>["data"];
}) {
  const channel = channelInfo(values.channel);
  const usable = (kind: ChannelKind) => availability?.get(kind)?.usable !== false;
  const unusable = CHANNELS.filter((c) => !usable(c.kind));
  return (
    <>
      <Field
        form={form}
        field="channel"
        label="Channel"
        hintClassName="hint channel-hint"
        hint={
          <>
            {availability?.get(values.channel)?.note ?? ""}
            {unusable.length > 0 && (
              <span className="unusable-channels">
                {unusable.map((c) => (
                  <span key={c.kind} data-channel={c.kind}>
                    {c.label}: {availability?.get(c.kind)?.reason}.{" "}
                  </span>
                ))}
              </span>
            )}
          </>
        }
      >
        <select
          name="channel"
          value={values.channel}
          onChange={(e) => set("channel", e.target.value as ChannelKind)}
        >
          {CHANNELS.map((c) => (
            <option key={c.kind} value={c.kind} disabled={!usable(c.kind) && c.kind !== route?.channel}>
              {usable(c.kind) ? c.label : `${c.label} (not configured)`}
            </option>
          ))}
        </select>
      </Field>
      <channel.Fields channel={channel} form={form} values={values} set={set} route={route} />
    </>
  );
}
