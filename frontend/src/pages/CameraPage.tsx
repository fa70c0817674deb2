import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { type FormEvent, useEffect, useId, useState } from "react";
import { ActivitySection } from "../activity/ActivitySection";
import { CameraFields, type CameraValues, sentDetectUrl } from "../cameras/CameraFields";
import { CameraStateBadge } from "../cameras/CameraStateBadge";
import { ConnectionOutcome, TestConnectionButton, useConnectionTest } from "../cameras/ConnectionTest";
import { formatClosedHours } from "../cameras/closedHours";
import { sourceKind } from "../cameras/sources";
import { ZonesEditor } from "../cameras/ZonesEditor";
import {
  type CameraPublic,
  camerasDelete,
  camerasGet,
  camerasListShares,
  camerasShare,
  camerasUnshare,
  camerasUpdate,
  type ShareRole,
  type ZoneSpec,
} from "../client";
import { errorMessage } from "../ui/errors";
import { Field } from "../ui/Field";
import { fieldErrors } from "../ui/fieldErrors";
import { changedField, useFieldErrors } from "../ui/useFieldErrors";
import { usePageTitle } from "../ui/usePageTitle";

/** The camera's closed hours, zone by zone: where and when a person is an intruder besides restricted zones. */
function closedSchedule(zones: readonly ZoneSpec[]): string {
  const closed = zones.filter((z) => (z.closed_hours ?? []).length > 0);
  if (closed.length === 0)
    return "Closed hours: none. Intrusions are raised only in restricted zones; give a zone closed hours to watch it out of hours.";
  return `Closed hours: ${closed.map((z) => `${z.name} ${formatClosedHours(z.closed_hours)}`).join("; ")} (camera-local time).`;
}

export function CameraPage() {
  const { cameraId } = useParams({ from: "/app/cameras/$cameraId" });
  const id = Number(cameraId);
  const camera = useQuery({
    queryKey: ["camera", id],
    queryFn: async () => (await camerasGet({ path: { camera_id: id }, throwOnError: true })).data,
  });
  usePageTitle(camera.data ? `${camera.data.name} · Cameras` : "Camera");
  return (
    <main>
      <p>
        <Link to="/cameras">← Cameras</Link>
      </p>
      {camera.isPending && <p>Loading camera…</p>}
      {camera.isError && (
        <p className="banner error" role="alert">
          {errorMessage(camera.error)}
        </p>
      )}
      {camera.data && (
        <>
          <h1>{camera.data.name}</h1>
          <p className="camera-health">
            <CameraStateBadge cameraId={id} />
          </p>
          <p className="hint camera-source">
            {sourceKind(camera.data.kind).label}
            {camera.data.url ? ` · ${camera.data.url}` : ""}
          </p>
          <p className="hint" data-testid="closed-hours">
            {closedSchedule(camera.data.zones ?? [])}
          </p>
          <ZonesEditor key={camera.data.id} camera={camera.data} />
          <ActivitySection key={`activity-${camera.data.id}`} camera={camera.data} />
          {camera.data.access === "manage" && (
            <>
              <EditCamera key={camera.data.updated_at} camera={camera.data} />
              <Shares cameraId={id} />
              <DeleteCamera camera={camera.data} />
            </>
          )}
        </>
      )}
    </main>
  );
}

function EditCamera({ camera }: { camera: CameraPublic }) {
  const queryClient = useQueryClient();
  const id = useId();
  // The URL comes masked (rtsp://user:***@host/...); sent back unchanged, the server keeps the password.
  const [values, setValues] = useState<CameraValues>({
    name: camera.name,
    kind: camera.kind,
    url: camera.url ?? "",
    fps: String(camera.analysis_fps ?? 5),
    detectUrl: camera.detect_url ?? "",
  });
  const { name, kind, url, fps } = values;
  const [enabled, setEnabled] = useState(camera.enabled ?? true);
  const [privacy, setPrivacy] = useState(camera.privacy ?? false);
  const [transcribe, setTranscribe] = useState(camera.transcribe ?? false);
  const form = useFieldErrors(id);
  const { errors, setErrors, clearStale, formRef } = form;
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const sentUrl = kind === "webrtc" ? "" : url;
  const sourceChanged = kind !== camera.kind || sentUrl !== (camera.url ?? "");
  const sentDetect = sentDetectUrl(values);
  const detectChanged = sentDetect !== (camera.detect_url ?? "");
  const probe = useConnectionTest(setErrors);
  const { reset: resetProbe } = probe;
  // biome-ignore lint/correctness/useExhaustiveDependencies: kind and url are what make the answer stale
  useEffect(() => resetProbe(), [kind, url, resetProbe]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setSaved(false);
    const { error } = await camerasUpdate({
      path: { camera_id: camera.id },
      body: {
        name,
        analysis_fps: Number(fps),
        enabled,
        privacy,
        transcribe,
        ...(sourceChanged ? { kind, url: sentUrl } : {}),
        ...(detectChanged ? { detect_url: sentDetect } : {}),
      },
    });
    setBusy(false);
    if (error !== undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    setSaved(true);
    await queryClient.invalidateQueries({ queryKey: ["camera", camera.id] });
    await queryClient.invalidateQueries({ queryKey: ["cameras"] });
  }

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      // An edit makes the last answer stale: its message goes.
      onChange={(event) => {
        setSaved(false);
        clearStale(changedField(event.target));
      }}
      className="stack camera-form"
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <h2 id={`${id}-title`}>Settings</h2>
      <CameraFields
        values={values}
        onChange={(change) => setValues((old) => ({ ...old, ...change }))}
        form={form}
        cameraId={camera.id}
        hintExtra={
          kind === camera.kind &&
          camera.url?.includes(":***@") &&
          " The password shows as ***: leave it so to keep it."
        }
      />
      <label className="inline">
        <input
          type="checkbox"
          role="switch"
          checked={enabled}
          aria-checked={enabled}
          name="enabled"
          onChange={(e) => setEnabled(e.target.checked)}
        />
        Enabled
      </label>
      <label className="inline">
        <input
          type="checkbox"
          role="switch"
          checked={privacy}
          aria-checked={privacy}
          name="privacy"
          onChange={(e) => setPrivacy(e.target.checked)}
        />
        Privacy: blur faces in stored snapshots and clips
      </label>
      <label className="inline">
        <input
          type="checkbox"
          role="switch"
          checked={transcribe}
          aria-checked={transcribe}
          aria-describedby={`${id}-transcribe-hint`}
          name="transcribe"
          onChange={(e) => setTranscribe(e.target.checked)}
        />
        Speech to text: calls for help become evidence
      </label>
      <p className="hint" id={`${id}-transcribe-hint`}>
        What people say near this camera is transcribed on this server; the words are kept only with its
        incidents and dropped otherwise.
      </p>
      {errors._ && (
        <p className="banner error" role="alert">
          {errors._}
        </p>
      )}
      {saved && (
        <p className="banner" role="status">
          Settings saved.
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save settings"}
        </button>
        <TestConnectionButton
          kind={kind}
          state={probe.state}
          reasonId={`${id}-test-reason`}
          onTest={() => void probe.run({ kind, url: sentUrl, camera_id: camera.id })}
        />
      </div>
      <ConnectionOutcome state={probe.state} />
    </form>
  );
}

function Shares({ cameraId }: { cameraId: number }) {
  const queryClient = useQueryClient();
  const id = useId();
  const shares = useQuery({
    queryKey: ["camera-shares", cameraId],
    queryFn: async () =>
      (await camerasListShares({ path: { camera_id: cameraId }, throwOnError: true })).data,
  });
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<ShareRole>("viewer");
  const form = useFieldErrors(id);
  const { errors, setErrors, clearStale, formRef } = form;
  const [busy, setBusy] = useState(false);
  const [sharedWith, setSharedWith] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["camera-shares", cameraId] });

  async function share(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setSharedWith(null);
    const { error } = await camerasShare({ path: { camera_id: cameraId }, body: { email, role } });
    setBusy(false);
    if (error !== undefined) {
      setErrors(fieldErrors(error, errorMessage));
      return;
    }
    setSharedWith(email);
    setEmail("");
    await refresh();
  }

  async function unshare(userId: string) {
    const { error } = await camerasUnshare({ path: { camera_id: cameraId, user_id: userId } });
    if (error !== undefined) setErrors({ _: errorMessage(error) });
    await refresh();
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Shared with</h2>
      {shares.isError && (
        <p className="banner error" role="alert">
          {errorMessage(shares.error)}
        </p>
      )}
      {shares.data && shares.data.items.length === 0 && <p className="hint">Nobody else.</p>}
      {shares.data && shares.data.items.length > 0 && (
        <ul className="zone-list">
          {shares.data.items.map((item) => (
            <li key={item.user_id}>
              <span>{item.email}</span>
              <span className="hint">{item.role}</span>
              <button
                type="button"
                className="link"
                aria-label={`Stop sharing with ${item.email}`}
                onClick={() => void unshare(item.user_id)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        ref={formRef}
        onSubmit={share}
        // An edit makes the last answer stale: its message goes.
        onChange={(event) => {
          setSharedWith(null);
          clearStale(changedField(event.target));
        }}
        className="stack camera-form"
        noValidate
      >
        <Field form={form} field="email" label="Share with (email)">
          <input
            type="email"
            name="email"
            value={email}
            required
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as ShareRole)}>
            <option value="viewer">Viewer: watches</option>
            <option value="operator">Operator: also handles incidents</option>
          </select>
        </label>
        {errors._ && (
          <p className="banner error" role="alert">
            {errors._}
          </p>
        )}
        {sharedWith && (
          <p className="banner" role="status">
            Shared with {sharedWith}.
          </p>
        )}
        <button type="submit" disabled={busy}>
          Share
        </button>
      </form>
    </section>
  );
}

function DeleteCamera({ camera }: { camera: CameraPublic }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    const { error } = await camerasDelete({ path: { camera_id: camera.id } });
    if (error !== undefined) {
      setError(errorMessage(error));
      return;
    }
    queryClient.removeQueries({ queryKey: ["camera", camera.id] });
    await queryClient.invalidateQueries({ queryKey: ["cameras"] });
    await navigate({ to: "/cameras" });
  }

  return (
    <section className="danger">
      <h2>Delete</h2>
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>
          Delete camera…
        </button>
      ) : (
        <div role="alertdialog" aria-label="Confirm deletion" className="stack">
          <p>Delete {camera.name} with all its incidents, clips and snapshots? This cannot be undone.</p>
          <div className="row">
            <button type="button" className="bad" onClick={() => void remove()}>
              Yes, delete {camera.name}
            </button>
            {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes the focus when the question opens */}
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
