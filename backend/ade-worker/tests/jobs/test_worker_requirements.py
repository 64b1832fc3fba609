"""The strict requirements.txt rules: plain requirement specifiers only, everything else
refused with its line number."""

from __future__ import annotations

import pytest

from ade_worker.errors import MaterializeError
from ade_worker.requirements import (
    MAX_REPORTED_PROBLEMS,
    MAX_REQUIREMENTS,
    MAX_REQUIREMENTS_BYTES,
    RequirementProblem,
    RequirementsError,
    requirements_lines,
)


def _refused(content: bytes) -> tuple[RequirementProblem, ...]:
    with pytest.raises(RequirementsError) as caught:
        requirements_lines(content)
    return caught.value.problems


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"requests\n", ["requests"]),
        (b"requests==2.32.3\n", ["requests==2.32.3"]),
        (b"Requests >= 2.0, < 3\n", ["requests<3,>=2.0"]),
        (b"requests[Security,socks]>=2\n", ["requests[security,socks]>=2"]),
        (
            b"tomli>=1.1 ; python_version < '3.11'\n",
            ['tomli>=1.1; python_version < "3.11"'],
        ),
        (
            b'pywin32==306; sys_platform == "win32" and platform_machine == "AMD64"\n',
            ['pywin32==306; sys_platform == "win32" and platform_machine == "AMD64"'],
        ),
        (b"zope.interface~=6.0\n", ["zope-interface~=6.0"]),
        (b"python_dateutil==2.*\n", ["python-dateutil==2.*"]),
        (b"numpy (>=1.26)\n", ["numpy>=1.26"]),
        (b"numpy!=1.25.0,>=1.24\n", ["numpy!=1.25.0,>=1.24"]),
    ],
)
def test_requirement_specifiers_are_accepted_and_rewritten(
    content: bytes, expected: list[str]
) -> None:
    assert requirements_lines(content) == expected


def test_comments_blank_lines_and_line_endings() -> None:
    content = (
        b"\xef\xbb\xbf# a BOM and a whole-line comment\r\n"
        b"\r\n"
        b"   # indented comment\n"
        b"requests==2.0  # trailing comment\n"
        b"idna==3.7\t# after a tab\r\n"
        b"# a comment may end in a backslash \\\n"
        b"\n"
    )
    assert requirements_lines(content) == ["requests==2.0", "idna==3.7"]
    assert requirements_lines(b"# nothing\n\n") == []
    assert requirements_lines(b"") == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # Options: a different index, source builds, other files, editable installs.
        ("--index-url http://127.0.0.1:8000/simple", "'--index-url' is an option"),
        ("--index-url=http://127.0.0.1:8000/simple", "'--index-url' is an option"),
        ("-i http://127.0.0.1:8000/simple", "'-i' is an option"),
        ("--extra-index-url https://evil.example/simple", "'--extra-index-url' is an option"),
        ("--no-binary :all:", "'--no-binary' is an option"),
        ("--find-links /tmp/wheels", "'--find-links' is an option"),
        ("--trusted-host evil.example", "'--trusted-host' is an option"),
        ("--no-index", "'--no-index' is an option"),
        ("-e ./pkg", "'-e' is an option"),
        ("-e git+https://github.com/x/y#egg=y", "'-e' is an option"),
        ("-r other.txt", "'-r' is an option"),
        ("-c constraints.txt", "'-c' is an option"),
        ("   --pre", "'--pre' is an option"),
        ("requests==2.0 --hash=sha256:abc", "options are not allowed after a requirement"),
        # URLs, direct references, VCS.
        ("requests @ https://evil.example/requests-2.0-py3-none-any.whl", "direct references"),
        ("requests@file:///tmp/requests.whl", "direct references"),
        ("https://evil.example/requests-2.0-py3-none-any.whl", "URLs are not allowed"),
        ("git+https://github.com/x/y.git@main", "URLs are not allowed"),
        ("hg+https://example.org/repo", "URLs are not allowed"),
        ("file:///tmp/pkg", "URLs are not allowed"),
        ("file:pkg", "URLs are not allowed"),
        # Local paths and archives.
        ("./pkg", "local paths are not allowed"),
        ("../pkg", "local paths are not allowed"),
        ("/abs/pkg", "local paths are not allowed"),
        ("~/pkg", "local paths are not allowed"),
        ("columns/pkg", "local paths are not allowed"),
        ("foo-1.0.tar.gz", "is a file name"),
        ("foo-1.0-py3-none-any.whl", "is a file name"),
        # Other syntax pip and uv understand, and what packaging cannot parse.
        ("requests==${VERSION}", "environment variables"),
        ("requests===2.0", "arbitrary equality"),
        ("requests[security", "not a requirement specifier"),
        ("requests#egg", "not a requirement specifier"),
        ("requests ==", "not a requirement specifier"),
        ("requests; nonsense_marker == '1'", "not a requirement specifier"),
    ],
)
def test_everything_else_is_refused_with_its_line(line: str, reason: str) -> None:
    content = f"# first line\nidna==3.7\n{line}\nsix\n".encode()
    problems = _refused(content)
    assert len(problems) == 1, problems
    assert problems[0].line == 3
    assert reason in problems[0].message


def test_a_line_continuation_is_refused() -> None:
    problems = _refused(b"requests==2.0 \\\n    --index-url http://127.0.0.1/\n")
    assert [p.line for p in problems] == [1, 2]
    assert "line continuations" in problems[0].message
    # Even behind a comment: pip and uv would still join the next line.
    assert _refused(b"six\nrequests  # see \\\nidna\n")[0].line == 2


def test_every_refused_line_is_listed_in_the_error() -> None:
    with pytest.raises(RequirementsError) as caught:
        requirements_lines(b"requests\n--no-binary :all:\n\n-e .\nidna\n")
    error = caught.value
    assert isinstance(error, MaterializeError)  # a job with such a file fails, no retry
    assert error.error_type == "RequirementsError"
    assert [p.line for p in error.problems] == [2, 4]
    assert "line 2: '--no-binary' is an option" in str(error)
    assert "line 4: '-e' is an option" in str(error)


def test_the_list_of_problems_is_capped() -> None:
    problems = _refused(b"-e .\n" * 100)
    assert len(problems) == MAX_REPORTED_PROBLEMS + 1
    assert problems[-1] == RequirementProblem(
        None, f"and {100 - MAX_REPORTED_PROBLEMS} more problems"
    )


def test_size_and_count_limits() -> None:
    too_big = b"#" * (MAX_REQUIREMENTS_BYTES + 1)
    (problem,) = _refused(too_big)
    assert problem.line is None
    assert str(MAX_REQUIREMENTS_BYTES) in problem.message

    at_limit = "".join(f"pkg{i}\n" for i in range(MAX_REQUIREMENTS)).encode()
    assert len(requirements_lines(at_limit)) == MAX_REQUIREMENTS
    (problem,) = _refused(at_limit + b"# not counted\none-more\n")
    assert problem.line == MAX_REQUIREMENTS + 2
    assert f"more than {MAX_REQUIREMENTS} requirements" in problem.message


def test_text_that_is_not_utf8_is_refused_with_its_line() -> None:
    (problem,) = _refused(b"requests\nidna\xff\n")
    assert problem == RequirementProblem(2, "not UTF-8 text")
