"""Known breakages of newer PySide6 / pyqtgraph releases; these keep the pin in pyproject.toml honest.

- PySide6 6.12.0 aborted the process after a few hundred ``Signal(object)`` emits across threads
  on Python 3.11: the stress test sends thousands from a worker thread in a child process and
  requires every one to arrive and the process to exit normally.
- pyqtgraph 0.14's ``SVGExporter`` raises ValueError on PySide6 >= 6.11: the second test uses it
  directly (the app itself falls back to QtSvg, see visualdl/ui/export.py).
If either fails after an upgrade, keep the pin (``PySide6-Essentials<6.11``) or fix the cause first.
- A cyclic garbage collection that starts inside a Qt destructor can deadlock the thread on one of
  Qt's own locks (the last two tests; why the app collects on a GUI timer, visualdl/ui/gc_guard.py).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import numpy as np

STRESS = textwrap.dedent(
    """
    import sys
    import numpy as np
    from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot, QTimer

    N = 5000

    class Producer(QObject):
        value = Signal(object)
        done = Signal()

        @Slot()
        def run(self):
            for i in range(N):
                self.value.emit({"i": i, "w": np.full((8, 8), i, dtype=np.float32)})
            self.done.emit()

    class Consumer(QObject):
        def __init__(self):
            super().__init__()
            self.seen = []

        @Slot(object)
        def on_value(self, v):
            assert float(v["w"][0, 0]) == v["i"]
            self.seen.append(v["i"])

        @Slot()
        def on_done(self):
            QCoreApplication.instance().quit()

    app = QCoreApplication(sys.argv[:1])
    thread = QThread()
    producer, consumer = Producer(), Consumer()
    producer.moveToThread(thread)
    producer.value.connect(consumer.on_value)
    producer.done.connect(consumer.on_done)
    thread.started.connect(producer.run)
    QTimer.singleShot(60000, app.quit)  # never hang the test suite
    thread.start()
    app.exec()
    thread.quit()
    thread.wait()
    assert consumer.seen == list(range(N)), (len(consumer.seen), consumer.seen[-3:])
    print("OK", len(consumer.seen))
    """
)


def test_thousands_of_object_signals_across_a_thread_all_arrive():
    out = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, f"process died (code {out.returncode}): {out.stderr[-2000:]}"
    assert out.stdout.split() == ["OK", "5000"]


def test_pyqtgraph_svg_exporter_writes_valid_svg(qtbot, tmp_path):
    import pyqtgraph as pg
    from pyqtgraph.exporters import SVGExporter

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.addLegend()
    widget.plot(np.arange(50), np.sin(np.arange(50) / 5.0), name="sine")
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    path = tmp_path / "plot.svg"
    SVGExporter(widget.getPlotItem()).export(str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.findall(".//{http://www.w3.org/2000/svg}path") or root.findall(".//{http://www.w3.org/2000/svg}polyline")


# A cyclic collection that starts inside a Qt destructor can wait on the destructor's own lock.
# ~QObject holds one of Qt's 131 pooled signal-slot mutexes while it asks each sender's Python
# wrapper for a disconnectNotify override; that lookup allocates, the collection it triggers destroys
# garbage QObjects, and one whose mutex is the same pooled one waits forever on its own thread. The
# probe makes 2,000 such garbage objects (a shared mutex is then all but certain) and arms the
# collector to run at the next allocation, then destroys a receiver. "guarded": the app's Runner
# exists first (visualdl.ui.gc_guard keeps automatic collection off and collects on a GUI timer).
DESTRUCTOR_GC = textwrap.dedent(
    """
    import gc, sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    app = QCoreApplication([])
    if sys.argv[1] == "guarded":
        from visualdl.ui.worker import Runner
        runner = Runner()

    class Node(QObject):
        ping = Signal()

    automatic = gc.isenabled()
    for _ in range(3):
        gc.disable()
        for _ in range(1000):
            a, b = Node(), Node()
            a.ping.connect(b.ping)  # Qt connection data: their destructors take a pooled mutex
            a.partner, b.partner = b, a  # a cycle: only the cyclic collector frees them
        sender, receiver = Node(), Node()
        sender.ping.connect(receiver.ping)
        gc.set_threshold(1, 10, 10)
        if automatic:
            gc.enable()  # the next allocation collects
        del receiver  # ~QObject -> sender's disconnectNotify lookup -> an allocation
        gc.set_threshold(700, 10, 10)
        gc.collect()
    print("done", flush=True)
    """
)


def _destructor_gc_probe(mode: str, timeout: float) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", DESTRUCTOR_GC, mode], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung"
    return done.stdout.strip() or f"exit {done.returncode}: {done.stderr[-500:]}"


def test_automatic_collection_inside_a_qt_destructor_deadlocks_on_this_stack():
    """The pitfall itself: if this starts passing after an upgrade, gc_guard may no longer be needed."""
    assert _destructor_gc_probe("plain", timeout=20) == "hung"


def test_with_the_apps_runner_the_same_destructors_finish():
    assert _destructor_gc_probe("guarded", timeout=60) == "done"
