"""The benchmark's report (what :func:`benchmarks.timing.benchmark` returns) as Markdown tables."""

from __future__ import annotations


def markdown(report: dict) -> str:
    """The report as Markdown tables."""
    env = report["environment"]
    lines = [
        f"{report['documents']['count']} documents, {report['documents']['characters']:,} characters, "
        f"batch size {report['batch_size']}, median of {report.get('repeat', 1)} timed pass(es) in rounds, "
        f"{report.get('threads') or 'default'} torch threads; torch {env['torch']}, transformers {env['transformers']}, "
        f"{env['cpu_count']} CPUs, load average {env['load_average'][0]:.2f} before / "
        f"{env.get('load_average_after', [float('nan')])[0]:.2f} after",
        "",
        "| model | system | docs/s | tokens/s | vs pipeline | peak RSS (MB) | RSS after load (MB) "
        "| spans reproduced from pipeline | span F1 vs gold |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in report["models"]:
        for system, r in m["systems"].items():
            agree = m["agreement"].get(f"{system} vs pipeline")
            share = (
                f"{agree['share']:.1%} ({agree['share_after_trim']:.1%} after trim)"
                if agree
                else ("reference" if system == "pipeline" else "n/a")
            )
            ref = m["systems"].get("pipeline")
            speedup = f"{r['docs_per_s'] / ref['docs_per_s']:.2f}x" if ref else "n/a"
            f1 = f"{r['gold_f1']['f1']:.3f}" if "gold_f1" in r else "n/a"
            if "gold_f1_after_trim" in r:
                f1 += f" ({r['gold_f1_after_trim']['f1']:.3f} after trim)"
            lines.append(
                f"| {m['name']} ({r['parameters'] / 1e6:.1f}M, {r['max_length']} tokens) | {system} | "
                f"{r['docs_per_s']:.2f} | {r['tokens_per_s']:,.0f} | {speedup} | {r['peak_rss_mb']:,.0f} | "
                f"{r['rss_after_load_mb']:,.0f} | {share} | {f1} |"
            )
    exported = [m for m in report["models"] if m.get("onnx_export_seconds")]
    if exported:
        times = "; ".join(
            f"{m['name']} " + ", ".join(f"{k} {v:.1f} s" for k, v in m["onnx_export_seconds"].items()) for m in exported
        )
        lines += ["", f"ONNX export before timing, once per checkpoint (0.0 s: already cached): {times}"]
    trained = [m for m in report["models"] if "training" in m]
    if trained:
        lines += [
            "",
            "| model | training steps | batch | samples/s | peak RSS (MB) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for m in trained:
            t = m["training"]
            sps = f"{t['samples_per_s']:.2f}" if t["samples_per_s"] is not None else "n/a"
            lines.append(f"| {m['name']} | {t['max_steps']} | {t['batch_size']} | {sps} | {t['peak_rss_mb']:,.0f} |")
    if "scale" in report:
        lines += [
            "",
            f"scripts/predict.py on {report['scale']['model_dir']}:",
            "",
            "| documents | seconds | peak RSS (MB) |",
            "| ---: | ---: | ---: |",
        ]
        for r in report["scale"]["runs"]:
            lines.append(f"| {r['documents']} ({r['factor']}x) | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines) + "\n"
