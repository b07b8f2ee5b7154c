"""Re-fetch GraphiQL's vendored files from the npm registry, checking every hash.

``vendor.json`` pins each package by exact version and by the sha512 ``integrity`` of its
tarball, and each file taken from it by sha256. Three ways to run it:

- ``python -m twofa.graphiql.vendor --check`` (offline) checks the committed files;
- ``python -m twofa.graphiql.vendor`` fetches the pinned tarballs with ``npm pack``, checks
  their integrity and the files' sha256, and writes the files;
- ``python -m twofa.graphiql.vendor --pin`` is for an upgrade: after editing a version in
  ``vendor.json``, it fetches as above but records the new integrity and hashes instead of
  checking them (review the diff before committing).

Only updating needs Node.js and the network; serving the page needs neither.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "vendor.json"
"""The pinned packages: name, version, licence, tarball integrity and files with hashes."""


def sha256(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def integrity(data: bytes) -> str:
    """Return npm's Subresource-Integrity form of a tarball's sha512."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def check(manifest: dict[str, Any]) -> list[str]:
    """Compare the committed files with their pinned sha256; return the mismatches."""
    problems = []
    for package in manifest["packages"]:
        for member, entry in package["files"].items():
            path = HERE / entry["to"]
            if not path.is_file():
                problems.append(f"{entry['to']}: missing ({package['name']} {member})")
            elif sha256(path.read_bytes()) != entry["sha256"]:
                problems.append(f"{entry['to']}: sha256 differs from {package['name']} {member}")
    return problems


def npm_pack(name: str, version: str, folder: Path) -> bytes:
    """Download ``name@version``'s tarball with ``npm pack`` into ``folder``; return it."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch packages (only to update the vendored files)")
    result = subprocess.run(  # noqa: S603 - fixed arguments from the manifest
        [npm, "pack", "--json", "--pack-destination", str(folder), f"{name}@{version}"],
        capture_output=True,
        text=True,
        check=True,
    )
    filename: str = json.loads(result.stdout)[0]["filename"]
    return (folder / filename).read_bytes()


def fetch(manifest: dict[str, Any], *, pin: bool) -> None:
    """Fetch every package, check (or, with ``pin``, record) its hashes, write its files."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for package in manifest["packages"]:
            label = f"{package['name']}@{package['version']}"
            tarball = npm_pack(package["name"], package["version"], folder)
            if pin:
                package["integrity"] = integrity(tarball)
            elif integrity(tarball) != package["integrity"]:
                raise SystemExit(f"{label}: tarball integrity differs from vendor.json")
            extract(package, tarball, folder / "tarball.tgz", pin=pin)
            print(f"{label}: {len(package['files'])} files")
    if pin:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


def extract(package: dict[str, Any], tarball: bytes, scratch: Path, *, pin: bool) -> None:
    """Write the package's pinned files out of its tarball, checking each one's sha256."""
    scratch.write_bytes(tarball)
    with tarfile.open(scratch) as archive:
        for member, entry in package["files"].items():
            source = archive.extractfile(f"package/{member}")
            if source is None:
                raise SystemExit(f"{package['name']}: {member} is not a file")
            data = source.read()
            if pin:
                entry["sha256"] = sha256(data)
            elif sha256(data) != entry["sha256"]:
                raise SystemExit(f"{package['name']}: {member} sha256 differs from vendor.json")
            target = HERE / entry["to"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only check the committed files")
    mode.add_argument("--pin", action="store_true", help="record new hashes after an upgrade")
    arguments = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text())
    if not arguments.check:
        fetch(manifest, pin=arguments.pin)
    problems = check(manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
