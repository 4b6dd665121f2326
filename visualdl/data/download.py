"""Download the official CIFAR-10 archive, verify its MD5, never leave a partial file under the final name.

    download_cifar10(dest_dir, *, url=CIFAR10_URL, md5=CIFAR10_MD5, progress=None, cancel=None,
                     timeout=30.0) -> Path of the verified archive

The bytes go to a temporary file in the destination folder (``visualdl.atomic.write_atomic``)
while the checksum is computed; only a complete download whose MD5 matches is renamed
(atomically, ``os.replace``) to the final name. Cancel (a ``threading.Event``,
checked between 64 KB blocks), a network error or a wrong checksum delete the
temporary file. An existing file under the final name is kept only if its MD5
matches; otherwise it is replaced by a fresh download.
"""
from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

from visualdl.atomic import write_atomic
from visualdl.data.errors import Cancelled, DataError, check_cancel, report

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
_BLOCK = 64 * 1024


def file_md5(path, cancel=None) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            check_cancel(cancel, "checksum")
            h.update(block)
    return h.hexdigest()


def download_cifar10(dest_dir, *, url: str = CIFAR10_URL, md5: str | None = CIFAR10_MD5, progress=None,
                     cancel=None, timeout: float = 30.0, filename: str | None = None) -> Path:
    """Fetch ``url`` into ``dest_dir`` (see the module docstring); returns the final path."""
    dest_dir = Path(dest_dir).expanduser()
    final = dest_dir / (filename or url.rstrip("/").rsplit("/", 1)[-1] or "cifar-10-python.tar.gz")
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create download folder {dest_dir}: {exc}") from None
    if final.exists() and md5 and file_md5(final, cancel) == md5.lower():
        report(progress, 1, 1, "already downloaded")
        return final
    h = hashlib.md5()

    def fetch(out) -> None:
        try:
            response = urllib.request.urlopen(url, timeout=timeout)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            why = exc if isinstance(exc, urllib.error.HTTPError) else getattr(exc, "reason", exc)
            raise DataError(f"Download of {url} failed: {why}") from None
        with response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            report(progress, 0, total, "downloading CIFAR-10")
            while True:
                check_cancel(cancel, "download")
                try:
                    block = response.read(_BLOCK)
                except (OSError, http.client.HTTPException) as exc:
                    raise DataError(f"Download of {url} failed after {done} bytes: {exc}") from None
                if not block:
                    break
                out.write(block)
                h.update(block)
                done += len(block)
                report(progress, done, max(total, done), "downloading CIFAR-10")
        if total and done != total:
            raise DataError(f"Download of {url} incomplete: {done} of {total} bytes")
        if md5 and h.hexdigest() != md5.lower():
            raise DataError(f"Download of {url} is damaged: MD5 {h.hexdigest()} but expected {md5.lower()}")

    # Cancelled, DataError, KeyboardInterrupt...: the temporary file goes, the final name is untouched
    write_atomic(final, fetch, "wb")
    report(progress, 1, 1, "download complete")
    return final


__all__ = ["CIFAR10_MD5", "CIFAR10_URL", "Cancelled", "download_cifar10", "file_md5"]
