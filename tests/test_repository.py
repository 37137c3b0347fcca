"""What a fresh clone on a new machine depends on: nothing tracked points outside the tree, the
locks pin exactly what pyproject.toml asks for, and warnings fail on our code only."""

import re
import subprocess
import tomllib
import warnings
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M
)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_no_tracked_link_leaves_the_repository():
    """A link to /tmp/v once made every fresh clone fail at `make demo`."""
    links = {}
    for line in git("ls-files", "--stage").splitlines():
        mode, blob, _stage, path = line.split(maxsplit=3)
        if mode == "120000":  # a link: its blob is the target
            links[path] = git("cat-file", "blob", blob)

    leaving = {
        path: target
        for path, target in links.items()
        if not (ROOT / path).parent.joinpath(target).resolve().is_relative_to(ROOT.resolve())
    }
    assert leaving == {}


def test_no_tracked_file_is_one_gitignore_excludes():
    assert git("ls-files", "--cached", "--ignored", "--exclude-standard") == ""


@pytest.mark.parametrize("form", [".venv", ".venv/bin/python"])
def test_a_virtualenv_is_ignored_whether_folder_or_link(form):
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--quiet", form], cwd=ROOT, check=False
    )

    assert result.returncode == 0


def locked(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins = {canonicalize_name(name): version for name, version, _ in PIN.findall(text)}
    unhashed = [name for name, _, hashes in PIN.findall(text) if "--hash=" not in hashes]
    assert unhashed == [], f"{lock} pins without hashes"
    assert pins, f"no pins found in {lock}: the pattern is out of date"
    return pins


def requirements_closure(roots: list[Requirement]) -> set[str]:
    """The names of every distribution the roots need, from the installed packages' metadata."""
    seen: set[str] = set()
    pending = [(root, frozenset(root.extras)) for root in roots]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            if needed.marker and not any(
                needed.marker.evaluate({"extra": extra}) for extra in extras | {""}
            ):
                continue
            pending.append((needed, frozenset(needed.extras)))
    return seen


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.txt", None), ("requirements-dev.txt", "dev")]
)
def test_each_lock_pins_what_pyproject_asks_for_and_nothing_else(lock, extra):
    """After an edit of pyproject.toml's dependencies, `make lock` brings the locks along."""
    pins = locked(lock)
    roots = declared(extra)

    outside_range = {
        str(requirement): pins.get(canonicalize_name(requirement.name))
        for requirement in roots
        if pins.get(canonicalize_name(requirement.name)) not in requirement.specifier
        or canonicalize_name(requirement.name) not in pins
    }
    assert outside_range == {}
    # pip and setuptools come with every virtualenv; pip-tools pins them too (--allow-unsafe).
    assert set(pins) - {"pip", "setuptools"} == requirements_closure(roots) - {"pip", "setuptools"}


def test_the_production_lock_agrees_with_the_development_one():
    production, development = locked("requirements.txt"), locked("requirements-dev.txt")

    assert {name: development.get(name) for name in production} == production


def test_what_is_installed_is_what_the_lock_pins():
    """The tests run against the lock, so the Dockerfile's install holds what they proved."""
    pins = locked("requirements-dev.txt")

    assert {name: metadata.version(name) for name in pins} == pins


def test_a_deprecation_in_our_code_fails_the_tests():
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit(
            "old API", DeprecationWarning, "reports/views.py", 1, module="reports.views"
        )


def test_a_deprecation_a_third_party_library_raises_about_itself_is_only_shown():
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit(
            "HarfBuzz-Subset will be required",
            DeprecationWarning,
            "weasyprint/text.py",
            1,
            module="weasyprint.text",
        )

    assert [str(warning.message) for warning in caught] == ["HarfBuzz-Subset will be required"]


def test_django_deprecations_fail_the_tests_wherever_they_are_raised():
    from django.utils.deprecation import RemovedInNextVersionWarning

    with pytest.raises(RemovedInNextVersionWarning):
        warnings.warn_explicit(
            "old API", RemovedInNextVersionWarning, "axes/apps.py", 1, module="axes.apps"
        )
