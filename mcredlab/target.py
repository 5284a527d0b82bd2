"""Which AWS a lab talks to: the embedded emulator, another endpoint, or a real account.

The target is chosen by ``--target`` / ``MCREDLAB_TARGET``; without either, an ``AWS_ENDPOINT_URL``
set by the learner means that endpoint, and otherwise the embedded emulator is used. Real AWS needs
``MCREDLAB_ALLOW_REAL_AWS=1`` as well, because labs create resources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.config
import botocore.exceptions

from mcredlab import emulator
from mcredlab.errors import (
    EmulatorNotRunning,
    EndpointUnreachable,
    NoCredentials,
    NoEndpoint,
    NoRegion,
    RealAwsNotAllowed,
    UnknownTarget,
)
from mcredlab.read_cache import ReadCache

TargetKind = Literal["emulator", "endpoint", "aws"]
TARGETS: tuple[TargetKind, ...] = ("emulator", "endpoint", "aws")
EMULATOR_REGION = "us-east-1"
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
_TRUE = {"1", "true", "yes", "on"}
_CLIENT_CONFIG = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)


def _keep_endpoint_host(endpoint_url: str) -> Callable[..., None]:
    """An endpoint on localhost cannot take the account-id host prefix that s3control adds."""
    host = urlsplit(endpoint_url).netloc

    def strip_prefix(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc != host and parts.netloc.endswith("." + host):
            request.url = urlunsplit(parts._replace(netloc=host))

    return strip_prefix


@dataclass(frozen=True)
class Target:
    """One AWS to talk to. ``key`` names it in the progress store."""

    kind: TargetKind
    region: str
    endpoint_url: str | None = None

    @property
    def key(self) -> str:
        return self.kind if self.kind != "endpoint" else f"endpoint:{self.endpoint_url}"

    def environ(self) -> dict[str, str]:
        """Environment that sends a learner's own boto3 and ``aws`` CLI calls to this target."""
        env = {"AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region, "MCREDLAB_TARGET": self.kind}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.kind == "emulator":
            env.update(EMULATOR_CREDENTIALS)
        return env

    def session(self) -> boto3.Session:
        if self.kind == "emulator":
            return boto3.Session(
                aws_access_key_id=EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                region_name=self.region,
            )
        session = boto3.Session(region_name=self.region)
        if session.get_credentials() is None:
            if self.kind == "endpoint":  # LocalStack and the like accept any key
                return boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=self.region)
            raise NoCredentials()
        return session

    def aws(self, *, read_only: bool = False) -> Aws:
        return Aws(self, read_only=read_only)


def _emulator_region() -> str:
    return os.environ.get("MCREDLAB_REGION") or EMULATOR_REGION


_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def _is_the_emulator(url: str | None) -> bool:
    """Whether ``url`` reaches the running emulator: its port on a loopback host (``localhost:4747``)."""
    if not url:
        return False
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if port is None or not (host in _LOOPBACK_HOSTS or host.startswith("127.")):
        return False
    info = emulator.status()
    return info is not None and info.port == port


def resolve(kind: str | None = None, *, start_emulator: bool = True) -> Target:
    """The target named by ``kind``, ``MCREDLAB_TARGET`` or the environment (see module docstring)."""
    chosen = kind or os.environ.get("MCREDLAB_TARGET") or ""
    if not chosen:
        chosen = "endpoint" if os.environ.get("AWS_ENDPOINT_URL") else "emulator"
    if chosen not in TARGETS:
        raise UnknownTarget(chosen)
    if chosen == "endpoint" and _is_the_emulator(os.environ.get("MCREDLAB_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL")):
        chosen = "emulator"  # the kit's own emulator is one target however its URL is spelt
    if chosen == "emulator":
        info = emulator.ensure_running() if start_emulator else emulator.status()
        if info is None:
            raise EmulatorNotRunning()
        return Target("emulator", _emulator_region(), info.url)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or boto3.Session().region_name
    if chosen == "endpoint":
        url = os.environ.get("MCREDLAB_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL")
        if not url:
            raise NoEndpoint()
        return Target("endpoint", region or EMULATOR_REGION, url)
    if os.environ.get("MCREDLAB_ALLOW_REAL_AWS", "").lower() not in _TRUE:
        raise RealAwsNotAllowed()
    if not region:
        raise NoRegion()
    return Target("aws", region)


READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Scan", "Query")
STATELESS_OPERATIONS = frozenset({"ApplyGuardrail", "Converse", "InvokeModel", "Retrieve", "InvokeAgent"})
"""Operations that evaluate without changing any resource; behaviour criteria may call them."""


def reads_only(operation: str) -> bool:
    """Whether an API operation (``GetBucketPolicy``) only reads or evaluates."""
    return operation.startswith(READ_PREFIXES) or operation in STATELESS_OPERATIONS


SAFE_HTTP_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class HttpReply:
    """What an unsigned HTTP request got back (as a browser or curl would see it)."""

    status: int
    headers: dict[str, str]
    body: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class NoHttpAnswer(OSError):
    """An HTTP request a check sent got no answer at all (refused, or nothing within the time limit)."""

    def __init__(self, method: str, url: str, reason: str, *, refused: bool = False) -> None:
        super().__init__(f"{method} {url}: {reason}")
        self.method, self.url, self.reason, self.refused = method, url, reason, refused


HTTP_TIMEOUT_SECONDS = 60


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand a redirect back as the reply instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WriteAttempted(RuntimeError):
    """A check tried to change state; checks only read."""


@dataclass
class Aws:
    """boto3 clients for one target, shared by a lab's setup, solution and checks.

    With ``read_only=True`` (how checks get it) any operation that is not a read raises
    :class:`WriteAttempted` before it is sent, and each distinct read is sent once (see
    :mod:`mcredlab.read_cache`). ``calls`` records every request sent; ``reads`` every one asked,
    including those answered from that cache.
    """

    target: Target
    read_only: bool = False
    calls: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    _cache: ReadCache = field(default_factory=ReadCache, repr=False)
    _session: boto3.Session | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _account_id: str | None = None

    @property
    def region(self) -> str:
        return self.target.region

    def client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                self._session = self.target.session()
            client = self._session.client(
                service,
                endpoint_url=self.target.endpoint_url,
                region_name=self.region,
                config=_CLIENT_CONFIG,
            )
            if self.target.endpoint_url:
                client.meta.events.register("before-sign.s3-control.*", _keep_endpoint_host(self.target.endpoint_url))
            client.meta.events.register("before-call.*.*", self._before_call)
            if self.read_only:
                self._cache.attach(client)
            self._clients[service] = client
        return self._clients[service]

    def _before_call(self, model: Any, context: dict[str, Any] | None = None, **_: Any) -> Any:
        name = f"{model.service_model.service_name}:{model.name}"
        self.reads.append(name)
        if self.read_only and not reads_only(model.name):
            self.calls.append(name)
            raise WriteAttempted(f"checks only read, but this one called {name}")
        answered = self._cache.answer(context) if self.read_only else None
        if answered is None:
            self.calls.append(name)
        return answered

    def cli(self, *args: str, input: str | None = None) -> str:
        """Run the AWS CLI against this target (as a learner's terminal would); return its output."""
        if self.read_only:
            raise WriteAttempted("checks do not run the AWS CLI")
        aws = shutil.which("aws") or "aws"
        env = {**os.environ, **self.target.environ()}
        self.calls.append("cli:" + " ".join(args[:2]))
        if args[:1] == ("sqs",) and self.target.endpoint_url:  # AWS CLI v1 ignores AWS_ENDPOINT_URL for sqs
            args = ("--endpoint-url", self.target.endpoint_url, *args)  # (aws/aws-cli#8737)
        done = subprocess.run([aws, *args], env=env, input=input, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"aws {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def http(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: str | None = None,
        *,
        evaluates_only: bool = False,
        follow_redirects: bool = True,
    ) -> HttpReply:
        """Send an anonymous HTTP request, as a browser or curl would.

        Checks may only GET, HEAD or OPTIONS, or POST with ``evaluates_only=True`` to an endpoint the
        task defines as a pure question (such as an API that asks a model); the call is recorded.
        With ``follow_redirects=False`` a redirect is the reply (``curl -i`` without ``-L``).
        """
        verb = method.upper()
        if self.read_only and verb not in SAFE_HTTP_METHODS and not evaluates_only:
            raise WriteAttempted(f"checks only read, but this one sent {verb} {url}")
        name = f"http:{verb}{'(evaluates)' if evaluates_only else ''} {url}"
        self.reads.append(name)
        key = self._cache.http_key(verb, url, headers) if self.read_only and verb in SAFE_HTTP_METHODS else None
        if key is not None and not follow_redirects:
            key = (key, "no redirects")
        if key is not None:
            found, cached = self._cache.lookup(key)
            if found:
                return cached  # type: ignore[no-any-return]
        self.calls.append(name)
        reply = self._send_http(verb, url, headers, body, follow_redirects)
        if key is not None:
            self._cache.remember(key, reply)
        return reply

    def _send_http(self, verb: str, url: str, headers: dict[str, str] | None, body: str | None,
                   follow_redirects: bool = True) -> HttpReply:
        data = body.encode() if body is not None else None
        request = urllib.request.Request(url, method=verb, headers=headers or {}, data=data)
        opener = urllib.request.build_opener() if follow_redirects else urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=HTTP_TIMEOUT_SECONDS) as reply:
                return HttpReply(reply.status, dict(reply.headers.items()), reply.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return HttpReply(error.code, dict(error.headers.items()), error.read().decode("utf-8", "replace"))
        except TimeoutError as error:
            raise NoHttpAnswer(verb, url, f"no answer within {HTTP_TIMEOUT_SECONDS} s") from error
        except (urllib.error.URLError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            refused = isinstance(reason, ConnectionRefusedError)
            raise NoHttpAnswer(verb, url, str(reason), refused=refused) from error

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(self.client("sts").get_caller_identity()["Account"])
        return self._account_id


def translate_connection_errors(target: Target) -> Callable[[BaseException], BaseException | None]:
    """A function mapping low-level client errors to the learner-facing error for ``target``."""

    def translate(error: BaseException) -> BaseException | None:
        if isinstance(error, botocore.exceptions.NoCredentialsError):
            return NoCredentials()
        if isinstance(error, botocore.exceptions.NoRegionError):
            return NoRegion()
        if isinstance(error, NoHttpAnswer):
            on_target = bool(target.endpoint_url) and error.url.startswith(str(target.endpoint_url))
            if not (error.refused and on_target):
                return None  # the learner's site or API did not answer: a finding, not a broken target
        if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
                              NoHttpAnswer)):
            if target.kind == "emulator":
                return EmulatorNotRunning(target.endpoint_url)
            return EndpointUnreachable(target.endpoint_url or "AWS")
        return None

    return translate
