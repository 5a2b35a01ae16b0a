"""A PEP 517 build backend for this pure-Python package, standard library only.

Why not setuptools: building with it needs `wheel` and a recent setuptools from an index, so
`pip install ./clients/python` would fail where no index is reachable (an air-gapped machine, a
CI job without PyPI). This package is a handful of .py files and py.typed, so its wheel is a zip
with the three metadata files the wheel spec (PEP 427) asks for; nothing here is package-specific
except the NAME/VERSION read from pyproject.toml.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project() -> Dict[str, Any]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data = f.read()
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        # Older Pythons: the [project] table's `name = "…"` lines are all this backend reads.
        section = data.decode("utf-8").split("[project]", 1)[1].split("\n[", 1)[0]
        project: Dict[str, Any] = dict(re.findall(r'^([a-z-]+) = "([^"]*)"', section, re.M))
        license_text = re.search(r'^license = \{ text = "([^"]*)" \}', section, re.M)
        if license_text:
            project["license"] = {"text": license_text.group(1)}
        return project
    return tomllib.loads(data.decode("utf-8"))["project"]


def _dist_name() -> Tuple[str, str]:
    project = _project()
    return project["name"].replace("-", "_"), project["version"]


def _metadata() -> str:
    project = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
        f"License: {project.get('license', {}).get('text', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3')}",
    ]
    readme = os.path.join(ROOT, project.get("readme", "README.md"))
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _package_files() -> List[Tuple[str, str]]:
    """(path in the wheel, path on disk) of every file under src/."""
    src = os.path.join(ROOT, "src")
    out = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info")]
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            disk = os.path.join(folder, name)
            out.append((os.path.relpath(disk, src).replace(os.sep, "/"), disk))
    return out


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _dist_info_files() -> Dict[str, bytes]:
    name, _ = _dist_name()
    tops = sorted({path.split("/")[0] for path, _ in _package_files()})
    return {
        "METADATA": _metadata().encode(),
        "WHEEL": b"Wheel-Version: 1.0\nGenerator: kova_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": ("\n".join(tops) + "\n").encode(),
    }


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    name, version = _dist_name()
    info = f"{name}-{version}.dist-info"
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for file, data in _dist_info_files().items():
        with open(os.path.join(metadata_directory, info, file), "wb") as f:
            f.write(data)
    return info


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    name, version = _dist_name()
    wheel = f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        entries = [(path, open(disk, "rb").read()) for path, disk in _package_files()]
        entries += [(f"{info}/{file}", data) for file, data in _dist_info_files().items()]
        for path, data in entries:
            z.writestr(path, data)
            records.append(f"{path},{_digest(data)},{len(data)}")
        records.append(f"{info}/RECORD,,")
        z.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return wheel


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    name, version = _dist_name()
    base = f"{name}-{version}"
    target = os.path.join(sdist_directory, f"{base}.tar.gz")
    with tarfile.open(target, "w:gz") as tar:
        for item in ("pyproject.toml", "README.md", "_build", "src"):
            tar.add(os.path.join(ROOT, item), arcname=f"{base}/{item}", filter=lambda t: None if "__pycache__" in t.name else t)
        pkg_info = _metadata().encode()
        member = tarfile.TarInfo(f"{base}/PKG-INFO")
        member.size = len(pkg_info)
        tar.addfile(member, io.BytesIO(pkg_info))
    return os.path.basename(target)
