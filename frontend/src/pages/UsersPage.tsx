export function UsersPage() {
  return (
    <main>
      <h1>Users</h1>
    </main>
  );
}
