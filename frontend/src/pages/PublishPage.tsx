import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useMe } from "../auth/useMe";
import type { CameraPublic } from "../client";
import { useCameras } from "../live/useCameras";
import {
  DEFAULT_LENS,
  DEFAULT_RESOLUTION,
  lensOptions,
  lensValue,
  parseLens,
  RESOLUTIONS,
} from "../publish/constraints";
import { NewCameraForm } from "../publish/NewCameraForm";
import type { Problem } from "../publish/problems";
import { environmentProblem } from "../publish/publisher";
import { ServerView } from "../publish/ServerView";
import { isActive, stateTone, stateWords, statsWords } from "../publish/state";
import { usePublisher } from "../publish/usePublisher";
import { errorMessage } from "../ui/errors";
import "../publish/publish.css";
import { usePageTitle } from "../ui/usePageTitle";

/** "Use this device as a camera": this phone's or computer's camera and microphone, published over WebRTC
 * to one of my phone cameras, beside what the server receives and analyses from it. */
export function PublishPage() {
  usePageTitle("Use as camera");
  const search = useSearch({ from: "/app/publish" });
  const navigate = useNavigate({ from: "/publish" });
  const me = useMe();
  const cameras = useCameras();
  const id = useId();
  const mine = useMemo(
    () => (cameras.data?.items ?? []).filter((c) => c.kind === "webrtc" && c.access === "manage"),
    [cameras.data],
  );
  const mayCreate = me.data !== undefined && me.data.role !== "viewer";
  const camera: CameraPublic | undefined = mine.find((c) => c.id === search.camera);
  const unknownCamera = search.camera !== undefined && cameras.isSuccess && camera === undefined;

  // The camera in the address: the first of mine when none is named.
  useEffect(() => {
    if (search.camera === undefined && mine[0]) {
      void navigate({ search: { camera: mine[0].id }, replace: true });
    }
  }, [search.camera, mine, navigate]);

  const [lens, setLens] = useState(lensValue(DEFAULT_LENS));
  const [resolution, setResolution] = useState<string>(DEFAULT_RESOLUTION);
  const [microphone, setMicrophone] = useState(true);
  const [switchProblem, setSwitchProblem] = useState<Problem | null>(null);
  const { state, problem, stream, stats, devices, publisher, start } = usePublisher();
  const active = isActive(state);
  const blocked = useMemo(environmentProblem, []);

  const preview = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (preview.current) preview.current.srcObject = stream;
  }, [stream]);

  const options = lensOptions(devices);
  if (!options.some((o) => o.value === lens)) options.push({ value: lens, label: "Chosen camera" });

  function begin() {
    if (!camera) return;
    setSwitchProblem(null);
    start({ cameraId: camera.id, lens: parseLens(lens), resolution, microphone });
  }

  async function changeVideo(nextLens: string, nextResolution: string) {
    setLens(nextLens);
    setResolution(nextResolution);
    if (!publisher || !active) return;
    setSwitchProblem(await publisher.changeVideo(parseLens(nextLens), nextResolution));
  }

  function changeMicrophone(on: boolean) {
    setMicrophone(on);
    if (!publisher || !active || !camera) return;
    // Started without sound: a new connection with the microphone replaces this one.
    if (!publisher.setMicrophone(on))
      start({ cameraId: camera.id, lens: parseLens(lens), resolution, microphone: on });
  }

  const shown = problem ?? switchProblem;
  return (
    <main className="publish-page">
      <h1>Use this device as a camera</h1>
      <p className="hint">
        This phone's or computer's camera and microphone go to Vigil, which analyses them like any camera.
      </p>
      {blocked && (
        <div className="banner error" role="alert">
          <p>{blocked.text}</p>
          <p>{blocked.action}</p>
        </div>
      )}
      <div className="publish-grid">
        <section className="stack" aria-labelledby={`${id}-device`}>
          <h2 id={`${id}-device`}>This device</h2>
          {cameras.isPending && <p>Loading cameras…</p>}
          {cameras.isError && (
            <p className="banner error" role="alert">
              {errorMessage(cameras.error)}
            </p>
          )}
          {cameras.isSuccess && mine.length === 0 && (
            <p className="banner">
              {mayCreate
                ? "You have no phone camera yet: create one below."
                : "You have no phone camera, and viewers may not create cameras. Ask an administrator for one."}
            </p>
          )}
          {mine.length > 0 && (
            <div className="field">
              <label>
                Vigil camera
                <select
                  name="camera"
                  value={camera ? String(camera.id) : ""}
                  disabled={active}
                  aria-describedby={`${id}-camera-hint`}
                  onChange={(e) =>
                    void navigate({ search: { camera: Number(e.target.value) }, replace: true })
                  }
                >
                  {!camera && <option value="">Choose a camera</option>}
                  {mine.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.enabled === false ? `${c.name} (disabled)` : c.name}
                    </option>
                  ))}
                </select>
              </label>
              <span id={`${id}-camera-hint`} className="hint">
                {unknownCamera
                  ? `Camera ${search.camera} is not one of your phone cameras: choose one.`
                  : "Your phone (WebRTC) cameras. A new start replaces whoever was publishing to it."}
              </span>
            </div>
          )}
          {mayCreate && (
            <NewCameraForm
              open={cameras.isSuccess && mine.length === 0}
              disabled={active}
              onCreated={(cameraId) => void navigate({ search: { camera: cameraId }, replace: true })}
            />
          )}
          <label>
            Lens
            <select name="lens" value={lens} onChange={(e) => void changeVideo(e.target.value, resolution)}>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Resolution
            <select
              name="resolution"
              value={resolution}
              onChange={(e) => void changeVideo(lens, e.target.value)}
            >
              {RESOLUTIONS.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label className="inline">
            <input
              type="checkbox"
              name="microphone"
              checked={microphone}
              onChange={(e) => changeMicrophone(e.target.checked)}
            />
            Microphone on
          </label>
          <div className="row publish-buttons">
            <button type="button" disabled={active || !camera || blocked !== null} onClick={begin}>
              Start
            </button>
            <button type="button" className="bad" disabled={!active} onClick={() => publisher?.stop()}>
              Stop
            </button>
          </div>
          <div className={`banner publish-state ${stateTone(state)}`} data-state={state} role="status">
            {stateWords(state, microphone)}
            {state === "retrying" && (
              <button type="button" className="link" onClick={() => publisher?.retryNow()}>
                Retry now
              </button>
            )}
          </div>
          {shown && (
            <div className="banner error publish-problem" data-problem={shown.kind} role="alert">
              <p>{shown.text}</p>
              <p>{shown.action}</p>
              {shown.kind === "disabled" && camera && (
                <p>
                  <Link to="/cameras/$cameraId" params={{ cameraId: String(camera.id) }}>
                    Open {camera.name}'s page
                  </Link>
                </p>
              )}
            </div>
          )}
          <p
            className="hint publish-stats"
            data-width={stats?.width}
            data-height={stats?.height}
            aria-live="off"
          >
            {stats
              ? statsWords(stats)
              : active
                ? ""
                : "A preview of this device's camera appears here once you press Start."}
          </p>
          <video
            ref={preview}
            className="publish-preview"
            hidden={stream === null}
            aria-label="Preview of this device's camera"
            autoPlay
            muted
            playsInline
          />
        </section>
        <section className="stack" aria-labelledby={`${id}-server`}>
          <h2 id={`${id}-server`}>What the server sees</h2>
          <p className="hint">
            The frames Vigil receives and analyses for this camera, with what the models find drawn over them.
          </p>
          {camera ? <ServerView camera={camera} /> : <p className="hint">Choose or create a camera first.</p>}
        </section>
      </div>
    </main>
  );
}
