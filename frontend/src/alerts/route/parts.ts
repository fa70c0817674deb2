/** What each part of the route form receives from the form around it. */
import type { FieldForm } from "../../ui/useFieldErrors";
import type { RouteValues } from "../form";

export type SetRouteValue = <K extends keyof RouteValues>(key: K, value: RouteValues[K]) => void;

export interface RoutePartProps {
  form: FieldForm;
  values: RouteValues;
  set: SetRouteValue;
}
