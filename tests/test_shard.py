"""Sharded and stopped batch prediction (scripts/predict.py).

Shards are contiguous blocks in input order whose outputs concatenate to the unsharded output byte
for byte; a run stopped by SIGTERM, SIGHUP or Ctrl-C leaves no output and no temporary file, keeps an
older output as it was, and can simply be rerun; the temporary file of a run killed outright is removed
by the rerun.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SCRIPTS, run_script

from indonews.data.io import check_shard, count_input, iter_input, shard_bounds
from indonews.schema import read_jsonl


def _predict_argv(model_dir, *overrides) -> list[str]:
    return [sys.executable, str(SCRIPTS / "predict.py"), f"model_dir={model_dir}", *overrides]


def _shards_argv(model_dir, tmp_path, inp, count, name):
    """All ``count`` shards to ``<name>.<index>.jsonl`` in one Hydra multirun (the imports paid once)."""
    argv = _predict_argv(model_dir, f"input={inp}", f"output={tmp_path / name}" + ".${shard.index}.jsonl")
    argv.insert(2, "--multirun")  # before the overrides
    return argv + [f"shard.count={count}", f"shard.index=range({count})", f"hydra.sweep.dir={tmp_path / name}_runs"]


def _run_together(*argvs):
    """Run the commands at the same time (each pays seconds of imports); fail on the first that fails."""
    procs = [subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for a in argvs]
    done = [(p, *p.communicate(timeout=300)) for p in procs]
    for p, out, err in done:
        assert p.returncode == 0, f"{p.args} failed ({p.returncode}):\n{out[-3000:]}\n{err[-3000:]}"
    return [subprocess.CompletedProcess(p.args, 0, out, err) for p, out, err in done]


def _write_jsonl_input(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" if r else "  \n" for r in rows), encoding="utf-8")


# -- the helpers in indonews.data.io ------------------------------------------------------------------


def test_shards_are_contiguous_and_cover_the_input_once():
    for n in range(12):
        for count in range(1, 9):
            bounds = [shard_bounds(n, k, count) for k in range(count)]
            assert bounds[0][0] == 0 and bounds[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
            sizes = [stop - start for start, stop in bounds]
            assert max(sizes) - min(sizes) <= 1
    assert [shard_bounds(5, k, 3) for k in range(3)] == [(0, 1), (1, 3), (3, 5)]  # [k*N//n, (k+1)*N//n)
    with pytest.raises(ValueError):
        shard_bounds(5, 3, 3)


@pytest.mark.parametrize(
    "index, count, message",
    [
        (3, 3, "shard.index=3: must be an integer in 0..2 (shard.count=3)"),
        (-1, 3, "shard.index=-1: must be an integer in 0..2 (shard.count=3)"),
        (0, 0, "shard.count=0: must be an integer >= 1"),
        (0, -2, "shard.count=-2: must be an integer >= 1"),
        ("one", 2, "shard.index='one': must be an integer in 0..1 (shard.count=2)"),
        (True, 2, "shard.index=True: must be an integer in 0..1 (shard.count=2)"),  # not the integer 1
        (None, 2, "shard.index=None: must be an integer in 0..1 (shard.count=2)"),
        (0, "2", "shard.count='2': must be an integer >= 1"),
        (0, 2.0, "shard.count=2.0: must be an integer >= 1"),
        (0, True, "shard.count=True: must be an integer >= 1"),
        ("one", 0, "shard.count=0: must be an integer >= 1"),  # the count first: the index is read against it
    ],
)
def test_bad_shard_values_are_named_in_one_line(index, count, message):
    with pytest.raises(ValueError) as exc:
        check_shard(index, count)
    assert str(exc.value) == message
    with pytest.raises(ValueError, match="^shard"):
        shard_bounds(10, index, count)  # the bounds follow the same rule


def test_good_shard_values_are_returned_as_given():
    assert check_shard(0, 1) == (0, 1)
    assert [check_shard(k, 4) for k in range(4)] == [(0, 4), (1, 4), (2, 4), (3, 4)]


def test_count_and_slices_agree_with_the_reader(tmp_path):
    inp = tmp_path / "in.jsonl"
    _write_jsonl_input(inp, [{"text": "a"}, None, {"id": "b", "text": "b"}, None, None, {"text": ""}, {"text": "c"}])
    whole = list(iter_input(inp))
    assert count_input(inp) == len(whole) == 4
    assert [d.id for d in whole] == ["line-1", "b", "line-6", "line-7"]  # ids are line numbers, blanks counted
    for start in range(5):
        for stop in range(start, 6):
            assert list(iter_input(inp, start, stop)) == whole[start:stop]

    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.txt", "sub/a.txt", "c.txt"):
        (folder / name).write_text(name, encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    assert count_input(folder) == 3
    assert [d.id for d in iter_input(folder, 1, 3)] == ["c", "sub/a"]


def test_repeated_ids_are_kept_and_warned_about(tmp_path, caplog, monkeypatch):
    from indonews.data import io

    inp = tmp_path / "in.jsonl"
    _write_jsonl_input(inp, [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}, {"id": "a", "text": "z"}])
    with caplog.at_level("WARNING", logger="indonews.data.io"):
        assert [d.id for d in iter_input(inp)] == ["a", "b", "a"]  # the ids given, as given
    assert f"{inp}:3: id 'a' repeats line 1's; its prediction keeps it, so the output repeats it too" in caplog.text
    caplog.clear()
    monkeypatch.setattr(io, "REPEATS_NAMED", 1)
    _write_jsonl_input(inp, [{"id": "a", "text": "x"}] * 4)
    with caplog.at_level("WARNING", logger="indonews.data.io"):
        list(iter_input(inp))
    assert caplog.text.count("repeats line 1's") == 1 and f"{inp}: 3 documents in all repeat an id" in caplog.text


def test_deeply_nested_json_is_a_bad_line_not_a_crash(tmp_path):
    from indonews.schema import CorpusError

    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "x"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"{inp}:2: field '<line>': invalid JSON: nested too deeply"):
        list(iter_input(inp))


# -- scripts/predict.py -------------------------------------------------------------------------------


def test_jsonl_shards_concatenate_to_the_unsharded_output(trained_model, tmp_path, mini_docs):
    inp = tmp_path / "in.jsonl"
    texts = [d.text for d in mini_docs]
    # lines without an id (their ids come from line numbers), blank lines, an empty text
    rows = [{"text": texts[0]}, None, {"id": "x", "text": texts[1]}, {"text": texts[2]}, None, {"text": ""}]
    _write_jsonl_input(inp, rows + [{"text": texts[3]}])
    whole = tmp_path / "whole.jsonl"
    _, three, _ = _run_together(
        _predict_argv(trained_model, f"input={inp}", f"output={whole}", f"hydra.run.dir={tmp_path / 'run'}"),
        _shards_argv(trained_model, tmp_path, inp, 3, "three"),
        _shards_argv(trained_model, tmp_path, inp, 7, "seven"),  # more shards than documents
    )
    assert [d.id for d in read_jsonl(whole)] == ["line-1", "x", "line-4", "line-6", "line-7"]

    parts = [tmp_path / f"three.{k}.jsonl" for k in range(3)]
    assert [len(p.read_text().splitlines()) for p in parts] == [1, 2, 2]
    assert b"".join(p.read_bytes() for p in parts) == whole.read_bytes()
    assert "shard 1 of 3: documents [1, 3) of 5 (counting from 0)" in three.stdout
    assert "2/2 [" in three.stderr  # the progress bar counts the shard, not the whole input

    parts = [tmp_path / f"seven.{k}.jsonl" for k in range(7)]
    assert [len(p.read_text().splitlines()) for p in parts] == [0, 1, 1, 0, 1, 1, 1]  # empty shards: empty files
    assert b"".join(p.read_bytes() for p in parts) == whole.read_bytes()


def test_folder_shards_concatenate_to_the_unsharded_output(trained_model, tmp_path, mini_docs):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(("d.txt", "sub/b.txt", "a.txt", "sub/c.txt")):
        (folder / name).write_text(mini_docs[i].text, encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    _run_together(
        _predict_argv(trained_model, f"input={folder}", f"output={whole}", f"hydra.run.dir={tmp_path / 'run'}"),
        _shards_argv(trained_model, tmp_path, folder, 3, "three"),
    )
    assert [d.id for d in read_jsonl(whole)] == ["a", "d", "sub/b", "sub/c"]
    parts = [tmp_path / f"three.{k}.jsonl" for k in range(3)]
    assert [[d.id for d in read_jsonl(p)] for p in parts] == [["a"], ["d"], ["sub/b", "sub/c"]]
    assert b"".join(p.read_bytes() for p in parts) == whole.read_bytes()


def test_bad_shard_values_stop_with_one_line_and_no_output(trained_model, tmp_path):
    """The script's side of :func:`check_shard` (whose every message is tested above): a string from the
    command line is refused as such, in one line, before any output."""
    inp = tmp_path / "in.jsonl"
    _write_jsonl_input(inp, [{"text": "Presiden Prabowo tiba di Tokyo."}])
    out = tmp_path / "out" / "pred.jsonl"
    proc = run_script(
        "predict",
        f"model_dir={trained_model}",
        f"input={inp}",
        f"output={out}",
        "shard.index=one",
        "shard.count=2",
        f"hydra.run.dir={tmp_path / 'run'}",
        check=False,
    )
    assert proc.returncode == 1
    assert (
        proc.stderr.strip().splitlines()[-1] == "error: shard.index='one': must be an integer in 0..1 (shard.count=2)"
    )
    assert "Traceback" not in proc.stderr
    assert not out.parent.exists()


def _wait_for_partial_output(folder, proc, timeout=120.0):
    """The temporary output once predictions are being written to it (the run is really working)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"predict.py ended (status {proc.returncode}) before it could be stopped")
        tmp = [p for p in folder.glob(".pred.jsonl.*.tmp") if p.stat().st_size > 0]
        if tmp:
            return tmp[0]
        time.sleep(0.02)
    raise AssertionError("predict.py wrote no predictions in time")


def _as_from_a_terminal():
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _stop_while_writing(argv, folder, signum, console):
    """Start ``argv``, send ``signum`` once it is writing predictions; its exit status and temporary file."""
    with open(console, "w") as fh:
        proc = subprocess.Popen(
            argv,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            # as from a terminal: a shell may start background jobs with SIGINT ignored, and nohup ignores SIGHUP;
            # an ignored signal stays ignored (as the user asked), so the test would see the run finish
            preexec_fn=_as_from_a_terminal,
        )
        try:
            tmp = _wait_for_partial_output(folder, proc)
            proc.send_signal(signum)
            return proc.wait(timeout=60), tmp
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_stopped_run_leaves_no_output_and_can_be_rerun(trained_model, tmp_path, mini_docs):
    """SIGTERM, SIGHUP and Ctrl-C: no output, no temporary, the old output kept; SIGKILL leaves the
    temporary, which the rerun removes (and nothing of the user's that looks like one)."""
    n_docs = 40
    inp = tmp_path / "in.jsonl"
    _write_jsonl_input(inp, [{"text": mini_docs[i % len(mini_docs)].text} for i in range(n_docs)])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "pred.jsonl"
    out.write_text("an older output\n", encoding="utf-8")
    # batch_size=1 keeps it busy for seconds after its first lines, so the signal comes while it writes
    argv = _predict_argv(trained_model, f"input={inp}", f"output={out}", f"hydra.run.dir={tmp_path / 'run'}")
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        console = tmp_path / f"{signum.name}.txt"
        status, tmp = _stop_while_writing(argv + ["batch_size=1"], out_dir, signum, console)
        text = console.read_text()
        assert status == 128 + signum, text[-3000:]
        assert f"stopped by {signum.name}" in text and "Traceback" not in text
        assert not tmp.exists()
        assert [p.name for p in out_dir.iterdir()] == ["pred.jsonl"]  # no temporary file left behind
        assert out.read_text(encoding="utf-8") == "an older output\n"

    status, tmp = _stop_while_writing(argv + ["batch_size=1"], out_dir, signal.SIGKILL, tmp_path / "KILL.txt")
    assert status == -signal.SIGKILL and tmp.exists()  # nothing can clean up after SIGKILL
    (out_dir / ".pred.jsonl.mine.tmp").write_text("a user's file that looks like a temporary")
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, timeout=300)  # the rerun completes
    assert [d.id for d in read_jsonl(out)] == [f"line-{i}" for i in range(1, n_docs + 1)]
    assert sorted(p.name for p in out_dir.iterdir()) == [".pred.jsonl.mine.tmp", "pred.jsonl"]  # the killed one's swept
