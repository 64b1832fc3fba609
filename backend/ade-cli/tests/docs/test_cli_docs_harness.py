"""The docs runner fails a page that leaves files in the checkout (the folder it runs pages in),
as the HTTP walkthrough once left `email.py` there, which shadowed Python's `email` module."""

from __future__ import annotations

from pathlib import Path

import pytest

from ade_cli.testing import RunPage, base_env, runnable_blocks


def page(tmp_path: Path, code: str) -> Path:
    written = tmp_path / "page.md"
    written.write_text(f"```bash\n{code}\n```\n", encoding="utf-8")
    return written


def test_a_page_writing_into_the_checkout_fails(tmp_path: Path, run_page: RunPage) -> None:
    checkout = tmp_path / "checkout"
    walkthrough = page(tmp_path, "mkdir -p data/db notes && echo x > email.py && echo y > notes/a")
    with pytest.raises(AssertionError, match=r"created files in the checkout .*\['email.py', "):
        run_page(walkthrough, cwd=checkout, env=base_env(tmp_path))
    assert (checkout / "email.py").is_file()  # it ran; only `data/` was ADE's to make


def test_a_page_writing_in_a_scratch_folder_passes(tmp_path: Path, run_page: RunPage) -> None:
    checkout = tmp_path / "checkout"
    walkthrough = page(tmp_path, 'mkdir -p data\ncd "$(mktemp -d)"\necho x > email.py')
    done = run_page(walkthrough, cwd=checkout, env=base_env(tmp_path))
    assert done.returncode == 0, done.output
    assert (done.scratch / "email.py").read_text() == "x\n"
    assert sorted(p.name for p in checkout.iterdir()) == [".venv", "data"]
    assert len(runnable_blocks(walkthrough)) == 1


def test_pages_get_no_data_dir_setting(tmp_path: Path) -> None:
    # As a reader's shell: `ade` finds the checkout's ./data only when run in the checkout.
    assert not any(name.startswith("ADE_") for name in base_env(tmp_path))
