export function HistoryPage() {
  return (
    <main>
      <h1>History</h1>
    </main>
  );
}
