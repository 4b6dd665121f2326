"""Soak: train with the live views open for a long time and sample resident memory every minute.

    QT_QPA_PLATFORM=offscreen python bench/soak.py --minutes 60
    python bench/soak.py --minutes 5 --lab training            # the dashboard alone
    python bench/soak.py --minutes 60 --lab cnn --tab "Live training" --lab training

Each --lab (with an optional --tab of that lab, chosen by its visible title) is opened in the real
window and started through Run > Play; the labs then take turns on screen, a few seconds each, so
every lab's live views keep drawing. Prints RSS (MB) once a minute, the lowest RSS seen during
that minute (sampled every few seconds: a CNN step's temporaries come and go by 50 MB and more,
what memory keeps shows in the floor) and each lab's iterations so far; at the end, the growth
after the first --warmup minutes (target: under 50 MB after the first 5 minutes) and iterations/s.
--report-objects also prints the Python allocation sites that grew most after the warm-up.
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


def growth_report(samples: list[tuple[float, float, float]], warmup: float, target: float = 50.0) -> list[str]:
    """The growth after ``warmup`` minutes, three ways, each against ``target`` MB.

    samples: (minute, RSS at the minute, floor of that minute). The first two lines compare the highest
    value after the warm-up with the single sample at the warm-up minute, as the soak always has; one
    low sample there inflates them. The third compares the highest floor with the median floor of the
    five minutes from the warm-up on: a steadier start level, the same worst end."""
    lines = []
    for column, what in ((1, "RSS at each minute"), (2, "floor (lowest RSS of each minute: memory kept, "
                                                          "not a training step's temporaries)")):
        after = [s[column] for s in samples if s[0] >= warmup]
        if len(after) >= 2:
            growth = max(after) - after[0]
            lines.append(f"growth after minute {warmup:g}, {what}: {growth:.1f} MB (max {max(after):.1f}, at minute "
                         f"{warmup:g}: {after[0]:.1f}); target < {target:g} MB -> "
                         f"{'ok' if growth < target else 'FAILED'}")
    start = sorted(s[2] for s in samples if warmup <= s[0] < warmup + 5)
    after = [s[2] for s in samples if s[0] >= warmup]
    if len(start) >= 3 and len(after) > len(start):
        base = start[len(start) // 2]
        growth = max(after) - base
        lines.append(f"growth of the floor over its median of minutes {warmup:g}-{warmup + 5:g} ({base:.1f}): "
                     f"{growth:.1f} MB (max {max(after):.1f}); target < {target:g} MB -> "
                     f"{'ok' if growth < target else 'FAILED'}")
    return lines


def run_logs(lab) -> list:
    """The RunLogs (training histories) shown by ``lab`` and its tabs: their lengths count iterations."""
    from PySide6.QtWidgets import QWidget

    logs = []
    for widget in [lab, *lab.findChildren(QWidget)]:
        log = getattr(widget, "log", None)
        if log is not None and hasattr(log, "iterations") and all(log is not other for other in logs):
            logs.append(log)
    return logs


def iterations(lab) -> int:
    return sum(int(log.iterations["iteration"][-1]) if len(log) else 0 for log in run_logs(lab))


def playing(lab) -> bool:
    """Whether a play button of ``lab`` says "Pause" (it is training)."""
    from PySide6.QtWidgets import QPushButton
    return any(b.text().replace("&", "") == "Pause" for b in lab.findChildren(QPushButton))


def start_playing(window, lab, key: str, pump, timeout: float = 300.0) -> None:
    """Run > Play once the lab has loaded its data and built its model (Play before that is refused
    or toggles back), then wait for its first iterations."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not playing(lab):
            window.play_action.trigger()
        pump(3.0)
        if playing(lab) and iterations(lab) > 0:
            return
    raise SystemExit(f"lab {key!r} did not start training within {timeout:g} s")


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
    parser.add_argument("--report-objects", action="store_true",
                        help="trace Python allocations after the warm-up and print the lines that grew most")
    args = parser.parse_args()
    labs = args.lab or ["cnn", "training"]
    tabs = dict(zip(labs, args.tab)) if args.tab else ({"cnn": "Live training"} if "cnn" in labs else {})

    from PySide6.QtWidgets import QApplication

    from visualdl.ui.app import create_window
    from visualdl.ui.gc_guard import heap_stats_mb

    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx, window = create_window(Path(tempfile.mkdtemp()) / "soak-settings.ini", None)
    window.resize(1280, 800)
    window.show()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    opened = {}
    for key in labs:
        lab = opened[key] = window.show_lab(key)
        if lab is None:
            raise SystemExit(f"unknown lab {key!r}")
        if key in tabs and not select_tab(lab, tabs[key]):
            raise SystemExit(f"lab {key!r} has no tab {tabs[key]!r}")
        start_playing(window, lab, key, pump)

    t0 = time.monotonic()
    samples = [(0.0, rss_mb(), rss_mb())]  # (minute, RSS at the minute, lowest RSS seen during that minute)
    print(f"minute  RSS MB  floor MB   (labs {labs}, tabs {tabs}; C heap MB: in use / free held / mmapped)",
          flush=True)
    print(f"{0:6.1f}  {samples[0][1]:6.1f}  {samples[0][2]:8.1f}", flush=True)
    i = 0
    next_sample = t0 + 60
    floor = samples[0][1]
    traced = None
    while time.monotonic() - t0 < args.minutes * 60:
        window.show_lab(labs[i % len(labs)])
        i += 1
        pump(min(args.switch, max(0.05, next_sample - time.monotonic())))
        now_mb = rss_mb()
        floor = min(floor, now_mb)
        if time.monotonic() >= next_sample:
            minute = (time.monotonic() - t0) / 60
            samples.append((minute, now_mb, floor))
            floor = now_mb
            its = "  ".join(f"{key} it {iterations(lab):,}" for key, lab in opened.items())
            heap = heap_stats_mb()
            heap_text = f"   heap {heap[0]:.1f} / {heap[1]:.1f} / {heap[2]:.1f}" if heap else ""
            print(f"{minute:6.1f}  {now_mb:6.1f}  {samples[-1][2]:8.1f}   {its}{heap_text}", flush=True)
            next_sample += 60
            if args.report_objects and traced is None and minute >= args.warmup:
                import tracemalloc
                tracemalloc.start(1)
                traced = tracemalloc.take_snapshot()
    for line in growth_report(samples, args.warmup):
        print(line)
    elapsed = time.monotonic() - t0
    for key, lab in opened.items():
        n = iterations(lab)
        print(f"{key}: {n:,} iterations in {elapsed / 60:.1f} min ({n / elapsed:.1f} it/s overall)")
    if traced is not None:
        import tracemalloc
        diff = tracemalloc.take_snapshot().compare_to(traced, "lineno")
        print("Python allocations that grew most since the warm-up (tracemalloc):")
        for stat in diff[:15]:
            print(f"  {stat.size_diff / 2**20:+8.2f} MB {stat.count_diff:+9,d} blocks  {stat.traceback[0]}")
        tracemalloc.stop()
    window.close()
    pump(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
