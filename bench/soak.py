"""Soak: train with the live views open for a long time and sample resident memory every minute.

    QT_QPA_PLATFORM=offscreen python bench/soak.py --minutes 60
    python bench/soak.py --minutes 5 --lab training            # the dashboard alone
    python bench/soak.py --minutes 60 --lab cnn --tab "Live training" --lab training

Each --lab (with an optional --tab of that lab, chosen by its visible title) is opened in the real
window and started through Run > Play; the labs then take turns on screen, a few seconds each, so
every lab's live views keep drawing. Prints RSS (MB) once a minute and, at the end, the growth
after the first --warmup minutes (target: under 50 MB after the first 5 minutes).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return 0.0
    import os
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def select_tab(root, title: str) -> bool:
    from PySide6.QtWidgets import QTabWidget
    for tabs in root.findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == title:
                tabs.setCurrentIndex(i)
                return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before growth is counted")
    parser.add_argument("--lab", action="append", help="lab key (repeatable); default: cnn and training")
    parser.add_argument("--tab", action="append", default=[], help="tab title to open in the matching --lab")
    parser.add_argument("--switch", type=float, default=5.0, help="seconds each lab stays on screen")
    args = parser.parse_args()
    labs = args.lab or ["cnn", "training"]
    tabs = dict(zip(labs, args.tab)) if args.tab else ({"cnn": "Live training"} if "cnn" in labs else {})

    from PySide6.QtWidgets import QApplication

    from visualdl.ui.app import create_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx, window = create_window(Path(tempfile.mkdtemp()) / "soak-settings.ini", None)
    window.resize(1280, 800)
    window.show()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    for key in labs:
        lab = window.show_lab(key)
        if lab is None:
            raise SystemExit(f"unknown lab {key!r}")
        if key in tabs and not select_tab(lab, tabs[key]):
            raise SystemExit(f"lab {key!r} has no tab {tabs[key]!r}")
        pump(3.0)  # let it load its data on the worker
        window.play_action.trigger()
        pump(1.0)

    t0 = time.monotonic()
    samples = [(0.0, rss_mb())]
    print(f"minute  RSS MB   (labs {labs}, tabs {tabs})", flush=True)
    print(f"{0:6.1f}  {samples[0][1]:7.1f}", flush=True)
    i = 0
    next_sample = t0 + 60
    while time.monotonic() - t0 < args.minutes * 60:
        window.show_lab(labs[i % len(labs)])
        i += 1
        pump(min(args.switch, max(0.05, next_sample - time.monotonic())))
        if time.monotonic() >= next_sample:
            minute = (time.monotonic() - t0) / 60
            samples.append((minute, rss_mb()))
            print(f"{minute:6.1f}  {samples[-1][1]:7.1f}", flush=True)
            next_sample += 60
    after = [mb for minute, mb in samples if minute >= args.warmup]
    if len(after) >= 2:
        growth = max(after) - after[0]
        print(f"growth after minute {args.warmup:g}: {growth:.1f} MB (max {max(after):.1f}, "
              f"at minute {args.warmup:g}: {after[0]:.1f}); target < 50 MB -> {'ok' if growth < 50 else 'FAILED'}")
    window.close()
    pump(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
