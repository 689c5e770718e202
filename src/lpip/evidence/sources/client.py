"""The HTTP client every live source shares: an on-disk cache keyed by URL, the retrieval
time and checksum of each answer, and errors a user can act on.

Nothing here knows any source's format; connectors parse the bytes this returns.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
import requests

from lpip import __version__
from lpip.errors import SourceRateLimited, SourceRequestFailed, SourceUnreachable

ENV_CACHE_DIR = "LPIP_CACHE_DIR"
# (connect, read) seconds: Nomis can take a minute to build a large CSV.
TIMEOUT = (15, 120)
NOTHING_WRITTEN = "Nothing was written."


@dataclass(frozen=True)
class Response:
    """One answer from a live source: its URL, body, and when it was retrieved."""

    url: str
    body: bytes
    retrieved_at: datetime
    content_type: str | None = None
    from_cache: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def host(self) -> str:
        return host_of(self.url)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url


def default_cache_dir() -> Path:
    """Where answers are cached: ``$LPIP_CACHE_DIR``, else the per-user cache folder."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("lpip", appauthor=False)) / "sources"


class ResponseCache:
    """Answers on disk, one body file and one JSON metadata file per URL."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else default_cache_dir()

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.directory / f"{key}.body", self.directory / f"{key}.json"

    def get(self, url: str) -> Response | None:
        """The cached answer for ``url``, or None (also when the files are damaged)."""
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        # A half-copied or edited body must not pass for the answer we recorded.
        if meta.get("url") != url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        retrieved = datetime.fromisoformat(meta["retrieved_at"])
        return Response(url, body, retrieved, meta.get("content_type"), from_cache=True)

    def put(self, response: Response) -> None:
        """Store an answer; each file is written whole or not at all."""
        self.directory.mkdir(parents=True, exist_ok=True)
        body_path, meta_path = self._paths(response.url)
        meta = {
            "url": response.url, "retrieved_at": response.retrieved_at.isoformat(),
            "content_type": response.content_type, "sha256": response.sha256,
        }
        _write_atomic(body_path, response.body)
        _write_atomic(meta_path, json.dumps(meta, indent=2).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def new_session() -> requests.Session:
    """The requests session live sources use (tests replace this to replay recordings)."""
    session = requests.Session()
    session.headers["User-Agent"] = f"lpip/{__version__} (Local Policy Innovation Partnerships toolkit)"
    return session


class SourceClient:
    """Fetches URLs through the cache; turns network and HTTP failures into :class:`LpipError`.

    Parameters
    ----------
    session
        A ``requests.Session``; by default :func:`new_session`.
    cache
        Where answers are kept; by default :class:`ResponseCache` in :func:`default_cache_dir`.

    Examples
    --------
    >>> client = SourceClient()                                   # doctest: +SKIP
    >>> client.get("https://www.nomisweb.co.uk/api/v01/dataset/NM_162_1.data.csv?...")  # doctest: +SKIP
    """

    def __init__(self, session: requests.Session | None = None, cache: ResponseCache | None = None,
                 timeout=TIMEOUT) -> None:
        self.session = session or new_session()
        self.cache = cache or ResponseCache()
        self.timeout = timeout

    def get(self, url: str, refresh: bool = False) -> Response:
        """The answer for ``url``: from the cache unless ``refresh``, else from the network."""
        cached = self.cache.get(url)
        if cached is not None and not refresh:
            return cached
        try:
            answer = self.session.get(url, timeout=self.timeout)
        except requests.Timeout:
            raise unreachable(url, "the request timed out", cached) from None
        except requests.exceptions.SSLError:
            raise unreachable(url, "a secure (TLS) connection could not be made", cached) from None
        except requests.ConnectionError:
            raise unreachable(url, "no network connection", cached) from None
        except requests.RequestException as exc:
            raise SourceRequestFailed(
                f"The request to {host_of(url)} failed: {exc}. {NOTHING_WRITTEN} Check the URL {url}."
            ) from None
        check_status(url, answer)
        now = datetime.now(timezone.utc)
        return Response(url, answer.content, now, answer.headers.get("Content-Type"))

    def remember(self, response: Response) -> None:
        """Cache an answer once it has been read successfully (bad answers are not kept)."""
        if not response.from_cache:
            self.cache.put(response)


def unreachable(url: str, why: str, cached: Response | None) -> SourceUnreachable:
    message = (f"Could not reach {host_of(url)}: {why}. {NOTHING_WRITTEN} "
               "Try again when online, or use a cached response.")
    if cached is not None:
        when = cached.retrieved_at.strftime("%Y-%m-%d %H:%M UTC")
        message += f" A cached response from {when} exists: run again without --refresh to use it."
    return SourceUnreachable(message)


def check_status(url: str, answer: requests.Response) -> None:
    """Raise the matching error for any answer that is not a success."""
    if answer.status_code < 400:
        return
    host = host_of(url)
    if answer.status_code == 429:
        wait = retry_after(answer.headers.get("Retry-After"))
        raise SourceRateLimited(
            f"{host} is refusing requests because too many were sent (HTTP 429). "
            f"{NOTHING_WRITTEN} Wait {wait} and try again."
        )
    raise SourceRequestFailed(
        f"{host} answered HTTP {answer.status_code} ({answer.reason or 'error'}) for {url}. "
        f"{NOTHING_WRITTEN} {status_hint(answer.status_code)}"
    )


def status_hint(status: int) -> str:
    if status in (401, 403):
        return "The service refused access; the dataset may need a registered key."
    if status >= 500:
        return "The service has a problem on its side; try again later."
    return "Check the dataset, geography and other codes in the request."


def retry_after(header: str | None) -> str:
    """How long a 429 asks us to wait, in words: seconds, a date, or 'a minute' if unsaid."""
    if not header:
        return "a minute"
    header = header.strip()
    if header.isdigit():
        seconds = int(header)
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return "a minute"
    return f"until {when.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}"
