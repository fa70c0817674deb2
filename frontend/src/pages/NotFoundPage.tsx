import { Link } from "@tanstack/react-router";
import { usePageTitle } from "../ui/usePageTitle";

export function NotFoundPage() {
  usePageTitle("Not found");
  return (
    <main>
      <h1>Not found</h1>
      <Link to="/">Go to the live wall</Link>
    </main>
  );
}
