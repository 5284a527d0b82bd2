"""The ``mcredlab`` command: list, set up, check, solve and reset labs; run the emulator; open JupyterLab.

Exit codes of ``check``: 0 every criterion passes, 1 some criterion fails, 2 the check could not run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from mcredlab import emulator
from mcredlab._text import LANGS, Lang
from mcredlab.errors import EmulatorNotRunning, LabError
from mcredlab.labs import all_labs
from mcredlab.session import LabSession
from mcredlab.store import Store
from mcredlab.target import TARGETS, resolve

F = TypeVar("F", bound=Callable[..., Any])
CANNOT_CHECK = 2

lang_option = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=lambda: os.environ.get("MCREDLAB_LANG", "en"),
    show_default="en, or MCREDLAB_LANG",
    help="Language of the text printed.",
)
target_option = click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Where the lab runs: the embedded emulator (default), the AWS_ENDPOINT_URL endpoint, or real AWS.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def learner_errors(fn: F) -> F:
    """Print a :class:`LabError` as one sentence and exit 2, instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LabError as error:
            lang: Lang = kwargs.get("lang") or os.environ.get("MCREDLAB_LANG", "en")  # type: ignore[assignment]
            click.echo(error.message(lang if lang in LANGS else "en"), err=True)
            sys.exit(CANNOT_CHECK)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mcredlab")
def main() -> None:
    """Hands-on AWS labs with a local emulator, a timer and a Check button."""


@main.command("list")
@json_option
@click.option("--track", help="Only labs of this track (serverless, agentic-ai, ...).")
@click.option("--cert", help="Only labs serving this certification's exam guide (SAA, DVA, SOA, AIF, ...).")
@lang_option
def list_labs(as_json: bool, track: str | None, cert: str | None, lang: Lang) -> None:
    """List the labs."""
    labs = [
        lab
        for lab in all_labs().values()
        if (track is None or lab.track == track) and (cert is None or cert.upper() in lab.certs)
    ]
    if as_json:
        rows = [
            {
                "id": lab.id,
                "track": lab.track,
                "services": list(lab.services),
                "certs": list(lab.certs),
                "minutes": lab.minutes,
                "title": lab.title.to_dict(),
            }
            for lab in labs
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    id_width = max((len(lab.id) for lab in labs), default=0)
    track_width = max((len(lab.track) for lab in labs), default=0)
    for lab in labs:
        click.echo(f"{lab.id:<{id_width}}  {lab.track:<{track_width}}  {lab.minutes:>3} min  {lab.title(lang)}  "
                   f"[{', '.join(lab.certs)}]")


@main.command()
@click.argument("lab_id", metavar="LAB")
@json_option
@target_option
@lang_option
@learner_errors
def setup(lab_id: str, as_json: bool, target: str | None, lang: Lang) -> None:
    """Provision the prerequisites of LAB (safe to repeat)."""
    session = LabSession.for_lab(lab_id, target=target, lang=lang)
    context = session.setup()
    if as_json:
        click.echo(json.dumps(context))
        return
    click.echo(session.lab.title(lang))
    for key, value in context.items():
        click.echo(f"  {key}: {value}")


@main.command()
@click.argument("lab_id", metavar="LAB")
@json_option
@target_option
@lang_option
@learner_errors
def check(lab_id: str, as_json: bool, target: str | None, lang: Lang) -> None:
    """Check LAB: exit 0 when every criterion passes, 1 when one fails, 2 when it cannot check."""
    session = LabSession.for_lab(lab_id, target=target, lang=lang, start_emulator=False)
    report = session.check()
    click.echo(json.dumps(report.to_json(lang), ensure_ascii=False) if as_json else str(report.in_language(lang)))
    sys.exit(0 if report.passed else 1)


@main.command()
@click.argument("lab_id", metavar="LAB")
@target_option
@lang_option
@learner_errors
def solve(lab_id: str, target: str | None, lang: Lang) -> None:
    """Apply the reference solution of LAB."""
    LabSession.for_lab(lab_id, target=target, lang=lang).solve()
    click.echo({"en": f"Applied the reference solution of {lab_id}.", "ja": f"{lab_id} の模範解答を適用しました。"}[lang])


@main.command()
@click.argument("lab_id", metavar="LAB")
@target_option
@lang_option
@learner_errors
def reset(lab_id: str, target: str | None, lang: Lang) -> None:
    """Remove what LAB created (and only that) and forget its timer."""
    LabSession.for_lab(lab_id, target=target, lang=lang, start_emulator=False).reset()
    click.echo({"en": f"Removed what {lab_id} created.", "ja": f"{lab_id} が作成したリソースを削除しました。"}[lang])


@main.command()
@json_option
@target_option
@lang_option
@learner_errors
def progress(as_json: bool, target: str | None, lang: Lang) -> None:
    """Show which labs this learner has checked and passed."""
    try:
        key = resolve(target, start_emulator=False).key
    except EmulatorNotRunning:  # progress lives in the store: reading it needs no emulator
        key = "emulator"
    rows = Store().progress(key)
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows]))
        return
    done = {"en": ("passed", "not yet"), "ja": ("合格", "未達成")}[lang]
    width = max((len(row.lab) for row in rows), default=0)
    for row in rows:
        click.echo(f"{row.lab:<{width}}  {done[0] if row.passed else done[1]:<8} checks: {row.checks}")


@main.group("emulator")
def emulator_group() -> None:
    """Run the embedded AWS emulator in the background."""


@emulator_group.command("start")
@click.option("--port", type=int, default=None, help=f"Port on 127.0.0.1 (default {emulator.DEFAULT_PORT}, or a free one).")
@learner_errors
def emulator_start(port: int | None) -> None:
    """Start the emulator unless it runs; print its URL."""
    click.echo(emulator.start(port).url)


@emulator_group.command("stop")
def emulator_stop() -> None:
    """Stop the emulator (its resources are forgotten)."""
    click.echo("stopped" if emulator.stop() else "not running")


@emulator_group.command("status")
@json_option
def emulator_status(as_json: bool) -> None:
    """Say whether the emulator runs, and where. Exit 1 when it does not."""
    info = emulator.status()
    if as_json:
        click.echo(json.dumps({"running": info is not None, "url": info.url if info else None, "pid": info.pid if info else None}))
    else:
        click.echo(f"running at {info.url} (pid {info.pid})" if info else "not running")
    sys.exit(0 if info else 1)


@emulator_group.command("reset")
@learner_errors
def emulator_reset() -> None:
    """Forget every resource in the emulator (all labs start from scratch)."""
    info = emulator.status()
    if info is None:
        raise EmulatorNotRunning()
    emulator.reset(info)
    click.echo("reset")


def _labs_dir() -> Path:
    """The notebooks: ``labs/`` of a source checkout, else a copy in ``MCREDLAB_HOME``."""
    here = Path(__file__).resolve().parent.parent / "labs"
    if here.is_dir():
        return here
    from mcredlab.home import home
    from mcredlab.notebooks import write_all

    target = home() / "labs"
    write_all(target, overwrite=False)
    return target


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", type=int, default=None, help="Port of JupyterLab.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
@learner_errors
def lab(port: int | None, no_browser: bool, jupyter_args: tuple[str, ...]) -> None:
    """Start the emulator if needed and open JupyterLab on the labs."""
    chosen = resolve(None)  # the emulator, unless MCREDLAB_TARGET or the learner's AWS_ENDPOINT_URL says otherwise
    os.environ.update(chosen.environ())
    if chosen.kind == "emulator":
        click.echo(f"AWS emulator: {chosen.endpoint_url}")
    else:
        click.echo(f"Target: {chosen.kind} {chosen.endpoint_url or chosen.region}")
    jupyter = shutil.which("jupyter") or "jupyter"
    argv = [jupyter, "lab", f"--notebook-dir={_labs_dir()}"]
    if port:
        argv.append(f"--port={port}")
    if no_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0 and "--allow-root" not in jupyter_args:
        argv.append("--allow-root")
    argv.extend(jupyter_args)
    os.execvp(argv[0], argv)


def _checkout_labs_dir() -> Path:
    """``labs/`` of the source checkout this package runs from."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise click.UsageError("mcredlab is not running from a source checkout: name the directory (DIR).")
    return root / "labs"


@main.command("notebooks")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 listing notebooks that are missing or stale.")
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path))
def write_notebooks(check_only: bool, directory: Path | None) -> None:
    """Write every lab's notebook, rendered from its definition, into DIR (default: labs/ of the checkout)."""
    from mcredlab import notebooks

    directory = directory or _checkout_labs_dir()
    if check_only:
        problems = notebooks.problems(directory)
        for path, problem in problems.items():
            click.echo(f"{path}: {problem}")
        if problems:
            click.echo("Run `mcredlab notebooks` to rewrite them.", err=True)
        sys.exit(1 if problems else 0)
    for path in notebooks.write_all(directory):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
