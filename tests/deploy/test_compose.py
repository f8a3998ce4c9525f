"""docker-compose.yml, .env.example and the Dockerfile, read as the tools read them (no Docker engine here)."""

import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY", re.IGNORECASE)
INTERPOLATION = re.compile(r"\$\{[A-Z_]+(:?[-?][^}]*)?\}")


def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_database_has_a_healthcheck_and_a_named_volume():
    config = compose()
    db = config["services"]["db"]
    assert db["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume, mount = db["volumes"][0].split(":", 1)
    assert mount == "/var/lib/postgresql/data"
    assert volume in config["volumes"]  # a named volume: the data outlives the container


def test_web_is_built_here_and_waits_for_a_healthy_database():
    web = compose()["services"]["web"]
    assert web["build"] == "."
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["env_file"] == ".env"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "\nUSER catrack\n" in dockerfile  # not root


def _environment_values(config):
    for name, service in config["services"].items():
        for key, value in (service.get("environment") or {}).items():
            yield name, key, str(value)


def test_no_secret_value_is_committed():
    config = compose()
    for service, key, value in _environment_values(config):
        if SECRET_NAME.search(key):
            assert INTERPOLATION.fullmatch(value), f"{service}.{key} must come from .env, not be written here"
        # A URL with credentials must take its password from the environment.
        masked = INTERPOLATION.sub("<env>", value)
        if "://" in masked and "@" in masked:
            credentials = masked.split("://", 1)[1].split("@", 1)[0]
            assert credentials.split(":", 1)[1] == "<env>", f"{service}.{key} embeds a literal password"

    example = dict(
        line.split("=", 1)
        for line in (BASE_DIR / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for key, value in example.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example must leave {key} empty, to be filled in per deployment"
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= example.keys()


def test_env_file_is_kept_out_of_git_and_the_image():
    assert ".env" in (BASE_DIR / ".gitignore").read_text().splitlines()
    assert ".env" in (BASE_DIR / ".dockerignore").read_text().splitlines()
