"""docker-compose.yml: valid Compose, secrets only from the env file, health checks, named volumes, and the
image and configuration it names really in the repository. No Docker engine is needed.

Two validators: the `docker-compose config` command (Debian's docker-compose package, which .ci/run
installs), and the Compose Specification JSON schema that package ships, applied with jsonschema.
"""

from __future__ import annotations

import configparser
import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / "docs" / "compose.env.example"
DOCKERFILE = REPO_ROOT / "crawler" / "deploy" / "Dockerfile"
SCHEMA_CANDIDATES = (Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json"),)
SECRET_VARIABLES = {"POSTGRES_PASSWORD", "XXGK_CRAWLER_PASSWORD", "XXGK_ANALYST_PASSWORD"}
_VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")


def compose_binary() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        pytest.fail("docker-compose is not installed: `apt-get install docker-compose` (.ci/run does)")
    return found


def compose_schema() -> dict[str, Any]:
    for path in SCHEMA_CANDIDATES:
        if path.is_file():
            schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return schema
    pytest.fail("the Compose Specification schema comes with Debian's docker-compose package: install it")


def compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    # The variables must come from the env file alone, not from whoever runs the test.
    env = {k: v for k, v in os.environ.items() if not (k.startswith(("XXGK_", "POSTGRES_", "COMPOSE_")))}
    return subprocess.run(
        [compose_binary(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "config"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def test_docker_compose_config_validates_with_the_example_env_file() -> None:
    done = compose_config(ENV_EXAMPLE)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    example = env_example()
    env = resolved["services"]["scrapyd"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgresql+psycopg://xxgk_crawler:{example['XXGK_CRAWLER_PASSWORD']}@postgres:5432/xxgk"
    )
    assert resolved["services"]["scheduler"]["environment"]["SCRAPYD_URL"] == "http://scrapyd:6800"
    assert (
        resolved["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == example["POSTGRES_PASSWORD"]
    )


@pytest.mark.parametrize("missing", sorted(SECRET_VARIABLES))
def test_a_secret_missing_from_the_env_file_stops_compose(missing: str, tmp_path: Path) -> None:
    env_file = tmp_path / "partial.env"
    env_file.write_text(
        "".join(f"{k}={v}\n" for k, v in env_example().items() if k != missing), encoding="utf-8"
    )
    done = compose_config(env_file)
    assert done.returncode != 0
    assert f"set {missing} in .env" in done.stderr


def test_the_file_follows_the_compose_specification_schema(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft201909Validator(compose_schema())
    assert [error.message for error in validator.iter_errors(compose)] == []
    # The control: the same validator refuses a key the specification does not have.
    broken = copy.deepcopy(compose)
    broken["services"]["scheduler"]["healthcheck"]["every"] = "60s"
    assert [e.message for e in validator.iter_errors(broken)] == [
        "'every' does not match any of the regexes: '^x-'"
    ]


def test_services_health_checks_and_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "scrapyd", "scheduler"}
    for name in ("postgres", "scrapyd", "scheduler"):
        assert services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
        assert services[name]["restart"] == "unless-stopped"
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["scrapyd"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["scheduler"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "scrapyd": {"condition": "service_healthy"},
    }
    assert services["scheduler"]["command"][:3] == ["python", "-m", "crawler.scheduler"]
    assert "--healthcheck" in services["scheduler"]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["python", "-m", "crawler", "db", "roles"]


def test_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    used = {
        mount.split(":", 1)[0]
        for service in compose["services"].values()
        for mount in service.get("volumes", [])
        if not mount.startswith((".", "/"))
    }
    assert used == set(compose["volumes"]) == {"pgdata", "scrapyd", "rawdocs"}
    scrapyd_mounts = dict(m.split(":", 1) for m in compose["services"]["scrapyd"]["volumes"])
    conf = configparser.ConfigParser()
    conf.read(REPO_ROOT / "crawler" / "deploy" / "scrapyd.conf")
    # scrapyd's job database and logs live on the volume, so they survive a new container.
    assert conf["scrapyd"]["dbs_dir"].startswith(scrapyd_mounts["scrapyd"] + "/")
    assert conf["scrapyd"]["logs_dir"].startswith(scrapyd_mounts["scrapyd"] + "/")


def test_secrets_come_from_the_env_file_only(compose: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    referenced = set(_VARIABLE.findall(text))
    example = env_example()
    assert referenced == set(example) - {"COMPOSE_PROJECT_NAME"}
    assert referenced >= SECRET_VARIABLES
    for name in SECRET_VARIABLES:  # required, with a message saying where to set it
        assert f"${{{name}:?set {name} in .env}}" in text
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or ("://" in str(value) and "@" in str(value)):
                assert "${" in str(value), f"{key} must come from the env file"
    # The crawler's services connect as the crawler's role; only `migrate` uses the owner.
    roles = {
        name: re.search(r"://([^:]+):", service["environment"]["DATABASE_URL"]).group(1)  # type: ignore[union-attr]
        for name, service in compose["services"].items()
        if "DATABASE_URL" in (service.get("environment") or {})
    }
    assert roles == {"migrate": "xxgk", "scrapyd": "xxgk_crawler", "scheduler": "xxgk_crawler"}
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_the_image_is_built_from_the_repository(compose: dict[str, Any]) -> None:
    for name in ("migrate", "scrapyd", "scheduler"):
        build = compose["services"][name]["build"]
        assert (REPO_ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (\S+) ", dockerfile, flags=re.MULTILINE):
        assert (REPO_ROOT / source).exists(), source
    assert "chromium" in dockerfile and "scrapyd-deploy --build-egg" in dockerfile
    conf = configparser.ConfigParser()
    conf.read(REPO_ROOT / "crawler" / "deploy" / "scrapyd.conf")
    # The baked egg lands where scrapyd's egg storage looks: <eggs_dir>/<project>/<version>.egg.
    assert f"{conf['scrapyd']['eggs_dir']}/xxgk/" in dockerfile
    assert "COPY crawler/deploy/scrapyd.conf /etc/scrapyd/scrapyd.conf" in dockerfile
    runner_dir = re.search(r"PYTHONPATH=(\S+)", dockerfile).group(1)  # type: ignore[union-attr]
    assert runner_dir == "/app/crawler/deploy"
    assert (REPO_ROOT / "crawler" / "deploy" / f"{conf['scrapyd']['runner']}.py").is_file()
    assert dockerfile.rstrip().endswith('CMD ["scrapyd"]')
