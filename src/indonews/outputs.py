"""Outputs written whole or not at all, with the user's permissions, checked before the work starts.

Every file and directory the package writes goes through one of two helpers:

>>> from indonews.outputs import atomic_dir, atomic_file          # doctest: +SKIP
>>> with atomic_file("out.jsonl") as fh:                           # doctest: +SKIP
...     fh.write(line)
>>> with atomic_dir("models/tiny") as staging:                     # doctest: +SKIP
...     model.save_pretrained(staging)

A file is written to ``.<name>.<random>.tmp`` beside it and renamed over it at the end. A directory is
built in ``.<name>.<random>.partial`` and swapped in with two renames: the old one is moved to
``.<name>.<random>.old`` (the same random part) and removed after. Readers see the old output or the new
one, never half of one; an exception (Ctrl-C, and SIGTERM or SIGHUP under :func:`stop_on_signals`)
removes what was written aside and leaves the old output as it was.

Those names belong to the run that made them: it holds a lock (``flock``) on each while it works, and a
directory carries a marker file until it is in place. A run killed outright (SIGKILL, out of memory, a
power cut) cannot clean up, so the next run writing the same output removes what such a run left, and
nothing else: not the work of a run still going, not a file or folder of the user's that looks alike.

New outputs get what ``open()`` and ``mkdir()`` give under the user's umask, not ``mkstemp``'s
owner-only 0600. :func:`check_output` says in one line why an output cannot be written, before any work.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so nothing left by a killed run is swept
    fcntl = None

MARKER = ".indonews-owner"  # in a directory of ours that is not in place yet (staging, or an old one going)
FILE_SUFFIX, STAGING_SUFFIX, OLD_SUFFIX = ".tmp", ".partial", ".old"
STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # what stop_on_signals turns into Terminated (Ctrl-C already raises)
log = logging.getLogger(__name__)


class OutputError(ValueError):
    """An output that cannot be written where it is asked for; the message is one line naming it."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP as an exception (:func:`stop_on_signals`), so ``finally`` clauses run as on Ctrl-C."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


# -- checks -----------------------------------------------------------------------------------------


def check_output(
    path: str | os.PathLike, inputs: Iterable[str | os.PathLike | None] = (), directory: bool = False
) -> Path:
    """``path`` as a Path if an output (a file, or a directory with ``directory``) can be written there.

    Else :class:`OutputError` with one line: ``path`` is one of ``inputs`` (also through a symlink, a
    relative path or a hard link), a directory where a file goes or a file where a directory goes, a
    read-only file that would be replaced silently, or its folder is a file or cannot be written in.
    Cheap: call it before loading a model, so a bad output costs no work.

    >>> check_output("/etc", directory=False)
    Traceback (most recent call last):
    ...
    indonews.outputs.OutputError: output /etc is a directory; give a file name
    """
    p = Path(path)
    for inp in inputs:
        if inp is None:
            continue
        q = Path(inp)
        if p.resolve() == q.resolve() or (p.exists() and q.exists() and os.path.samefile(p, q)):
            raise OutputError(f"output {p} is the input {q}: writing it would replace the input; choose another output")
    if p.is_dir() and not directory:
        raise OutputError(f"output {p} is a directory; give a file name")
    if directory and p.exists() and not p.is_dir():
        raise OutputError(f"output {p} is a file, not a directory")
    if not directory and p.exists() and not p.stat().st_mode & stat.S_IWUSR:
        raise OutputError(f"output {p} is read-only; make it writable (chmod u+w) or remove it, to replace it")
    folder = Path(os.path.abspath(p)).parent
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {p}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {p}: no permission to write in {folder}")
    return p


# -- files ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write by name (``savefig``, ``onnx.save``); renamed over ``path``
    when the block ends, removed when it raises. :func:`atomic_file` is the same with an open file."""
    target = check_output(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    fd, tmp = _new_file(target)
    try:
        os.fchmod(fd, 0o666 & ~umask())
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)  # releases the lock: the temporary file is gone by now, renamed or removed


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """An open file that becomes ``path`` when the block ends, in one rename; nothing changes if it raises."""
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else encoding) as fh:
        yield fh


def write_text(path: str | os.PathLike, text: str) -> Path:
    """``text`` as ``path``'s whole content (UTF-8), written atomically."""
    with atomic_file(path) as fh:
        fh.write(text)
    return Path(path)


# -- directories ------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """A staging directory beside ``path`` to fill; it replaces ``path`` when the block ends (an existing
    ``path`` is moved aside first and removed after), and is removed when the block raises."""
    target = check_output(path, directory=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    fd, staging = _new_dir(target, STAGING_SUFFIX)
    try:
        yield staging
        _swap_in(staging, target)
    finally:
        if staging.is_dir():  # not swapped in: the block or the swap failed
            shutil.rmtree(staging, ignore_errors=True)
        os.close(fd)


@contextlib.contextmanager
def scratch_dir(path: str | os.PathLike) -> Iterator[Path]:
    """A private work directory beside ``path`` (which it never touches), removed when the block ends."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    fd, work = _new_dir(target, STAGING_SUFFIX)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        os.close(fd)


def _swap_in(staging: Path, target: Path) -> None:
    (staging / MARKER).unlink()  # from here on it is the output, not ours to sweep
    old, fd = None, None
    if target.exists() or target.is_symlink():
        old = staging.with_name(staging.name.removesuffix(STAGING_SUFFIX) + OLD_SUFFIX)  # as unique as staging
        os.replace(target, old)
        if not old.is_symlink():  # a link is removed, never what it points to
            fd = os.open(old, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            _lock(fd)
            (old / MARKER).touch()  # ours now: swept if this run dies before it is removed
    try:
        try:
            os.replace(staging, target)
        except BaseException:
            if old is not None:
                if fd is not None:
                    (old / MARKER).unlink(missing_ok=True)
                os.replace(old, target)
            raise
        if old is not None and old.is_symlink():
            old.unlink()
        elif old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if fd is not None:
            os.close(fd)


# -- what a killed run left -------------------------------------------------------------------------


def sweep_stale(path: str | os.PathLike) -> list[Path]:
    """Remove the temporaries of ``path`` that a killed run left beside it; returns what was removed.

    Only names this module makes for ``path`` count, and of those only the ones no live run holds: a
    file whose lock can be taken, a directory with the marker whose lock can be taken (an old directory
    on its way out only while ``path`` itself is in place, else it is the only copy and stays).
    """
    target = Path(path)
    names = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}({'|'.join(map(re.escape, _SUFFIXES))})")
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = names.fullmatch(entry.name)
        if not match:
            continue
        suffix, cand = match.group(1), Path(entry.path)
        if suffix == FILE_SUFFIX:
            gone = _sweep_file(cand)
        else:
            gone = (suffix == STAGING_SUFFIX or target.exists()) and _sweep_dir(cand)
        if gone:
            log.info("removed %s, left by a run that was killed before it could clean up", cand)
            removed.append(cand)
    return removed


_SUFFIXES = (FILE_SUFFIX, STAGING_SUFFIX, OLD_SUFFIX)


def _sweep_file(cand: Path) -> bool:
    try:
        fd = os.open(cand, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False  # a symlink named like ours is not ours; a vanished one is gone already
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _try_lock(fd):
            return False
        if not _same(st, cand):
            return False
        cand.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _sweep_dir(cand: Path) -> bool:
    if cand.is_symlink() or not (cand / MARKER).is_file():
        return False
    try:
        fd = os.open(cand, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not _try_lock(fd) or not _same(st, cand) or not (cand / MARKER).is_file():
            return False
        shutil.rmtree(cand, ignore_errors=True)
        return not cand.exists()
    finally:
        os.close(fd)


def _same(st: os.stat_result, path: Path) -> bool:
    try:
        return os.path.samestat(st, os.lstat(path))
    except OSError:
        return False


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting: True when it was free (no live run holds the file or directory)."""
    if fcntl is None:
        return False  # cannot tell a live run's work from a dead one's: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            log.debug("flock: %s", exc)  # a file system without locks: leave it
        return False


def _lock(fd: int) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a sweep looks at it
    except OSError as exc:  # a file system without locks: nothing to protect it from sweeps there either
        log.debug("flock: %s", exc)


def _new_file(target: Path) -> tuple[int, Path]:
    """A new, locked temporary file beside ``target``: ``(fd, path)``."""
    while True:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=FILE_SUFFIX, dir=target.parent)
        _lock(fd)
        if _same(os.fstat(fd), Path(name)):
            return fd, Path(name)
        os.close(fd)  # a sweep took it between its creation and the lock: make another


def _new_dir(target: Path, suffix: str) -> tuple[int, Path]:
    """A new, locked and marked directory beside ``target`` with the user's permissions: ``(fd, path)``."""
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent))
    fd = os.open(work, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    _lock(fd)  # before the marker: a sweep never sees a marked directory that is not locked while its run lives
    (work / MARKER).touch()
    os.chmod(work, 0o777 & ~umask())
    return fd, work


def umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux), as threads may be writing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- signals ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` (a BaseException, as KeyboardInterrupt).

    Python's default for both ends the process on the spot, ``finally`` clauses unrun, which would leave
    temporaries behind; as an exception they unwind the stack. A signal the process ignores (``nohup``
    ignores SIGHUP) stays ignored, and the previous handlers come back after the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers
        return

    def raise_terminated(signum, frame):
        raise Terminated(signum)

    previous = {}
    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
