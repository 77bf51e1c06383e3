"""The shared output helpers (indonews.outputs): what every file and directory the package writes can rely on.

An output is checked before the work (never the input itself, never a directory or a read-only file, its
folder writable), appears whole or not at all, gets the user's umask, and leaves nothing behind when
stopped by Ctrl-C, SIGTERM or SIGHUP; what a run killed outright left is swept by the next run writing
the same output, and nothing else is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import ROOT, run_script

from indonews import outputs
from indonews.outputs import OutputError, atomic_dir, atomic_file, check_output, sweep_stale, write_text
from indonews.schema import Document, write_jsonl


def names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def umask():
    """Set the process umask for a test, and put the old one back."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


# -- output equal to input --------------------------------------------------------------------------


def test_the_input_is_refused_as_output_also_through_a_symlink_a_relative_path_or_a_hard_link(tmp_path, monkeypatch):
    inp = tmp_path / "s.jsonl"
    inp.write_text('{"id": "a", "text": "x", "other": 1}\n')
    (tmp_path / "link.jsonl").symlink_to(inp)
    os.link(inp, tmp_path / "hard.jsonl")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for out in (inp, tmp_path / "link.jsonl", "../s.jsonl", tmp_path / "sub" / ".." / "s.jsonl", "../hard.jsonl"):
        with pytest.raises(OutputError, match="is the input .*choose another output"):
            check_output(out, inputs=[inp])
    for inp_as in ("../s.jsonl", tmp_path / "link.jsonl"):  # the input given through a link or relative path
        with pytest.raises(OutputError, match="is the input"):
            check_output(inp, inputs=[inp_as])
    assert check_output(tmp_path / "out.jsonl", inputs=[inp, None]) == tmp_path / "out.jsonl"
    assert inp.read_text() == '{"id": "a", "text": "x", "other": 1}\n'


# -- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640), (0o002, 0o664)])
def test_files_get_the_users_umask_not_mkstemps_0600(tmp_path, umask, mask, mode):
    umask(mask)
    out = tmp_path / "out.jsonl"
    write_jsonl([Document("a", "x")], out)
    assert out.stat().st_mode & 0o777 == mode
    out.chmod(0o600 if mode != 0o600 else 0o644)  # replacing a file of other permissions gives the umask's
    write_text(out, "again\n")
    assert out.stat().st_mode & 0o777 == mode


def test_directories_get_the_users_umask(tmp_path, umask):
    umask(0o027)
    with atomic_dir(tmp_path / "model") as staging:
        (staging / "config.json").write_text("{}")
    assert (tmp_path / "model").stat().st_mode & 0o777 == 0o750


def test_a_read_only_output_is_refused_not_replaced_silently(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("mine\n")
    out.chmod(0o444)
    with pytest.raises(OutputError, match="read-only; make it writable .* or remove it"):
        write_text(out, "new\n")
    assert out.read_text() == "mine\n" and names(tmp_path) == ["out.jsonl"]


# -- output paths, checked before the work ----------------------------------------------------------


def test_bad_output_paths_are_one_line_errors(tmp_path):
    (tmp_path / "file.jsonl").write_text("x\n")
    (tmp_path / "dir").mkdir()
    cases = {
        tmp_path / "dir": "is a directory; give a file name",
        tmp_path / "file.jsonl" / "x.jsonl": "file.jsonl is a file, not a folder",
        tmp_path / "file.jsonl" / "deeper" / "x.jsonl": "file.jsonl is a file, not a folder",
    }
    for out, message in cases.items():
        with pytest.raises(OutputError, match=message) as err:
            check_output(out)
        assert "\n" not in str(err.value)
    with pytest.raises(OutputError, match="is a file, not a directory"):
        check_output(tmp_path / "file.jsonl", directory=True)
    assert check_output(tmp_path / "new" / "deeper" / "x.jsonl")  # folders to be made are fine
    assert names(tmp_path) == ["dir", "file.jsonl"]  # checking writes nothing


def test_an_unwritable_folder_is_named_before_any_work(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: ask as a user would be answered
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(folder) else real(p, mode))
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=f"cannot write .*: no permission to write in {folder}"):
            check_output(folder / "out.jsonl")
        with pytest.raises(OutputError, match="no permission"):
            write_jsonl(iter(pytest.fail, None), folder / "out.jsonl")  # refused before a document is asked for
    finally:
        folder.chmod(0o755)


# -- whole or nothing -------------------------------------------------------------------------------


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")

    def docs():
        yield Document("a", "x")
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        write_jsonl(docs(), out)
    assert out.read_text() == "old\n" and names(tmp_path) == ["out.jsonl"]
    with atomic_file(out, "wb") as fh:
        fh.write(b"new\n")
        assert names(tmp_path)[0].startswith(".out.jsonl.") and names(tmp_path)[0].endswith(".tmp")
    assert out.read_bytes() == b"new\n" and names(tmp_path) == ["out.jsonl"]


def test_a_directory_is_swapped_in_whole_and_a_failure_keeps_the_old_one(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as staging:
        (staging / "a").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as staging:
            (staging / "b").write_text("2")
            raise RuntimeError("disk full")
    assert names(target) == ["a"] and names(tmp_path) == ["model"]
    with atomic_dir(target) as staging:
        (staging / "b").write_text("2")
    assert names(target) == ["b"] and names(tmp_path) == ["model"]  # replaced whole: no marker, no backup left


def test_staging_and_backup_names_are_the_runs_own_and_look_alikes_are_never_touched(tmp_path):
    target = tmp_path / "fresh"
    for name in (".fresh.old", ".fresh.partial", ".fresh.abcd1234.old", ".fresh.abcd1234.partial"):
        (tmp_path / name).mkdir()  # a user's folders that look like ours, without our marker
        (tmp_path / name / "keep.txt").write_text("mine")
    (tmp_path / ".fresh.json.abcd1234.tmp").write_text("another output's")
    seen = []
    with atomic_dir(target) as staging:
        seen.append(staging.name)
        (staging / "a").write_text("1")
    with atomic_dir(target) as staging:  # an existing target: moved aside under a name of this run, then removed
        seen.append(staging.name)
    assert all(
        n.startswith(".fresh.") and n.endswith(".partial") and len(n) == len(".fresh.12345678.partial") for n in seen
    )
    assert seen[0] != seen[1]
    for name in (".fresh.old", ".fresh.partial", ".fresh.abcd1234.old", ".fresh.abcd1234.partial"):
        assert (tmp_path / name / "keep.txt").read_text() == "mine"
    assert (tmp_path / ".fresh.json.abcd1234.tmp").exists()


# -- stopped and killed runs ------------------------------------------------------------------------

WRITER = """
import os, signal, sys, time
from indonews.outputs import Terminated, atomic_dir, atomic_file, stop_on_signals
kind, out, ready = sys.argv[1:4]
try:
    with stop_on_signals():
        if kind == "file":
            with atomic_file(out) as fh:
                fh.write("half of it")
                fh.flush()
                open(ready, "w").close()
                time.sleep(60)
        else:
            with atomic_dir(out) as staging:
                (staging / "weights").write_text("half of it")
                open(ready, "w").close()
                time.sleep(60)
except Terminated as exc:
    print("stopped by", signal.Signals(exc.signum).name)
    sys.exit(128 + exc.signum)
"""


def start_writer(tmp_path, kind, out, ignore_hup=False):
    ready = tmp_path / "ready"
    ready.unlink(missing_ok=True)

    def pre():  # a shell may start background jobs with SIGINT ignored; Python would then ignore Ctrl-C too
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_IGN if ignore_hup else signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), kind, str(out), str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=pre,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    ready.unlink()
    return proc


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("kind", ["file", "dir"])
def test_sighup_and_sigterm_unwind_like_ctrl_c_and_leave_nothing(tmp_path, kind, signum):
    out = tmp_path / ("out.jsonl" if kind == "file" else "model")
    proc = start_writer(tmp_path, kind, out)
    assert len(names(tmp_path)) == 1  # the temporary, while it writes
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    if signum == signal.SIGINT:
        assert proc.returncode == -signal.SIGINT and "KeyboardInterrupt" in stderr  # Python ends by the signal
    else:
        assert proc.returncode == 128 + signum and f"stopped by {signum.name}" in stdout, stderr
    assert names(tmp_path) == []


def test_an_ignored_sighup_stays_ignored(tmp_path):
    proc = start_writer(tmp_path, "file", tmp_path / "out.jsonl", ignore_hup=True)  # as under nohup
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and names(tmp_path) == []


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_what_a_killed_run_left_is_swept_by_the_next_run_and_a_live_runs_work_is_not(tmp_path, kind):
    out = tmp_path / ("out.jsonl" if kind == "file" else "model")
    killed = start_writer(tmp_path, kind, out)
    killed.kill()  # SIGKILL: no clean-up can run
    killed.communicate()
    (left,) = names(tmp_path)
    live = start_writer(tmp_path, kind, out)  # a second run starting now sweeps the first one's
    assert left not in names(tmp_path) and len(names(tmp_path)) == 1
    (working,) = names(tmp_path)
    assert sweep_stale(out) == [] and names(tmp_path) == [working]  # a live run's temporary stays
    live.terminate()
    live.communicate()
    assert names(tmp_path) == []


def test_a_sweep_between_creation_and_lock_cannot_take_a_live_file(tmp_path, monkeypatch):
    # The window a sweep could hit: the temporary exists, its lock is not taken yet. A sweep then removes
    # it, and the writer, seeing its file gone, makes another.
    real_lock, swept = outputs._lock, []

    def sweep_first(fd):
        if not swept:
            swept.extend(sweep_stale(tmp_path / "out.jsonl"))
        real_lock(fd)

    monkeypatch.setattr(outputs, "_lock", sweep_first)
    write_text(tmp_path / "out.jsonl", "whole\n")
    assert len(swept) == 1 and (tmp_path / "out.jsonl").read_text() == "whole\n" and names(tmp_path) == ["out.jsonl"]


# -- the scripts check their output before the work -------------------------------------------------


def test_predict_refuses_a_bad_output_in_one_line_before_the_model_loads(tmp_path):
    inp = tmp_path / "s.jsonl"
    inp.write_text('{"id": "a", "text": "Presiden Prabowo tiba.", "source": "kept"}\n')
    (tmp_path / "link.jsonl").symlink_to(inp)
    (tmp_path / "outdir").mkdir()
    cases = {  # model_dir does not exist: each error must come before the model is looked for
        "s.jsonl": "is the input",
        str(tmp_path / "link.jsonl"): "is the input",
        str(tmp_path / "outdir"): "is a directory; give a file name",
        str(inp / "x.jsonl"): "s.jsonl is a file, not a folder",
    }
    for out, message in cases.items():
        proc = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "predict.py"), "model_dir=/nonexistent/model", f"input={inp}",
             f"output={out}", f"hydra.run.dir={tmp_path / 'run'}"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert proc.stderr.strip().splitlines()[-1].startswith("error: ") and message in proc.stderr
    assert inp.read_text() == '{"id": "a", "text": "Presiden Prabowo tiba.", "source": "kept"}\n'
    assert not list((tmp_path / "outdir").iterdir())
    proc = run_script("convert", str(inp), str(tmp_path / "link.jsonl"), check=False)
    assert proc.returncode == 2 and "is the input" in proc.stderr
