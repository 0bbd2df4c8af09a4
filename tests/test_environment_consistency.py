"""pyproject.toml and environment.yml list the same pinned dependencies."""

import tomllib

import yaml


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted, f"only in pyproject: {wanted - listed}; only in environment.yml: {listed - wanted}"
    assert "python=3.11" in env["dependencies"]


def test_key_dependencies_are_pinned_exactly(root):
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    for name in ("torch", "keras", "numpy", "porespy", "taufactor", "jupyter-book", "papermill"):
        spec = next((d for d in deps if d.split("==")[0] == name), None)
        assert spec and "==" in spec, f"{name} must be pinned with =="
    assert "jupyter-book==1." in " ".join(deps), "jupyter-book 2.x cannot build offline"
