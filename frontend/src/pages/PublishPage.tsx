export function PublishPage() {
  return (
    <main>
      <h1>Use this device as a camera</h1>
    </main>
  );
}
