/** `/publish?camera=ID`: the camera chosen on the page, kept in the address (a bookmark opens it again). */

export interface PublishSearch {
  camera?: number;
}

export function parsePublishSearch(search: Record<string, unknown>): PublishSearch {
  const raw = search.camera;
  const value = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? { camera: value } : {};
}
