export function RulesPage() {
  return (
    <main>
      <h1>Rules</h1>
    </main>
  );
}
