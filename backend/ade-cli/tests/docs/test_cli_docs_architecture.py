"""docs/explanation/architecture.md says what the code has: the storage layout's paths, the
API's domains and the database's tables are read from the code and compared with the page."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import ade_api
import ade_db.models  # noqa: F401  (registers every table on the metadata)
from ade_cli.testing import ROOT
from ade_db.metadata import metadata
from ade_storage import JOB_SUBDIRS, StorageLayout

PAGE = ROOT / "docs" / "explanation" / "architecture.md"
ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # any id: every placeholder of the layout becomes `<>`
SHA = "a" * 64


def section(title: str) -> str:
    return PAGE.read_text(encoding="utf-8").split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def shape(path: str) -> str:
    """A path with its placeholders (`<job_id>`, an id, a hash) as `<>`: comparable shapes."""
    return re.sub(rf"<[^>]*>|{ID}|{SHA}", "<>", path).rstrip("/")


def layout_paths() -> set[str]:
    """The shape of every path the storage layout can make, and of every folder above one."""
    layout = StorageLayout(Path("/data"))
    made = [
        layout.sqlite_path,
        layout.document_path(ID, ID, ".ext"),
        layout.document_preview_dir(ID, ID),
        *(layout.job_subdir(ID, name) for name in JOB_SUBDIRS),
        layout.job_artifact_path(ID),
        layout.job_subdir(ID, "output") / "preview",
        layout.dry_run_dir(ID, ID),
        layout.vendor_cache_dir(SHA),
        *layout.managed_dirs,
    ]
    shapes = set()
    for path in made:
        relative = path.relative_to(layout.data_dir)
        for depth in range(1, len(relative.parts) + 1):
            shapes.add(shape("/".join(relative.parts[:depth])).replace(".ext", ".<>"))
    return shapes


def expand(path: str) -> list[str]:
    """`a/{b,c}/` as `a/b/` and `a/c/`."""
    parts = re.split(r"\{([^}]*)\}", path)
    options = [p.split(",") if i % 2 else [p] for i, p in enumerate(parts)]
    return ["".join(choice) for choice in itertools.product(*options)]


def documented_paths(text: str) -> list[str]:
    """The paths of the page's storage block (each line's first column, up to two spaces)."""
    block = re.search(r"```\n(.*?)```", text, re.S)
    assert block, "the storage layout section has no block"
    return [
        p
        for line in block.group(1).splitlines()
        if line
        for p in expand(re.split(r"\s{2,}", line)[0])
    ]


def test_every_storage_path_the_page_names_is_in_the_layout() -> None:
    known = layout_paths()
    documented = documented_paths(section("Storage layout"))
    assert len(documented) > 8, documented
    unknown = [path for path in documented if shape(path) not in known]
    assert not unknown, f"architecture.md names paths the storage layout has not: {unknown}"
    # And every folder the data dir holds is on the page.
    named = {shape(path).split("/", 1)[0] for path in documented}
    assert {p.name for p in StorageLayout(Path("/data")).managed_dirs} - {"vendor"} <= named


def test_the_shape_check_refuses_what_is_not_stored() -> None:
    known = layout_paths()
    old_block = "```\nconfigs/<config_id>/<version_id>/  x\njobs/<job_id>/artifact.json\n```"
    assert [p for p in documented_paths(old_block) if shape(p) not in known] == [
        "configs/<config_id>/<version_id>/",
        "jobs/<job_id>/artifact.json",
    ]
    assert all(shape(p) in known for p in expand("jobs/<job_id>/{input,output}/"))


def test_the_page_lists_every_api_domain() -> None:
    package = Path(ade_api.__file__).parent
    domains = {p.parent.name for p in package.glob("*/router.py")}
    text = section("The API")
    listed = set(re.findall(r"`(\w+)/`", text.split("with `router.py`", 1)[0]))
    assert listed == domains


def test_the_page_lists_every_table() -> None:
    text = section("The database").split("\n\n", 1)[0]
    assert set(metadata.tables) <= set(re.findall(r"`([a-z_]+)`", text))
