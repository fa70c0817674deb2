from pathlib import Path

import pytest
from pydantic import ValidationError

from vigil.settings import Settings


def test_dev_signing_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path, secret_key="").jwt_secret  # type: ignore[call-arg]
    second = Settings(_env_file=None, data_dir=tmp_path, secret_key="").jwt_secret  # type: ignore[call-arg]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("secret", ["", "change-me", "short-but-not-placeholder"])
def test_production_refuses_weak_secrets(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ValidationError, match="VIGIL_SECRET_KEY"):
        Settings(_env_file=None, env="production", data_dir=tmp_path, secret_key=secret)  # type: ignore[call-arg]


def test_file_roots_are_split_and_resolved(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, file_roots=f"{tmp_path}/a::{tmp_path}/b/../c")  # type: ignore[call-arg]
    assert settings.allowed_file_roots == (tmp_path / "a", tmp_path / "c")
