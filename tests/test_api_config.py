"""ApiSettings: read from the environment; unsafe values refused outside development (warned
about in development); passwords never echoed back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from control_api.config import ApiSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (
        "DATAOPS_ENVIRONMENT",
        "DATABASE_URL",
        "DATAOPS_SCRAPYD_URLS",
        "DATAOPS_SCRAPYD_USERNAME",
        "DATAOPS_SCRAPYD_PASSWORD",
        "DATAOPS_SCRAPE_ALLOW_HOSTS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path / "data"))


def test_defaults_are_development_sqlite_and_embedded_scrapyd(tmp_path):
    settings = ApiSettings()
    assert settings.environment == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'dataops.sqlite3'}"
    assert settings.scrapyd_urls == [] and settings.scrape_allow_hosts == []


def test_lists_are_read_comma_separated(monkeypatch):
    monkeypatch.setenv("DATAOPS_SCRAPYD_URLS", "http://10.0.0.5:6800/, http://10.0.0.6:6800/")
    monkeypatch.setenv("DATAOPS_SCRAPE_ALLOW_HOSTS", "127.0.0.1, Fixture.Test.")
    settings = ApiSettings()
    assert settings.scrapyd_urls == ["http://10.0.0.5:6800/", "http://10.0.0.6:6800/"]
    assert settings.scrape_allow_hosts == ["127.0.0.1", "fixture.test"]


# (variable, value, what the refusal says)
UNSAFE = [
    ("DATABASE_URL", "postgresql://app:changethis@db/dataops", "placeholder password"),
    ("DATAOPS_SCRAPYD_PASSWORD", "changeme", "placeholder"),
    ("DATAOPS_SCRAPE_ALLOW_HOSTS", "10.0.0.0/8", "opens 16777216 addresses"),
]


@pytest.mark.parametrize(("variable", "value", "reason"), UNSAFE)
def test_unsafe_values_are_refused_in_production(monkeypatch, variable, value, reason):
    monkeypatch.setenv("DATAOPS_ENVIRONMENT", "production")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=reason) as refused:
        ApiSettings()
    assert "changethis" not in str(refused.value)


@pytest.mark.parametrize(("variable", "value", "reason"), UNSAFE)
def test_unsafe_values_are_only_warned_about_in_development(monkeypatch, variable, value, reason):
    monkeypatch.setenv(variable, value)
    with pytest.warns(UserWarning, match=reason):
        ApiSettings()


def test_credentials_in_clear_text_to_a_public_scrapyd_are_refused_in_production(monkeypatch):
    monkeypatch.setenv("DATAOPS_ENVIRONMENT", "production")
    monkeypatch.setenv("DATAOPS_SCRAPYD_PASSWORD", "a-long-real-secret")
    monkeypatch.setenv("DATAOPS_SCRAPYD_URLS", "http://scrapyd.example.com:6800/")
    with pytest.raises(ValidationError, match="use https"):
        ApiSettings()
    for fine in ("https://scrapyd.example.com/", "http://scrapyd:6800/", "http://10.0.0.5:6800/"):
        monkeypatch.setenv("DATAOPS_SCRAPYD_URLS", fine)
        assert ApiSettings().scrapyd_urls == [fine]


@pytest.mark.parametrize(
    "entry", ["169.254.169.254", "169.254.0.0/16", "*", "0.0.0.0/0", "[fd00:ec2::254]"]
)
def test_the_allow_list_never_opens_metadata_or_everything(monkeypatch, entry):
    monkeypatch.setenv("DATAOPS_SCRAPE_ALLOW_HOSTS", entry)
    with pytest.raises(ValidationError):
        ApiSettings()


def test_a_scrapyd_url_that_is_not_http_is_refused_by_position(monkeypatch):
    monkeypatch.setenv("DATAOPS_SCRAPYD_URLS", "http://ok:6800/,ftp://user:hunter2@node/")
    with pytest.raises(ValidationError, match="entry 2") as refused:
        ApiSettings()
    assert "hunter2" not in str(refused.value)


def test_the_database_password_stays_out_of_the_settings_repr(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret-pw@db/dataops")
    assert "s3cret-pw" not in repr(ApiSettings())
