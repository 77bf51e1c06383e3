"""Look at documents: python scripts/render.py input=predictions.jsonl output=page.html

Writes one self-contained HTML page (inline CSS, escaped text) with every LEADER, VENUE and DATE
highlighted and each article's meetings below it. The input is any annotation-format JSONL: what
predict.py writes, or a gold corpus file (``input=data/dev.jsonl``), whose meetings are assembled from
its relations. ``screenshot=page.png`` also photographs the page with headless Chromium.
"""

from __future__ import annotations

import logging
from pathlib import Path

import _common
import hydra
from omegaconf import DictConfig

from indonews.outputs import check_output
from indonews.render import read_pages, screenshot, write_page

log = logging.getLogger("render")


@hydra.main(config_path=_common.CONFIGS, config_name="render", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> str:
    _common.setup_logging()
    check_output(cfg.output, inputs=[cfg.input])
    pages = read_pages(cfg.input, cfg.limit)
    out = write_page(pages, cfg.output, cfg.title or Path(cfg.input).name)
    log.info("%d documents rendered to %s", len(pages), out)
    if cfg.screenshot:
        png = screenshot(out, cfg.screenshot, tuple(cfg.screenshot_size))
        log.info("screenshot: %s", png)
    return str(out)


if __name__ == "__main__":
    main()
