import { useCameras } from "./useCameras";

/** "Camera: All cameras | <each camera you may see>", as the list filters offer it. */
export function CameraSelect({
  value,
  onChange,
}: {
  value: number | undefined;
  onChange: (camera: number | undefined) => void;
}) {
  const cameras = useCameras();
  return (
    <label>
      Camera
      <select
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value ? Number(e.target.value) : undefined)}
      >
        <option value="">All cameras</option>
        {cameras.data?.items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
