import { type ReactNode, useEffect, useId } from "react";
import type { SourceKind } from "../client";
import { Field, NumberField } from "../ui/Field";
import type { FieldErrors } from "../ui/fieldErrors";
import type { FieldForm } from "../ui/useFieldErrors";
import { ConnectionOutcome, TestConnectionButton, useConnectionTest } from "./ConnectionTest";
import { SOURCE_KINDS, sourceKind } from "./sources";

export interface CameraValues {
  name: string;
  kind: SourceKind;
  url: string;
  /** As typed: the analysis rate in frames per second. */
  fps: string;
  /** RTSP: a lower-resolution substream analysed instead of `url` ("": none). */
  detectUrl: string;
}

/** The detect substream to send: only RTSP cameras have one (another kind clears it). */
export function sentDetectUrl({ kind, detectUrl }: CameraValues): string {
  return kind === "rtsp" ? detectUrl.trim() : "";
}

/** A camera's name, source, URL and analysis rate, with the kind's hint and the server's errors at each
 * (add and edit forms). */
export function CameraFields({
  values,
  onChange,
  form,
  hintExtra,
  cameraId,
}: {
  values: CameraValues;
  onChange: (change: Partial<CameraValues>) => void;
  form: FieldForm & { setErrors: (errors: FieldErrors) => void };
  /** Said after the kind's hint (an example, or how a masked password is kept). */
  hintExtra?: ReactNode;
  /** The camera being edited: a masked substream URL is then tested with its stored password. */
  cameraId?: number;
}) {
  const { name, kind, url, fps, detectUrl } = values;
  const source = sourceKind(kind);
  return (
    <>
      <Field form={form} field="name" label="Name">
        <input
          name="name"
          required
          maxLength={100}
          value={name}
          onChange={(e) => onChange({ name: e.target.value })}
        />
      </Field>
      <Field form={form} field="kind" label="Source">
        <select name="kind" value={kind} onChange={(e) => onChange({ kind: e.target.value as SourceKind })}>
          {SOURCE_KINDS.map((entry) => (
            <option key={entry.kind} value={entry.kind}>
              {entry.label}
            </option>
          ))}
        </select>
      </Field>
      <Field
        form={form}
        field="url"
        label="URL"
        hint={
          <>
            {source.hint}
            {hintExtra}
          </>
        }
      >
        <input
          name="url"
          value={kind === "webrtc" ? "" : url}
          disabled={kind === "webrtc"}
          placeholder={source.placeholder}
          onChange={(e) => onChange({ url: e.target.value })}
        />
      </Field>
      {kind === "rtsp" && (
        <Field
          form={form}
          field="detect_url"
          label="Detect substream (optional)"
          hint="A lower-resolution stream of the same camera (its second profile, rtsp://…), analysed instead of the main stream: much cheaper to decode. Clips and sound still come from the main stream."
        >
          <input
            name="detect_url"
            value={detectUrl}
            placeholder="rtsp://user:password@192.168.1.20:554/stream2"
            onChange={(e) => onChange({ detectUrl: e.target.value })}
          />
        </Field>
      )}
      {kind === "rtsp" && detectUrl.trim() !== "" && (
        <SubstreamTest detectUrl={detectUrl.trim()} form={form} cameraId={cameraId} />
      )}
      <NumberField
        form={form}
        field="analysis_fps"
        label="Analysis fps"
        min={0.1}
        max={30}
        step={0.1}
        value={fps}
        onValue={(v) => onChange({ fps: v })}
      />
    </>
  );
}

/** "Test substream": the detect substream tried as the camera would open it, its answer below the button. */
function SubstreamTest({
  detectUrl,
  form,
  cameraId,
}: {
  detectUrl: string;
  form: { setErrors: (errors: FieldErrors) => void };
  cameraId?: number;
}) {
  const reasonId = useId();
  const probe = useConnectionTest(form.setErrors, "detect_url");
  const { reset } = probe;
  // biome-ignore lint/correctness/useExhaustiveDependencies: another URL makes the answer stale
  useEffect(() => reset(), [detectUrl, reset]);
  return (
    <div className="substream-test">
      <TestConnectionButton
        kind="rtsp"
        state={probe.state}
        label="Test substream"
        reasonId={reasonId}
        onTest={() =>
          void probe.run({
            kind: "rtsp",
            url: detectUrl,
            ...(cameraId === undefined ? {} : { camera_id: cameraId, stream: "detect" as const }),
          })
        }
      />
      <ConnectionOutcome state={probe.state} />
    </div>
  );
}
