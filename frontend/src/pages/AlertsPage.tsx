export function AlertsPage() {
  return (
    <main>
      <h1>Alerts</h1>
    </main>
  );
}
