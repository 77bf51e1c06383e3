"""Publish a trained model: python scripts/publish.py model_dir=models/tiny publish_dir=/tmp/indonews-tiny

Writes a self-contained checkpoint (weights, tokenizer, labels, relations/, metrics.json) with a Hugging
Face model card whose numbers come from the saved evaluation. ``hub.push=true hub.repo_id=org/name``
then uploads it; that is a dry run (files and sizes, nothing sent) unless ``hub.dry_run=false``.
``model_dir=null`` pushes an already published ``publish_dir``.
"""

from __future__ import annotations

import _common
import hydra
from omegaconf import DictConfig

from indonews.publish import CardOptions, PublishError, publish, push_to_hub


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@hydra.main(config_path=_common.CONFIGS, config_name="publish", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> None:
    _common.setup_logging()
    hub = cfg.hub
    if hub.push and not hub.repo_id:
        raise SystemExit("error: hub.push=true needs hub.repo_id=org/name")
    try:
        if cfg.model_dir is not None:
            card = CardOptions(**_common.plain(cfg.card), repo_id=hub.repo_id)
            out = publish(cfg.model_dir, cfg.publish_dir, card, overwrite=cfg.overwrite, root=cfg.paths.root_dir)
            print(f"published {cfg.model_dir} -> {out}")
        elif not hub.push:
            raise SystemExit("error: model_dir=null publishes nothing; add hub.push=true to upload publish_dir")
        if hub.push:
            plan = push_to_hub(cfg.publish_dir, hub.repo_id, hub.dry_run, hub.private, hub.commit_message)
            verb = "would upload" if hub.dry_run else "uploaded"
            print(
                f"{verb} {len(plan)} files ({_size(sum(n for _, n in plan))}) to https://huggingface.co/{hub.repo_id}"
            )
            for path, n in plan:
                print(f"  {_size(n):>9}  {path}")
            if hub.dry_run:
                print("dry run: nothing was sent; hub.dry_run=false uploads")
    except PublishError as exc:
        raise SystemExit(f"error: {exc}") from None
    return None


if __name__ == "__main__":
    main()
