"""pyproject.toml, environment.yml and constraints.txt describe the same dependencies."""

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.version import Version


def _project(root):
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def _constraints(root) -> dict[str, str]:
    pins = {}
    for line in (root / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt line {line!r} is not an exact pin"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_environment_yml_matches_pyproject(root):
    project = _project(root)
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted, f"only in pyproject: {wanted - listed}; only in environment.yml: {listed - wanted}"
    assert "python>=3.11" in env["dependencies"]


def test_dependencies_are_ranges_and_the_lock_satisfies_them(root):
    project = _project(root)
    assert project["requires-python"] == ">=3.11"
    pins = _constraints(root)
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(spec)
        assert "==" not in spec, f"{spec}: pyproject holds compatible ranges; exact pins go to constraints.txt"
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        assert key in pins, f"{req.name} is missing from constraints.txt"
        assert req.specifier.contains(Version(pins[key]), prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[key]}, outside pyproject's {req.specifier}")
    assert Version(pins["jupyter-book"]) < Version("2"), "jupyter-book 2.x cannot build offline"
    assert pins["torch"] == "2.13.0", "the CPU wheel provided locally is torch 2.13.0"
