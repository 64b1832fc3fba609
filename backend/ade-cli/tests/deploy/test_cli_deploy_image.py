"""The Dockerfile builds the web app in a Node stage and ships only its static files.

No Docker daemon here: the Dockerfile is read as instructions (continuation lines joined)
and checked against the checkout and the settings."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
WEB_APP = ROOT / "frontend" / "ade-web"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for word, rest in self.instructions if word == keyword]


def stages() -> list[Stage]:
    text = (ROOT / "Dockerfile").read_text()
    lines = re.sub(r"\\\n", " ", text).splitlines()
    found: list[Stage] = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, rest = line.strip().partition(" ")
        if word.upper() == "FROM":
            parts = rest.split()
            found.append(Stage(parts[0], parts[2] if len(parts) == 3 else None))
        else:
            found[-1].instructions.append((word.upper(), rest.strip()))
    return found


def env(stage: Stage) -> dict[str, str]:
    items = [item.partition("=") for rest in stage.args("ENV") for item in shlex.split(rest)]
    return {key: value for key, _, value in items}


def test_the_web_app_is_built_in_a_node_stage() -> None:
    web = stages()[0]
    assert web.name == "web"
    assert re.fullmatch(r"node:(2[0-9])-bookworm-slim", web.base), web.base
    copies, runs = web.args("COPY"), web.args("RUN")
    # The lockfile first, then `npm ci`: a sources-only change reuses the installed layer.
    assert copies[0].split()[:2] == [
        "frontend/ade-web/package.json",
        "frontend/ade-web/package-lock.json",
    ]
    assert runs[0].startswith("npm ci")
    assert copies[1].startswith("frontend/ade-web/")
    assert runs[1] == "npm run build"


def test_the_image_ships_only_the_built_files_and_serves_them() -> None:
    image = stages()[-1]
    assert image.base.startswith("python:")
    from_web = [c for c in image.args("COPY") if c.startswith("--from=web")]
    assert len(from_web) == 1
    _, source, destination = from_web[0].split()
    assert source == "/web/dist"
    workdir = image.args("WORKDIR")[-1]
    assert env(image)["ADE_WEB_DIR"] == str(Path(workdir) / destination)
    # Neither Node nor the app's sources reach the image.
    assert not [c for c in image.args("COPY") if "frontend" in c]
    assert not [r for r in image.args("RUN") if re.search(r"\b(npm|node)\b", r)]


def test_the_build_context_leaves_out_what_the_host_built() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "**/node_modules" in ignored
    assert "frontend/ade-web/dist" in ignored


def test_every_file_the_dockerfile_copies_is_in_the_checkout() -> None:
    if not (WEB_APP / "package.json").is_file():
        pytest.skip(f"no web app in {WEB_APP} yet")
    for stage in stages():
        for copy in stage.args("COPY"):
            if copy.startswith("--from="):
                continue
            *sources, _ = copy.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the checkout"
