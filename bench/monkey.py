"""Random use of the real window: clicks, drags, wheel turns, keys and lab switches, seeded so a failure replays.

    QT_QPA_PLATFORM=offscreen python bench/monkey.py --seconds 600 --seed 1
    python bench/monkey.py --seconds 120 --lab cnn --cifar ../shared/data/cifar-10-python.tar.gz

Every Python exception that reaches the event loop (a traceback from a slot) is recorded with the
event that caused it and the last events before it. File dialogs answer with files in a scratch
folder (a non-CIFAR file, a session, the real archive when --cifar is given), message boxes close
themselves and menus pop up without blocking, so the monkey never waits for a person; the
download action is never triggered (it would go to the network). At the end the window is closed
and no worker thread may be left running. Exit status 1 when anything was found.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KEYS = ["0", "1", "2", "5", "9", "-", ".", "e", "a", "x", "q", "Return", "Space", "Left", "Right", "Up", "Down",
        "Tab", "Backspace", "Escape", "N", "R", "Delete"]
SKIP_ACTIONS = ("download", "quit", "exit", "close")


class _Tee:
    """stderr that also hands each printed traceback to the monkey."""

    def __init__(self, stream, monkey):
        self.stream, self.monkey, self.buffer = stream, monkey, ""

    def write(self, text: str) -> int:
        self.buffer += text
        if "Traceback (most recent call last)" in self.buffer and self.buffer.endswith("\n"):
            lines = self.buffer.rstrip("\n").splitlines()
            if len(lines) > 1 and not lines[-1].startswith((" ", "Traceback")):  # the exception line ends it
                self.monkey.printed(self.buffer[self.buffer.index("Traceback"):])
                self.buffer = ""
        elif "Traceback" not in self.buffer:
            self.buffer = ""
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


class Monkey:
    def __init__(self, app, window, ctx, rng: random.Random, scratch: Path, cifar: str | None, labs: list[str]):
        self.app, self.window, self.ctx, self.rng = app, window, ctx, rng
        self.scratch, self.cifar, self.labs = scratch, cifar, labs
        self.events = 0
        self.recent: deque[str] = deque(maxlen=12)
        self.found: list[str] = []
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ recording
    def excepthook(self, kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        self.found.append(f"after event {self.events} ({self.recent[-1] if self.recent else '-'}):\n"
                          f"  recent: {list(self.recent)}\n{text}")

    def printed(self, text: str) -> None:
        """A traceback the app printed itself (a worker or a lab loader) counts like one that escaped."""
        self.found.append(f"printed after event {self.events} ({self.recent[-1] if self.recent else '-'}):\n"
                          f"  recent: {list(self.recent)}\n{text}")

    def note(self, what: str) -> None:
        self.events += 1
        kind = what.split(" ", 1)[0]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.recent.append(what)

    # ------------------------------------------------------------------ events
    def targets(self):
        from PySide6.QtWidgets import QApplication, QWidget
        popup = QApplication.activePopupWidget() or QApplication.activeModalWidget()
        root = popup if popup is not None else self.window
        widgets = [w for w in root.findChildren(QWidget) if w.isVisible() and w.isEnabled() and w.width() > 2
                   and w.height() > 2]
        return widgets or [root]

    def one_event(self) -> None:
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QWheelEvent
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        r = self.rng.random()
        if r < 0.04:
            key = self.rng.choice(self.labs)
            self.note(f"lab {key}")
            self.switch_to(key)
            return
        if r < 0.08:
            self.trigger_menu_action()
            return
        widget = self.rng.choice(self.targets())
        name = f"{type(widget).__name__}:{widget.objectName() or getattr(widget, 'text', lambda: '')()!s:.20}"
        pos = QPoint(self.rng.randrange(widget.width()), self.rng.randrange(widget.height()))
        if r < 0.55:
            mod = Qt.KeyboardModifier.ShiftModifier if self.rng.random() < 0.1 else Qt.KeyboardModifier.NoModifier
            button = Qt.MouseButton.RightButton if self.rng.random() < 0.05 else Qt.MouseButton.LeftButton
            self.note(f"click {name} {pos.x()},{pos.y()} {button.name} {mod.name}")
            QTest.mouseClick(widget, button, mod, pos)
        elif r < 0.62:
            end = QPoint(self.rng.randrange(widget.width()), self.rng.randrange(widget.height()))
            self.note(f"drag {name} {pos.x()},{pos.y()}->{end.x()},{end.y()}")
            QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
            QTest.mouseMove(widget, end)
            QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
        elif r < 0.75:
            delta = self.rng.choice([-240, -120, 120, 240])
            mods = Qt.KeyboardModifier.ControlModifier if self.rng.random() < 0.2 else Qt.KeyboardModifier.NoModifier
            self.note(f"wheel {name} {delta} {mods.name}")
            event = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                                Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
            QApplication.sendEvent(widget, event)
        else:
            focus = QApplication.focusWidget() or widget
            key = self.rng.choice(KEYS)
            self.note(f"key {key} on {type(focus).__name__}")
            if len(key) == 1:
                QTest.keyClick(focus, key)  # a printable character, as typed
            else:
                QTest.keyClick(focus, getattr(Qt.Key, f"Key_{key}"))

    def switch_to(self, key: str) -> None:
        """Ctrl+<course part>, as a student jumps between labs."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        number = next(spec.number for spec in self.window.specs if spec.key == key)
        QTest.keyClick(self.window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier)

    def trigger_menu_action(self) -> None:
        actions = []
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if menu is None:
                continue
            for action in menu.actions():
                text = action.text().replace("&", "").lower()
                if action.isSeparator() or action.menu() is not None or not action.isEnabled():
                    continue
                if any(word in text for word in SKIP_ACTIONS):
                    continue
                actions.append(action)
        if actions:
            action = self.rng.choice(actions)
            self.note(f"menu {action.text().replace('&', '')}")
            action.trigger()

    # ------------------------------------------------------------------ dialogs that answer themselves
    def patch_dialogs(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

        monkey = self
        not_cifar = self.scratch / "not-cifar.tar.gz"
        not_cifar.write_bytes(b"this is not an archive")
        candidates = [str(not_cifar), str(self.scratch / "missing.json"), ""]
        if self.cifar:
            candidates.append(self.cifar)

        def open_name(*args, **kwargs):
            return monkey.rng.choice(candidates + [str(p) for p in monkey.scratch.glob("*.json")]), ""

        def save_name(*args, **kwargs):
            filt = next((a for a in args if isinstance(a, str) and "(*." in a), "") or kwargs.get("filter", "")
            ext = filt.split("(*.", 1)[1].split(")", 1)[0].split()[0] if "(*." in filt else "png"
            if monkey.rng.random() < 0.2:
                return "", ""
            return str(monkey.scratch / f"out{monkey.events}.{ext}"), filt

        def folder(*args, **kwargs):
            return str(monkey.scratch) if monkey.rng.random() < 0.7 else ""

        QFileDialog.getOpenFileName = staticmethod(open_name)
        QFileDialog.getSaveFileName = staticmethod(save_name)
        QFileDialog.getExistingDirectory = staticmethod(folder)
        QMessageBox.exec = lambda self_box, *a: int(QMessageBox.StandardButton.Ok)
        QMenu.exec = lambda self_menu, *a, **k: (self_menu.popup(a[0]) if a else None)


def run(seconds: float, seed: int, labs: list[str] | None = None, cifar: str | None = None,
        rate: float = 200.0, quiet: bool = False) -> dict:
    """Throw random events at a fresh window for `seconds`; returns a report dict."""
    from PySide6.QtWidgets import QApplication

    from visualdl.ui.app import create_window
    from visualdl.ui.worker import live_threads

    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="visualdl-monkey-"))
    ctx, window = create_window(scratch / "settings.ini", None)
    keys = [spec.key for spec in window.specs]
    labs = keys if not labs or labs == ["all"] else labs
    unknown = sorted(set(labs) - set(keys))
    if unknown:
        raise SystemExit(f"unknown lab(s) {unknown}; known: {keys}")
    window.resize(1280, 800)
    window.show()
    if cifar:
        ctx.set_cifar_path(cifar)
    monkey = Monkey(app, window, ctx, random.Random(seed), scratch, cifar, labs)
    monkey.patch_dialogs()
    old_hook, old_err = sys.excepthook, sys.stderr
    sys.excepthook = monkey.excepthook
    sys.stderr = _Tee(old_err, monkey)
    monkey.switch_to(labs[0])
    t0 = time.monotonic()
    period = 1.0 / rate
    next_report = t0 + 30
    try:
        while time.monotonic() - t0 < seconds:
            try:
                monkey.one_event()
            except Exception:  # an exception in the monkey's own dispatch is a finding too
                monkey.excepthook(*sys.exc_info())
            deadline = time.monotonic() + period
            while time.monotonic() < deadline:
                app.processEvents()
            if not quiet and time.monotonic() > next_report:
                next_report += 30
                print(f"  {time.monotonic() - t0:5.0f} s  {monkey.events} events  {len(monkey.found)} found",
                      flush=True)
        window.close()
        t1 = time.monotonic()
        while live_threads() and time.monotonic() - t1 < 10:
            app.processEvents()
            time.sleep(0.01)
        left = [t.objectName() for t in live_threads()]
    finally:
        sys.excepthook, sys.stderr = old_hook, old_err
    window.deleteLater()
    app.processEvents()
    return {"events": monkey.events, "counts": monkey.counts, "found": monkey.found, "threads_left": left,
            "seed": seed, "labs": labs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lab", action="append", help="lab key (repeatable; default all labs)")
    parser.add_argument("--cifar", help="CIFAR-10 archive: opened at start and offered to file dialogs")
    parser.add_argument("--rate", type=float, default=200.0, help="events per second at most (default 200)")
    args = parser.parse_args()
    report = run(args.seconds, args.seed, args.lab, args.cifar, args.rate)
    print(f"seed {report['seed']}: {report['events']} events over labs {report['labs']}")
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report["counts"].items())))
    print(f"  tracebacks: {len(report['found'])}; worker threads left after close: {report['threads_left']}")
    kinds: dict[str, list[str]] = {}
    for text in report["found"]:
        last = text.rstrip().splitlines()[-1]
        kinds.setdefault(last, []).append(text)
    for last, texts in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print(f"\n[{len(texts)}x] {last}\n{texts[0]}")
    return 1 if report["found"] or report["threads_left"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
