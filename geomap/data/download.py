"""Downloads into the local cache: mirror redirection, retries, content checks, atomic writes.

Retries of a request (connection errors, read time-outs before the body, 429/5xx answers)
are urllib3's ``Retry`` on the session; geomap itself only re-fetches a body that was cut off
or stalled while streaming, which urllib3 cannot retry once the response has begun.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from tqdm.auto import tqdm
from urllib3.util.retry import Retry

from geomap import __version__, settings
from geomap.data.catalog import Check
from geomap.errors import DataUnavailableError, DownloadError

#: Seconds to wait for a connection and for each read of the body.
TIMEOUT_S = (10.0, 60.0)
#: Attempts per URL (the first try plus retries) for failures a retry can cure.
ATTEMPTS = 4
#: First back-off pause in seconds; doubled after each failed attempt.
BACKOFF_S = 0.5
#: Bodies larger than this get a byte progress bar.
PROGRESS_MIN_BYTES = 256 * 1024

_RETRY_STATUS = {429, 500, 502, 503, 504}


def resolve_url(url: str) -> str:
    """The URL actually requested: the canonical one, or its mirror copy.

    >>> os.environ["GEOMAP_MIRROR"] = "http://127.0.0.1:8000"
    >>> resolve_url("https://example.org/data/file.csv")
    'http://127.0.0.1:8000/example.org/data/file.csv'
    >>> del os.environ["GEOMAP_MIRROR"]
    """
    base = settings.mirror_base()
    if not base:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base}/{parts.netloc}{parts.path}{query}"


def raw_path(url: str) -> Path:
    """Where the body of ``url`` is cached: ``<cache>/raw/<host>/<path>`` (query dropped)."""
    parts = urlsplit(url)
    rel = unquote(parts.path).lstrip("/") or "index"
    if rel.endswith("/"):
        rel += "index"
    path = settings.cache_dir() / "raw" / parts.netloc / rel
    # Guard against '..' in a path escaping the cache.
    root = (settings.cache_dir() / "raw").resolve()
    if root not in path.resolve().parents:
        raise DownloadError(f"{url}: path escapes the cache")
    return path


def make_session() -> requests.Session:
    """A session with geomap's User-Agent and urllib3 retries with exponential back-off.

    A request is tried :data:`ATTEMPTS` times in all on connection errors, read time-outs and
    the answers in ``_RETRY_STATUS`` (honouring ``Retry-After``).
    """
    retry = Retry(
        total=ATTEMPTS - 1,
        backoff_factor=BACKOFF_S,
        status_forcelist=sorted(_RETRY_STATUS),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,  # the last 5xx answer is returned and reported with its status
    )
    session = requests.Session()
    session.headers["User-Agent"] = f"geomap/{__version__} (python-requests)"
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=16, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_cached(url: str) -> bool:
    """True when a verified copy of ``url`` is in the cache."""
    path = raw_path(url)
    side = _sidecar(path)
    if not (path.is_file() and side.is_file()):
        return False
    return side.read_text().strip() == sha256_file(path)


# ---------------------------------------------------------------- content checks


def check_content(path: Path, fmt: str, check: Check | None, what: str) -> int | None:
    """Check that a downloaded file parses as ``fmt`` and matches ``check``.

    Returns the number of raw records (features or rows) where that is defined.

    Raises
    ------
    DownloadError
        Naming ``what`` (the URL) and the problem.
    """
    check = check or Check()
    count: int | None = None
    try:
        if fmt in ("geojson", "json"):
            with open(path, "rb") as fh:
                data = json.load(fh)
            if fmt == "geojson":
                if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
                    raise DownloadError(f"{what}: not a GeoJSON FeatureCollection")
                feats = data.get("features") or []
                count = len(feats)
                _require_keys(
                    (f.get("properties") or {} for f in feats[:50]), check.raw_fields, what
                )
                if check.geometry_types:
                    # A different file served at this URL usually has other geometry.
                    types = {(f.get("geometry") or {}).get("type") for f in feats[:200]} - {None}
                    wrong = types - set(check.geometry_types)
                    if wrong:
                        raise DownloadError(
                            f"{what}: geometry {sorted(wrong)} where the record expects "
                            f"{list(check.geometry_types)} (a different file?)"
                        )
            elif isinstance(data, list) and len(data) == 2 and isinstance(data[1], list):
                count = len(data[1])  # World Bank API envelope: [header, records]
                _require_keys(data[1][:50], check.raw_fields, what)
            elif isinstance(data, dict):
                _require_keys([data], check.raw_fields, what)
        elif fmt in ("csv", "tsv"):
            frame = pd.read_csv(path, low_memory=False, sep="\t" if fmt == "tsv" else ",")
            count = len(frame)
            missing = [c for c in check.raw_fields if c not in frame.columns]
            if missing:
                raise DownloadError(f"{what}: CSV lacks column(s) {', '.join(missing)}")
        elif fmt == "xlsx":
            import openpyxl  # optional heavy reader: only xlsx downloads need it

            book = openpyxl.load_workbook(path, read_only=True)
            count = sum(ws.max_row or 0 for ws in book.worksheets)
            book.close()
        elif fmt == "zip":
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
                if bad:
                    raise DownloadError(f"{what}: ZIP member {bad} is corrupt")
                names = zf.namelist()
            missing = [c for c in check.raw_fields if c not in names]
            if missing:
                raise DownloadError(f"{what}: ZIP lacks member(s) {', '.join(missing)}")
    except DownloadError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise DownloadError(f"{what}: body is not valid {fmt}: {exc}") from exc
    except Exception as exc:  # openpyxl and pandas raise a zoo of parser errors
        raise DownloadError(f"{what}: body is not valid {fmt}: {type(exc).__name__}: {exc}") from exc
    if count is not None:
        if check.raw_min is not None and count < check.raw_min:
            raise DownloadError(f"{what}: {count} records, expected at least {check.raw_min}")
        if check.raw_max is not None and count > check.raw_max:
            raise DownloadError(f"{what}: {count} records, expected at most {check.raw_max}")
    return count


def _require_keys(rows: Iterable[dict], keys: tuple[str, ...], what: str) -> None:
    if not keys:
        return
    seen = False
    for i, row in enumerate(rows):
        seen = True
        if not isinstance(row, dict):
            raise DownloadError(f"{what}: record {i} is not an object")
        missing = [k for k in keys if k not in row]
        if missing:
            raise DownloadError(f"{what}: record {i} lacks field(s) {', '.join(missing)}")
    if not seen:
        raise DownloadError(f"{what}: no records")


# ---------------------------------------------------------------- fetching


def fetch_url(
    url: str,
    *,
    validate: Callable[[Path], object] | None = None,
    sha256: str | None = None,
    session: requests.Session | None = None,
    force: bool = False,
    progress: bool = False,
    offline: bool = False,
) -> Path:
    """Return the cached path of ``url``, downloading it first when needed.

    The body streams to a temporary file beside the target, is checked (length against
    ``Content-Length``, ``sha256`` when given, then ``validate``), and only then renamed
    into place, so the cache never holds a partial or wrong file. A cached copy whose
    bytes no longer match the hash recorded at download is fetched again.

    Parameters
    ----------
    url
        Canonical URL (``GEOMAP_MIRROR`` redirects the request, not the cache key).
    validate
        Called with the temporary path; raises :class:`DownloadError` to reject the body.
    force
        Download even when a verified copy is cached; on failure the old copy stays.
    offline
        Never touch the network: raise :class:`DataUnavailableError` when not cached.
    """
    dest = raw_path(url)
    if not force and is_cached(url):
        return dest
    if offline:
        raise DataUnavailableError(_missing_message(url))
    dest.parent.mkdir(parents=True, exist_ok=True)
    own_session = session is None
    session = session or make_session()
    request_url = resolve_url(url)
    last_error: str = ""
    try:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                tmp = _download_to_temp(session, request_url, dest, progress)
            except _RequestFailed as exc:  # urllib3 has made every attempt already
                last_error = str(exc)
                break
            except _BodyCut as exc:  # a body cut off or stalled: fetch it again
                last_error = str(exc)
                if attempt < ATTEMPTS:
                    time.sleep(BACKOFF_S * 2 ** (attempt - 1))
                    continue
                break
            try:
                if sha256 and sha256_file(tmp) != sha256:
                    raise DownloadError(f"{url}: SHA-256 differs from the record's.{_hint(dest)}")
                if validate is not None:
                    try:
                        validate(tmp)
                    except DownloadError as exc:
                        raise DownloadError(f"{exc}.{_hint(dest)}") from exc
                digest = sha256_file(tmp)
                os.replace(tmp, dest)
                _sidecar(dest).write_text(digest + "\n")
                return dest
            finally:
                if tmp.exists():
                    tmp.unlink()
    finally:
        if own_session:
            session.close()
    raise DownloadError(f"{url}: failed after {ATTEMPTS} attempts: {last_error}.{_hint(dest)}")


def _hint(dest: Path) -> str:
    if dest.is_file():
        return " A previous copy stays in the cache."
    return (
        " Nothing is cached for it: run `geomap fetch` on a connected machine, "
        "or set GEOMAP_MIRROR to a mirror laid out as <base>/<host>/<path>."
    )


class _RequestFailed(Exception):
    """The request failed after the session's retries."""


class _BodyCut(Exception):
    """The response began but its body was cut off or stalled (retried by :func:`fetch_url`)."""


def _download_to_temp(
    session: requests.Session, request_url: str, dest: Path, progress: bool
) -> Path:
    try:
        resp = session.get(request_url, stream=True, timeout=TIMEOUT_S)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _RequestFailed(f"{type(exc).__name__}: {exc}") from exc
    with resp:
        if resp.status_code in _RETRY_STATUS:
            raise _RequestFailed(f"HTTP {resp.status_code} from {request_url}")
        if resp.status_code >= 400:
            raise DownloadError(f"{request_url}: HTTP {resp.status_code} {resp.reason}")
        expected = resp.headers.get("Content-Length")
        expected_n = int(expected) if expected and expected.isdigit() else None
        # Keep the real suffix last: some readers (openpyxl) go by the file name's extension.
        fd, name = tempfile.mkstemp(
            prefix=f".{dest.stem}.", suffix=f".part{dest.suffix}", dir=dest.parent
        )
        tmp = Path(name)
        got = 0
        try:
            with (
                os.fdopen(fd, "wb") as fh,
                tqdm(
                    total=expected_n,
                    unit="B",
                    unit_scale=True,
                    desc=dest.name[:40],
                    disable=not progress or (expected_n or 0) < PROGRESS_MIN_BYTES,
                    leave=False,
                ) as bar,
            ):
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
        except requests.exceptions.ChunkedEncodingError as exc:
            tmp.unlink(missing_ok=True)
            of = f" of {expected_n}" if expected_n else ""
            raise _BodyCut(
                f"truncated body from {request_url}: connection closed after {got}{of} bytes"
            ) from exc
        except (requests.ConnectionError, requests.Timeout, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise _BodyCut(f"{type(exc).__name__} while reading {request_url}: {exc}") from exc
        except Exception:
            tmp.unlink(missing_ok=True)
            raise
        if expected_n is not None and got != expected_n and not resp.headers.get(
            "Content-Encoding"
        ):
            tmp.unlink(missing_ok=True)
            raise _BodyCut(f"truncated body from {request_url}: {got} of {expected_n} bytes")
        return tmp


def fetch_many(
    urls: list[str],
    *,
    validate: Callable[[Path], object] | None = None,
    force: bool = False,
    progress: bool = False,
    offline: bool = False,
    desc: str = "files",
    workers: int = 8,
) -> list[Path]:
    """Fetch many small files (e.g. one per cable) concurrently, with one progress bar."""
    todo = [u for u in urls if force or not is_cached(u)]
    if todo and offline:
        raise DataUnavailableError(
            _missing_message(todo[0]) + f" ({len(todo)} of {len(urls)} {desc} missing)"
        )
    if todo:
        with (
            make_session() as session,
            ThreadPoolExecutor(max_workers=workers) as pool,
            tqdm(total=len(todo), desc=desc, unit="file", disable=not progress, leave=False) as bar,
        ):
            futures = [
                pool.submit(fetch_url, u, validate=validate, session=session, force=force)
                for u in todo
            ]
            for fut in futures:
                fut.result()
                bar.update(1)
    return [raw_path(u) for u in urls]


def _missing_message(url: str) -> str:
    return (
        f"{url} is not in the cache ({raw_path(url)}) and this run may not download it. "
        "Run `geomap fetch` on a connected machine (or copy its cache here via GEOMAP_CACHE_DIR), "
        "or point GEOMAP_MIRROR at a mirror laid out as <base>/<host>/<path>."
    )
