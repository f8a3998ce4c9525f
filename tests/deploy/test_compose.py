"""docker-compose.yml, .env.example, the Dockerfile and docker/nginx.conf, read as the tools read them (no Docker
engine here; scripts/slow_headers.py runs the nginx config for real, docs/load.md has its numbers)."""

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


def nginx_directives():
    """docker/nginx.conf as (directive, arguments) pairs in file order, comments dropped."""
    text = re.sub(r"#[^\n]*", "", (BASE_DIR / "docker" / "nginx.conf").read_text())
    return [
        (words[0], words[1:])
        for statement in re.split(r"[;{}]", text)
        if (words := re.findall(r'"[^"]*"|\S+', statement))
    ]


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


def test_only_nginx_publishes_a_port_and_it_fronts_a_healthy_web():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}  # gunicorn is reachable only through the proxy
    nginx = services["nginx"]
    image, tag = nginx["image"].split(":")
    assert image == "nginx" and re.fullmatch(r"\d+\.\d+\.\d+(-alpine)?", tag), "the official image, pinned"
    assert nginx["volumes"] == ["./docker/nginx.conf:/etc/nginx/nginx.conf:ro"]
    assert nginx["ports"][0].endswith(":80")
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(nginx["healthcheck"]["test"])
    upstreams = [args for name, args in nginx_directives() if name == "server" and args]
    assert upstreams == [["web:8000"]]
    assert "8000" in [str(port) for port in services["web"]["expose"]]
    assert services["web"]["healthcheck"]["test"]


def test_nginx_buffers_and_times_out_slow_clients():
    directives = dict(nginx_directives())
    assert directives["proxy_buffering"] == ["on"]
    assert directives["proxy_request_buffering"] == ["on"]
    for timeout in ("client_header_timeout", "client_body_timeout"):
        assert int(directives[timeout][0].removesuffix("s")) <= 30, timeout
    assert directives["client_max_body_size"] == ["64m"]
    # The app gzips JSON, CSV and public pages itself (apps.core.transfer): nginx must not do it again.
    assert directives["gzip"] == ["off"]
    assert not any(name.startswith("gzip_") for name, _ in nginx_directives())


def test_client_address_comes_from_nginx_and_cannot_be_spoofed():
    """nginx overwrites X-Forwarded-For with the connecting address (never $proxy_add_x_forwarded_for, which
    keeps what the client wrote), and Django takes its last entry: NUM_PROXIES=1 for throttling and lockout."""
    headers = {args[0].lower(): args[1:] for name, args in nginx_directives() if name == "proxy_set_header"}
    assert headers["x-forwarded-for"] == ["$remote_addr"]
    assert headers["x-forwarded-proto"] == ["$scheme"]
    assert headers["host"] == ["$http_host"]  # with the port: the CSRF origin check compares it
    for forged in ("x-forwarded-host", "x-forwarded-port", "forwarded"):
        assert headers[forged] == ['""'], f"{forged} must be cleared, not passed from the client"
    assert not any("$proxy_add_x_forwarded_for" in args for _, args in nginx_directives())
    assert str(compose()["services"]["web"]["environment"]["NUM_PROXIES"]) == "1"
