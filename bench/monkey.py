"""Random use of the real window: clicks, drags, wheel turns, keys and lab switches, seeded so a failure replays.

    QT_QPA_PLATFORM=offscreen python bench/monkey.py --seconds 600 --seed 1
    python bench/monkey.py --seconds 120 --lab cnn --cifar ../shared/data/cifar-10-python.tar.gz

Every Python exception that reaches the event loop (a traceback from a slot) is recorded with the
event that caused it and the last events before it. File dialogs answer with files in a scratch
folder (a non-CIFAR file, a session, the real archive when --cifar is given), message boxes close
themselves and menus pop up without blocking, so the monkey never waits for a person; the
download action is never triggered (it would go to the network). A watchdog timer, which also fires
inside nested event loops, closes any modal dialog it finds, and a hard timeout dumps every stack
and exits rather than hang. At the end the window is closed and no worker thread may be left
running. Exit status 1 when anything was found.

Besides raw input the monkey presses Run > Play / Step / Reset often (so labs are used while they
train), clicks tab bars often and prefers tabs not yet visited (so every tab of every lab is
reached; the report lists the coverage), and with --cifar opens the real archive at start and
again now and then through File > Open CIFAR-10 archive… (so labs are used while it loads).
"""
from __future__ import annotations

import argparse
import faulthandler
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
        self.verbose = False
        self.recent: deque[str] = deque(maxlen=12)
        self.found: list[str] = []
        self.counts: dict[str, int] = {}
        self.tabs_all: set[tuple] = set()      # (lab, bar, tab text) of every tab bar seen
        self.tabs_visited: set[tuple] = set()  # ... of every tab that was current at some point
        self.force_open: str | None = None     # the next open-file dialog answers this
        self.modals_closed: dict[str, int] = {}
        self.during: dict[str, int] = {}
        self.qt_warnings: dict[str, int] = {}

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
        for title in {job.title or "job" for job in self.ctx.runner.active_jobs()}:
            self.during[title] = self.during.get(title, 0) + 1  # events thrown while that job ran
        if self.verbose:
            print(f"{self.events:6d} {what}", flush=True)

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
        if r < 0.07:
            self.trigger_menu_action()
            return
        if r < 0.10:
            self.run_action()
            return
        if r < 0.16:
            self.click_tab()
            return
        if r < 0.163 and self.cifar:
            self.open_real_cifar()
            return
        widget = self.rng.choice(self.targets())
        name = f"{type(widget).__name__}:{widget.objectName() or getattr(widget, 'text', lambda: '')()!s:.20}"
        pos = QPoint(self.rng.randrange(widget.width()), self.rng.randrange(widget.height()))
        if r < 0.58:
            mod = Qt.KeyboardModifier.ShiftModifier if self.rng.random() < 0.1 else Qt.KeyboardModifier.NoModifier
            button = Qt.MouseButton.RightButton if self.rng.random() < 0.05 else Qt.MouseButton.LeftButton
            self.note(f"click {name} {pos.x()},{pos.y()} {button.name} {mod.name}")
            QTest.mouseClick(widget, button, mod, pos)
        elif r < 0.65:
            end = QPoint(self.rng.randrange(widget.width()), self.rng.randrange(widget.height()))
            self.note(f"drag {name} {pos.x()},{pos.y()}->{end.x()},{end.y()}")
            QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
            QTest.mouseMove(widget, end)
            QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
        elif r < 0.77:
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

    def top_menus(self):
        """File, Run, View, Help... as the menu bar's own children.

        Not through QAction.menu(): on PySide6 6.10 that call leaves the Python side of a submenu made
        by addMenu("...") (File > Export plot) dead, a crash no user can cause.
        """
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMenu
        return self.window.menuBar().findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly)

    def current_key(self) -> str:
        lab = self.window.current_lab()
        return next((key for key, widget in self.window.labs.items() if widget is lab), "-")

    def tab_bars(self):
        """(bar id, QTabBar) of the current lab's visible tab bars; every tab they hold counts for coverage."""
        from PySide6.QtWidgets import QTabBar
        lab = self.window.current_lab()
        if lab is None:
            return []
        key = self.current_key()
        bars = []
        for bar in lab.findChildren(QTabBar):
            texts = tuple(bar.tabText(i) for i in range(bar.count()))
            ident = f"{key}:{'|'.join(texts)}"
            self.tabs_all.update((ident, t) for t in texts)
            if bar.isVisible():
                bars.append((ident, bar))
                if bar.currentIndex() >= 0:
                    self.tabs_visited.add((ident, bar.tabText(bar.currentIndex())))
        return bars

    def click_tab(self) -> None:
        """Click a tab of a visible tab bar, half the time one not visited yet (seeded, so it replays)."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        bars = self.tab_bars()
        if not bars:
            self.note("tab none")
            return
        fresh = [(ident, bar, i) for ident, bar in bars for i in range(bar.count())
                 if bar.isTabEnabled(i) and (ident, bar.tabText(i)) not in self.tabs_visited]
        if fresh and self.rng.random() < 0.5:
            ident, bar, index = self.rng.choice(fresh)
        else:
            ident, bar = self.rng.choice(bars)
            index = self.rng.randrange(bar.count())
        self.note(f"tab {ident} -> {bar.tabText(index)}")
        rect = bar.tabRect(index)
        if not bar.rect().contains(rect.center()):  # scrolled out of view: the scroll buttons do it
            bar.setCurrentIndex(index)
        else:
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
        self.tab_bars()  # record what is current now (and the tab bars it revealed)

    def run_action(self) -> None:
        """Run > Play / pause (most often), Step or Reset: labs get used while they train."""
        action = self.rng.choices([self.window.play_action, self.window.step_action, self.window.reset_action],
                                  weights=[6, 3, 1])[0]
        self.note(f"run {action.text().replace('&', '')} in {self.current_key()}")
        action.trigger()

    def open_real_cifar(self) -> None:
        """File > Open CIFAR-10 archive… answered with the real archive: it loads while the monkey goes on."""
        action = next(a for menu in self.top_menus() for a in menu.actions()
                      if a.text().startswith("Open CIFAR-10 archive"))
        self.note("cifar open")
        self.force_open = self.cifar
        action.trigger()
        self.force_open = None

    def close_modals(self) -> None:
        """Watchdog (runs inside nested event loops too): a modal dialog would wait for a person."""
        from PySide6.QtWidgets import QApplication, QDialog
        modal = QApplication.activeModalWidget()
        if modal is not None:
            name = type(modal).__name__
            self.modals_closed[name] = self.modals_closed.get(name, 0) + 1
            if isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()

    def qt_message(self, mode, context, message: str) -> None:
        if "This plugin does not support" in message:  # the offscreen platform, not the app
            return
        first = message.splitlines()[0][:160] if message else ""
        self.qt_warnings[first] = self.qt_warnings.get(first, 0) + 1

    def trigger_menu_action(self) -> None:
        # View > "<n>. <title>" of a lab not asked for is left out, so --lab keeps the run on its labs.
        other_labs = {f"{spec.number}. {spec.title}".replace("&", "").lower() for spec in self.window.specs
                      if spec.key not in self.labs}
        actions = []
        for menu in self.top_menus():
            for action in menu.actions():
                text = action.text().replace("&", "").lower()
                if action.isSeparator() or action.menu() is not None or not action.isEnabled():
                    continue
                if any(word in text for word in SKIP_ACTIONS) or text in other_labs:
                    continue
                actions.append(action)
        if actions:
            action = self.rng.choice(actions)
            self.note(f"menu {action.text().replace('&', '')}")
            action.trigger()

    # ------------------------------------------------------------------ dialogs that answer themselves
    def patch_dialogs(self):
        """Make dialogs answer themselves; returns a function that puts the real ones back."""
        from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox
        saved = [(QFileDialog, name, QFileDialog.__dict__[name]) for name in
                 ("getOpenFileName", "getSaveFileName", "getExistingDirectory")]
        saved += [(QMessageBox, "exec", QMessageBox.__dict__.get("exec")), (QMenu, "exec", QMenu.__dict__.get("exec"))]

        monkey = self
        not_cifar = self.scratch / "not-cifar.tar.gz"
        not_cifar.write_bytes(b"this is not an archive")
        candidates = [str(not_cifar), str(self.scratch / "missing.json"), ""]
        if self.cifar:
            candidates.append(self.cifar)

        def open_name(*args, **kwargs):
            if monkey.force_open:
                return monkey.force_open, ""
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

        def restore() -> None:
            for cls, name, value in saved:
                if value is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value)
        return restore


def run(seconds: float, seed: int, labs: list[str] | None = None, cifar: str | None = None,
        rate: float = 200.0, quiet: bool = False, verbose: bool = False) -> dict:
    """Throw random events at a fresh window for `seconds`; returns a report dict."""
    from PySide6.QtCore import QTimer, qInstallMessageHandler
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
    monkey = Monkey(app, window, ctx, random.Random(seed), scratch, cifar, labs)
    monkey.verbose = verbose
    restore_dialogs = monkey.patch_dialogs()
    old_hook, old_err = sys.excepthook, sys.stderr
    sys.excepthook = monkey.excepthook
    sys.stderr = _Tee(old_err, monkey)
    old_handler = qInstallMessageHandler(monkey.qt_message)
    watchdog = QTimer()
    watchdog.setInterval(250)
    watchdog.timeout.connect(monkey.close_modals)
    watchdog.start()
    faulthandler.dump_traceback_later(seconds + 180, exit=True, file=sys.__stderr__)  # never hang: dump stacks, stop
    if cifar:
        window.use_cifar(cifar)  # the archive loads while the monkey starts
    monkey.switch_to(labs[0])
    t0 = time.monotonic()
    period = 1.0 / rate
    next_report = t0 + 30
    longest = (0.0, "-")
    try:
        while time.monotonic() - t0 < seconds:
            started = time.monotonic()
            try:
                monkey.one_event()
            except Exception:  # an exception in the monkey's own dispatch is a finding too
                monkey.excepthook(*sys.exc_info())
            deadline = time.monotonic() + period
            while time.monotonic() < deadline:
                app.processEvents()
            if len(labs) < len(keys) and monkey.current_key() not in labs:  # the lab list or a key left them
                key = monkey.rng.choice(labs)
                monkey.note(f"lab {key} (back)")
                monkey.window.show_lab(key)  # not Ctrl+<n>: a focused editor may keep that key
            if monkey.events % 10 == 0:
                monkey.tab_bars()  # random clicks switch tabs too: count them for coverage
            took = time.monotonic() - started
            if took > longest[0]:
                longest = (took, monkey.recent[-1] if monkey.recent else "-")
            if not quiet and time.monotonic() > next_report:
                next_report += 30
                print(f"  {time.monotonic() - t0:5.0f} s  {monkey.events} events  {len(monkey.found)} found",
                      flush=True)
        alive = window.isVisible()
        for key, lab in window.labs.items():  # every tab of every lab built, for the coverage figure
            window_labs_tabs(monkey, key, lab)
        window.close()
        t1 = time.monotonic()
        while live_threads() and time.monotonic() - t1 < 10:
            app.processEvents()
            time.sleep(0.01)
        left = [t.objectName() for t in live_threads()]
    finally:
        faulthandler.cancel_dump_traceback_later()
        watchdog.stop()
        qInstallMessageHandler(old_handler)
        sys.excepthook, sys.stderr = old_hook, old_err
        restore_dialogs()
    window.deleteLater()
    app.processEvents()
    missing = sorted(monkey.tabs_all - monkey.tabs_visited)
    return {"events": monkey.events, "counts": monkey.counts, "found": monkey.found, "threads_left": left,
            "seed": seed, "labs": labs, "alive": alive, "seconds": seconds,
            "tabs": (len(monkey.tabs_visited & monkey.tabs_all), len(monkey.tabs_all)), "tabs_missing": missing,
            "modals_closed": monkey.modals_closed, "qt_warnings": monkey.qt_warnings,
            "longest_event": longest, "during": monkey.during}


def window_labs_tabs(monkey: Monkey, key: str, lab) -> None:
    """Add every tab of a built lab to the coverage's denominator (visible or not)."""
    from PySide6.QtWidgets import QTabBar
    for bar in lab.findChildren(QTabBar):
        texts = tuple(bar.tabText(i) for i in range(bar.count()))
        monkey.tabs_all.update((f"{key}:{'|'.join(texts)}", t) for t in texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lab", action="append", help="lab key (repeatable; default all labs)")
    parser.add_argument("--cifar", help="CIFAR-10 archive: opened at start and offered to file dialogs")
    parser.add_argument("--verbose", action="store_true", help="print every event as it is thrown")
    parser.add_argument("--rate", type=float, default=200.0, help="events per second at most (default 200)")
    args = parser.parse_args()
    report = run(args.seconds, args.seed, args.lab, args.cifar, args.rate, verbose=args.verbose)
    print(f"seed {report['seed']}: {report['events']} events over labs {report['labs']}")
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report["counts"].items())))
    print(f"  tracebacks: {len(report['found'])}; worker threads left after close: {report['threads_left']}; "
          f"window alive at the end: {report['alive']}")
    print("  events thrown while a job ran: " + ", ".join(f"{k} {v}" for k, v in
                                                        sorted(report["during"].items(), key=lambda kv: -kv[1])))
    visited, total = report["tabs"]
    print(f"  tabs visited: {visited}/{total}" + (f"; never: {report['tabs_missing']}" if report["tabs_missing"] else ""))
    print(f"  longest event (with its processing): {report['longest_event'][0]:.2f} s ({report['longest_event'][1]})")
    if report["modals_closed"]:
        print(f"  modal dialogs closed by the watchdog: {report['modals_closed']}")
    for text, n in sorted(report["qt_warnings"].items(), key=lambda kv: -kv[1])[:10]:
        print(f"  Qt warning [{n}x]: {text}")
    kinds: dict[str, list[str]] = {}
    for text in report["found"]:
        last = text.rstrip().splitlines()[-1]
        kinds.setdefault(last, []).append(text)
    for last, texts in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print(f"\n[{len(texts)}x] {last}\n{texts[0]}")
    return 1 if report["found"] or report["threads_left"] or not report["alive"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
