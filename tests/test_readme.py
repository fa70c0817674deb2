"""README's configuration table names every setting, so users can find each one."""

from pathlib import Path

from vigil.settings import Settings


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`VIGIL_{name.upper()}`" not in readme]
    assert not missing, f"settings missing from README's configuration table: {missing}"
