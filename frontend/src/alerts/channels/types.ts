/** An alert channel as the dashboard knows it: what it sends to, in the words the route form shows
 * (backend/vigil/alerts/model.py), and the fields that ask for it. */
import type { ComponentType } from "react";
import type { AlertRoutePublic, ChannelKind } from "../../client";
import type { RoutePartProps } from "../route/parts";

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

export interface ChannelFieldsProps extends RoutePartProps {
  channel: ChannelInfo;
  /** The route being edited; null: a new one. */
  route: AlertRoutePublic | null;
}

export interface Channel extends ChannelInfo {
  /** The route form's fields for this channel's target and settings. */
  Fields: ComponentType<ChannelFieldsProps>;
}
