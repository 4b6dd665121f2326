"""The downloader against a local HTTP server on 127.0.0.1 (never the internet)."""
from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from visualdl.data import Cancelled, DataError
from visualdl.data.download import CIFAR10_MD5, CIFAR10_URL, download_cifar10

PAYLOAD = bytes(range(256)) * 2000  # 512 KB: several 64 KB blocks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.endswith("/error"):
            self.send_error(500, "boom")
            return
        body = PAYLOAD
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body) + (1000 if self.path.endswith("/short") else 0)))
        self.end_headers()
        try:
            for i in range(0, len(body), 16384):
                self.wfile.write(body[i: i + 16384])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cancelled

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_official_url_and_checksum():
    assert CIFAR10_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"


def test_success_verifies_md5_and_reports_progress(tmp_path, server):
    calls = []
    path = download_cifar10(tmp_path, url=f"{server}/cifar-10-python.tar.gz", md5=PAYLOAD_MD5,
                            progress=lambda d, t, m: calls.append((d, t)))
    assert path == tmp_path / "cifar-10-python.tar.gz"
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-python.tar.gz"]
    done = [d for d, t in calls if t == len(PAYLOAD)]
    assert done == sorted(done) and done[-1] == len(PAYLOAD) and len(done) > 3


def test_second_call_reuses_a_verified_file(tmp_path, server):
    url = f"{server}/cifar-10-python.tar.gz"
    path = download_cifar10(tmp_path, url=url, md5=PAYLOAD_MD5)
    stamp = path.stat().st_mtime_ns
    assert download_cifar10(tmp_path, url=url, md5=PAYLOAD_MD5).stat().st_mtime_ns == stamp


def test_md5_mismatch_leaves_no_file(tmp_path, server):
    with pytest.raises(DataError, match="MD5") as err:
        download_cifar10(tmp_path, url=f"{server}/cifar-10-python.tar.gz", md5="0" * 32)
    assert "cifar-10-python.tar.gz" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_no_file(tmp_path, server):
    cancel = threading.Event()

    def progress(done, total, message):
        if done > 100_000:
            cancel.set()

    with pytest.raises(Cancelled):
        download_cifar10(tmp_path, url=f"{server}/cifar-10-python.tar.gz", md5=PAYLOAD_MD5,
                         progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_server_error_is_a_clear_error_and_leaves_no_file(tmp_path, server):
    with pytest.raises(DataError, match="500"):
        download_cifar10(tmp_path, url=f"{server}/error", md5=PAYLOAD_MD5, filename="c.tar.gz")
    assert list(tmp_path.iterdir()) == []


def test_connection_cut_short_leaves_no_file(tmp_path, server):
    with pytest.raises(DataError, match="incomplete|failed"):
        download_cifar10(tmp_path, url=f"{server}/short", md5=PAYLOAD_MD5, filename="c.tar.gz", timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_damaged_existing_file_is_replaced(tmp_path, server):
    final = tmp_path / "cifar-10-python.tar.gz"
    final.write_bytes(b"half a download")
    download_cifar10(tmp_path, url=f"{server}/cifar-10-python.tar.gz", md5=PAYLOAD_MD5)
    assert final.read_bytes() == PAYLOAD
