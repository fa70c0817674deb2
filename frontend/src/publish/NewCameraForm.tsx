import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { camerasCreate } from "../client";
import { errorMessage } from "../ui/errors";
import { type FieldErrors, fieldErrors, withoutStale } from "../ui/fieldErrors";

/** "New phone camera": a `webrtc` camera named here, chosen at once. */
export function NewCameraForm({
  open,
  disabled,
  onCreated,
}: {
  open: boolean;
  disabled: boolean;
  onCreated: (cameraId: number) => void;
}) {
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState("Phone camera");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    const { data, error } = await camerasCreate({ body: { name, kind: "webrtc", url: "" } });
    setBusy(false);
    if (error !== undefined || data === undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ["cameras"] });
    onCreated(data.id);
  }

  const nameError = errors.name ?? errors._;
  return (
    <details className="new-camera" open={open}>
      <summary>New phone camera</summary>
      <form
        onSubmit={submit}
        onChange={() => setErrors((now) => withoutStale(now))}
        className="stack"
        noValidate
        aria-label="New phone camera"
      >
        <div className="field">
          <label>
            Name
            <input
              name="name"
              required
              maxLength={100}
              value={name}
              disabled={disabled}
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? `${id}-error` : `${id}-hint`}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <span id={`${id}-hint`} className="hint">
            A camera of kind “phone (WebRTC)”, yours; this device publishes to it.
          </span>
          {nameError && (
            <span id={`${id}-error`} className="field-error" role="alert">
              {nameError}
            </span>
          )}
        </div>
        <button type="submit" disabled={busy || disabled}>
          {busy ? "Creating…" : "Create phone camera"}
        </button>
      </form>
    </details>
  );
}
