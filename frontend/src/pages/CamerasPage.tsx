import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useMe } from "../auth/useMe";
import { CameraFields, type CameraValues, sentDetectUrl } from "../cameras/CameraFields";
import { CameraStateBadge } from "../cameras/CameraStateBadge";
import { ConnectionOutcome, TestConnectionButton, useConnectionTest } from "../cameras/ConnectionTest";
import { untestedReason } from "../cameras/probe";
import { sourceKind } from "../cameras/sources";
import { camerasCreate } from "../client";
import { useCameras } from "../live/useCameras";
import { errorMessage } from "../ui/errors";
import { fieldErrors } from "../ui/fieldErrors";
import { changedField, useFieldErrors } from "../ui/useFieldErrors";
import { usePageTitle } from "../ui/usePageTitle";

export function CamerasPage() {
  usePageTitle("Cameras");
  const cameras = useCameras();
  const me = useMe();
  // Viewers only see cameras shared with them: the add form is for operators and admins.
  const viewer = me.data?.role === "viewer";
  return (
    <main>
      <h1>Cameras</h1>
      {cameras.isPending && <p>Loading cameras…</p>}
      {cameras.isError && (
        <p className="banner error" role="alert">
          {errorMessage(cameras.error)}
        </p>
      )}
      {cameras.data && cameras.data.items.length === 0 && (
        <p className="banner" data-testid="no-camera">
          {viewer
            ? "No camera is shared with you yet. Ask an administrator to share a camera with you."
            : "No camera yet."}
        </p>
      )}
      {cameras.data && cameras.data.items.length > 0 && (
        <ul className="camera-list">
          {cameras.data.items.map((camera) => (
            <li key={camera.id} data-camera-id={camera.id}>
              <Link to="/cameras/$cameraId" params={{ cameraId: String(camera.id) }}>
                {camera.name}
              </Link>
              <span className="hint">{sourceKind(camera.kind).label}</span>
              <CameraStateBadge cameraId={camera.id} />
              <span className="hint">{camera.enabled === false ? "disabled" : "enabled"}</span>
              {camera.access !== "manage" && <span className="hint">shared ({camera.access})</span>}
            </li>
          ))}
        </ul>
      )}
      {me.data && !viewer && <AddCameraForm />}
    </main>
  );
}

function AddCameraForm() {
  const queryClient = useQueryClient();
  const id = useId();
  const [values, setValues] = useState<CameraValues>({
    name: "",
    kind: "rtsp",
    url: "",
    fps: "5",
    detectUrl: "",
  });
  const { name, kind, url, fps } = values;
  const form = useFieldErrors(id);
  const { errors, setErrors, clearStale, formRef } = form;
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Why the source needs a yes before it is added (its test failed, or was not run); null: no question.
  const [confirming, setConfirming] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const source = sourceKind(kind);
  const probe = useConnectionTest(setErrors);
  const { reset: resetProbe } = probe;
  // A test answers for the source it tried: another source makes it stale.
  // biome-ignore lint/correctness/useExhaustiveDependencies: kind and url are what make the answer stale
  useEffect(() => resetProbe(), [kind, url, resetProbe]);
  useEffect(() => {
    if (confirming !== null) confirmRef.current?.focus();
  }, [confirming]);

  async function add() {
    setConfirming(null);
    setBusy(true);
    setErrors({});
    setAdded(null);
    const { data, error } = await camerasCreate({
      body: {
        name,
        kind,
        url: kind === "webrtc" ? "" : url,
        analysis_fps: Number(fps),
        detect_url: sentDetectUrl(values),
      },
    });
    setBusy(false);
    if (error !== undefined || data === undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    setAdded(data.name);
    setValues((old) => ({ ...old, name: "", url: "", detectUrl: "" }));
    await queryClient.invalidateQueries({ queryKey: ["cameras"] });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const why = kind === "webrtc" ? null : untestedReason(probe.state);
    if (why === null) void add();
    else {
      setAdded(null);
      setConfirming(why);
    }
  }

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      // An edit makes the last answer stale: its message goes, and a pending question with it.
      onChange={(event) => {
        setAdded(null);
        setConfirming(null);
        clearStale(changedField(event.target));
      }}
      className="stack camera-form"
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <h2 id={`${id}-title`}>Add a camera</h2>
      <CameraFields
        values={values}
        onChange={(change) => setValues((old) => ({ ...old, ...change }))}
        form={form}
        hintExtra={source.placeholder && ` For example ${source.placeholder}`}
      />
      {errors._ && (
        <p className="banner error" role="alert">
          {errors._}
        </p>
      )}
      {added && (
        <p className="banner" role="status">
          Camera {added} added.
        </p>
      )}
      {confirming !== null && (
        <div
          className="banner warn confirm"
          role="alertdialog"
          aria-labelledby={`${id}-confirm`}
          data-testid="confirm-add"
        >
          <p id={`${id}-confirm`}>
            {confirming} Add {name.trim() || "the camera"} anyway? It will show as offline until the source
            answers.
          </p>
          <div className="row">
            <button type="button" ref={confirmRef} onClick={() => void add()}>
              Add anyway
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add camera"}
        </button>
        <TestConnectionButton
          kind={kind}
          state={probe.state}
          reasonId={`${id}-test-reason`}
          onTest={() => {
            setConfirming(null);
            setAdded(null);
            void probe.run({ kind, url: kind === "webrtc" ? "" : url });
          }}
        />
      </div>
      <ConnectionOutcome state={probe.state} />
    </form>
  );
}
