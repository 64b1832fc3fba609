"""The zygote's own program: it runs *inside* the warm jail, never in the worker.

Started by :mod:`ade_worker.zygote` as ``python -I -B -c <this file's text> CONTROL_FD`` in
bubblewrap, as the sandbox user (its own user, PID, network, IPC and UTS namespaces, no network,
no host ``/proc``, no data dir, the sandbox environment). It imports only the standard library
and the engine (ADE's other packages are not in the jail), imports the engine once, and then
**never runs config code itself**: per job it forks

* a **supervisor** (in the zygote's namespaces), which says hello on the job's socket (the
  worker learns its host pid from the kernel and may kill it at any time), waits for "go",
  unshares new mount, PID, network, IPC, UTS and cgroup namespaces and forks
* the job's **init** (PID 1 of the job's namespace): it builds the job's filesystem (a tmpfs
  ``/job`` of the job's size, ``input/``, ``config/`` and ``vendor/`` bound read-only from that
  run's staging folder, the view of every run's staging covered), brings up the job's own
  loopback, starts a new session, applies the job's rlimits, drops every capability (bounding
  and ambient sets included) and only then forks
* the **engine** process, which runs ``ade_engine``'s ``main`` in-process with the job's argv,
  environment and pipes (stdout, stderr, events) and exits.

Once the engine has ended the init kills whatever it left behind in the job's namespace, streams
``/job/output`` as a tar archive on the results pipe and exits with the engine's status (128 + N
for a death by signal N, as the cold jail's shell reports it); the supervisor reaps it and sends
``{"exit", "cpu", "ran"}`` on the job's socket. If the zygote dies, every process of every job
dies with it (it is PID 1 of the namespace they all live in).
"""

# This file must run in the jail: standard library and ade_engine only, no ade_worker imports.
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import json
import locale  # noqa: F401  (the engine's first run imports it)
import os
import resource
import select
import signal
import socket
import struct
import sys
import tarfile
import traceback
from typing import Any

# Warm: what every run imports, loaded once here (config code is never imported here).
import ade_engine.__main__ as engine_main
import ade_engine.guard
import ade_engine.pipeline
import ade_engine.plan  # noqa: F401

JOB = "/job"
RUNS = "/runs"  # ADE_SANDBOX_DIR/runs, searchable but not listable
VENDORS = "/vendors"  # ADE_SANDBOX_DIR/vendor: shared, read-only requirement installs
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
#: A run's own namespaces (the user namespace is the zygote's: it cannot make another).
NAMESPACES = (
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP = 1, 4, 15, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
#: Descriptors as the engine process sees them.
EVENTS_FD, RESULTS_FD = 3, 4
SETUP_FAILED = 125

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _prctl(option: int, arg: int = 0, arg3: int = 0) -> int:
    return int(libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0))


def _name(name: str) -> None:
    """What ps and /proc/PID/comm call this process (they all run the zygote's command line)."""
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    fs = fstype.encode() if fstype else None
    what = f"mounting {source} on {target}"
    _check(libc.mount(source.encode(), target.encode(), fs, flags, data.encode()), what)


# ---------------------------------------------------------------------------- the job's init


def _build_filesystem(spec: dict[str, Any]) -> None:
    """/job: a tmpfs of the job's size holding output/, tmp/, logs/ and the read-only binds of
    this run's input/, config/ (and vendor/); then the views of all runs and vendors covered."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the zygote
    _mount("tmpfs", JOB, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(spec['disk'])},mode=0755")
    run = os.path.join(RUNS, _plain(spec["run"]))
    binds = [(os.path.join(run, "input"), "input"), (os.path.join(run, "config"), "config")]
    if spec.get("vendor"):
        binds.append((os.path.join(VENDORS, _plain(spec["vendor"])), "vendor"))
    for name in ("output", "tmp", "logs", *(target for _, target in binds)):
        os.mkdir(os.path.join(JOB, name), 0o755)
    for source, name in binds:
        target = os.path.join(JOB, name)
        _mount(source, target, None, MS_BIND | MS_REC)
        _mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _hide_views()


def _hide_views() -> None:
    for view in (RUNS, VENDORS):
        # Gone from this job's mount namespace (the zygote's view is untouched); where the
        # kernel refuses the unmount (mounts a namespace inherited from a more privileged user
        # namespace are locked together), an empty read-only tmpfs nobody may open covers it.
        if libc.umount2(view.encode(), MNT_DETACH) != 0:
            _mount("tmpfs", view, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0")


def _plain(name: str) -> str:
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"not a plain name: {name!r}")
    return name


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _drop_capabilities() -> None:
    """No capability left in any set, none to regain: bounding set emptied, ambient cleared,
    effective/permitted/inheritable zeroed, no_new_privs."""
    cap = 0
    while _prctl(PR_CAPBSET_DROP, cap) == 0:
        cap += 1
    _check(_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL), "clearing ambient capabilities")
    header = struct.pack("Ii", LINUX_CAPABILITY_VERSION_3, 0)
    data = bytes(24)  # two __user_cap_data_struct, all zero
    _check(libc.capset(header, data), "capset")
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")
    _refuse_keyrings()


#: Per architecture: the audit arch and the key-management calls (add_key, request_key,
#: keyctl). Runs share the zygote's user namespace, and with it the sandbox user's keyrings:
#: a run may not use them (a cold run has keyrings of its own, no run needs any).
_KEY_CALLS = {"x86_64": (0xC000003E, (248, 249, 250)), "aarch64": (0xC00000B7, (217, 218, 219))}
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, EPERM = 0x7FFF0000, 0x00050000, 1
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06


def _refuse_keyrings() -> None:
    """A seccomp filter: the key-management calls (and, on x86_64, every x32 call) fail with
    EPERM. Other architectures keep the calls: see docs/explanation/security.md."""
    arch = _KEY_CALLS.get(os.uname().machine)
    if arch is None:
        return
    audit_arch, (add_key, request_key, keyctl) = arch
    deny = SECCOMP_RET_ERRNO | EPERM
    program = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 0, 6, audit_arch),  # another ABI: allowed as before (to ALLOW)
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (BPF_JGE_K, 4, 0, 0x40000000),  # x32 numbers: refused
        (BPF_JEQ_K, 3, 0, add_key),
        (BPF_JEQ_K, 2, 0, request_key),
        (BPF_JEQ_K, 1, 0, keyctl),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, deny),
    ]
    filters = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(filters)
    fprog = struct.pack("HxxxxxxP", len(program), ctypes.addressof(buffer))
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0), "seccomp")


def _set_limits(limits: list[list[int]]) -> None:
    for number, soft, hard in limits:
        resource.setrlimit(number, (soft, hard))


def _engine(spec: dict[str, Any]) -> None:
    """The engine process: the job's environment, memory limit and argv; then the engine."""
    _name("ade-engine")
    _set_limits(spec["late_limits"])
    os.environ.clear()
    os.environ.update(spec["env"])
    if "random" in sys.modules:
        sys.modules["random"].seed()  # not the zygote's sequence, shared by every job
    sys.argv = [str(engine_main.__file__), *spec["argv"]]
    code = 1
    try:
        code = engine_main.main(list(spec["argv"]))
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:  # as the interpreter reports an uncaught exception
        traceback.print_exc()
    try:
        import atexit
        import threading

        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)


def _init(spec: dict[str, Any], fds: list[int], alive: int) -> None:
    """PID 1 of the job's namespaces (runs no config code; see the module's docstring)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        os.read(alive, 1)  # EOF at once if the supervisor died before the line above
    except BlockingIOError:
        pass
    else:
        os._exit(SETUP_FAILED)
    _prctl(PR_SET_DUMPABLE, 0)  # what the job leaves running cannot ptrace its init
    _name("ade-run-init")
    # The job's socket is not passed on; the pipes go where the engine expects them, the
    # rest is closed (moved high first: a source may sit on another's target number).
    _, out, err, events, results, ran = (fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds)
    null = os.open("/dev/null", os.O_RDONLY)
    wanted = ((null, 0), (out, 1), (err, 2), (events, EVENTS_FD), (results, RESULTS_FD), (ran, 5))
    for fd, target in wanted:
        os.dup2(fd, target)
    ran = 5
    os.closerange(6, 65536)
    try:
        os.umask(0o022)
        _build_filesystem(spec)
        _loopback_up()
        socket.sethostname("ade-sandbox")
        os.setsid()
        os.chdir(JOB)
        os.nice(int(spec["nice"]))
        _set_limits(spec["limits"])
        _drop_capabilities()
    except BaseException as exc:
        os.write(2, f"ade-zygote: the job's jail could not be set up: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    os.write(ran, b"r")
    os.close(ran)
    engine = os.fork()
    if engine == 0:
        try:
            os.close(RESULTS_FD)
            _engine(spec)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(SETUP_FAILED)
    os.close(EVENTS_FD)
    status = os.waitpid(engine, 0)[1]
    # Anything config code left behind in this namespace goes now (PID 1's kill(-1) spares it).
    with contextlib.suppress(ProcessLookupError):  # nothing was left
        os.kill(-1, signal.SIGKILL)
    _stream_output()
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def _stream_output() -> None:
    try:
        with os.fdopen(RESULTS_FD, "wb") as out, tarfile.open(fileobj=out, mode="w|") as tar:
            tar.add(os.path.join(JOB, "output"), arcname=".")
    except Exception:
        return


# ----------------------------------------------------------------------- the job's supervisor


def _supervise(zygote: int, spec: dict[str, Any], fds: list[int]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote's SIG_IGN would hide our child
    _name("ade-run")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote:
        os._exit(SETUP_FAILED)
    os.setpgid(0, 0)  # a group of its own, not the zygote's
    job = socket.socket(fileno=fds[0])
    job.send(b"hello")  # the kernel attaches our pid, as the worker sees it
    if job.recv(16) != b"go":
        os._exit(SETUP_FAILED)
    alive_r, alive_w = os.pipe()
    ran_r, ran_w = os.pipe()
    os.set_blocking(alive_r, False)
    _check(libc.unshare(NAMESPACES), "unshare")
    init = os.fork()
    if init == 0:
        try:
            os.close(alive_w)
            os.close(ran_r)
            _init(spec, [*fds, ran_w], alive_r)
        finally:
            os._exit(SETUP_FAILED)
    for fd in (*fds[1:], alive_r, ran_w):
        os.close(fd)
    # Until the init ends; if the worker's end of the run's socket closes first (the process
    # that ran it died: a killed work horse), the run goes with it, as a cold one would.
    ended = os.pidfd_open(init)
    ready, _, _ = select.select([ended, job.fileno()], [], [])
    if ended not in ready:
        os.kill(init, signal.SIGKILL)
    _, status, usage = os.wait4(init, 0)
    ran = os.read(ran_r, 1) == b"r"
    cpu = usage.ru_utime + usage.ru_stime
    report = {"exit": os.waitstatus_to_exitcode(status), "cpu": cpu, "ran": ran}
    with contextlib.suppress(OSError):
        job.send(json.dumps(report).encode())
    os._exit(0)


# ------------------------------------------------------------------------------ the zygote


def _self_test() -> str | None:
    """Build a run's jail once, with nothing in it: what this host refuses (a seccomp profile,
    a kernel without a namespace) shows here, at start, and the worker stays cold, instead of
    failing every run. None when it works, else the reason."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(read_end)
            _check(libc.unshare(NAMESPACES), "unshare")
            init = os.fork()
            if init == 0:
                try:
                    _mount("none", "/", None, MS_REC | MS_PRIVATE)
                    _mount("tmpfs", JOB, "tmpfs", MS_NOSUID | MS_NODEV, "size=65536,mode=0755")
                    _hide_views()
                    _loopback_up()
                    socket.sethostname("ade-sandbox")
                    _drop_capabilities()
                except BaseException as exc:
                    os.write(write_end, str(exc).encode()[:1000])
                    os._exit(SETUP_FAILED)
                os._exit(0)
            os._exit(os.waitstatus_to_exitcode(os.waitpid(init, 0)[1]))
        except BaseException as exc:
            os.write(write_end, str(exc).encode()[:1000])
        finally:
            os._exit(SETUP_FAILED)
    os.close(write_end)
    status = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    with os.fdopen(read_end, "rb") as reasons:
        reason = reasons.read().decode("utf-8", "replace")
    return None if status == 0 else reason or f"the test run exited with {status}"


def serve(control_fd: int) -> None:
    control = socket.socket(fileno=control_fd)
    _name("ade-zygote")
    problem = _self_test()
    if problem is not None:
        control.send(f"failed: {problem}".encode())
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    gc.freeze()  # what is imported stays shared: a run's collections do not copy its pages
    zygote = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    control.send(b"ready")
    while True:
        select.select([control], [], [])
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 8)
        except (BlockingIOError, InterruptedError):
            continue
        if not message:
            return  # the worker is gone
        try:
            spec = json.loads(message)
            if len(fds) != 5:
                raise ValueError(f"a job needs 5 descriptors, got {len(fds)}")
            child = os.fork()
        except Exception:
            child = -1
        if child == 0:
            try:
                control.close()
                _supervise(zygote, spec, fds)
            finally:
                os._exit(SETUP_FAILED)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
