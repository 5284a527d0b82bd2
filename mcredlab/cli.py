"""The ``mcredlab`` command: list, set up, check, solve and reset labs; run the emulator; open JupyterLab.

Exit codes of ``check``: 0 every criterion passes, 1 some criterion fails, 2 the check could not run.

Everything it prints, ``--help`` included, is bilingual: the language is a ``--lang`` on the command line
(``mcredlab --lang ja --help``, ``mcredlab check LAB --lang ja``), else ``MCREDLAB_LANG``, else English.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from click.formatting import HelpFormatter

from mcredlab import emulator
from mcredlab._text import LANGS, Lang, Text
from mcredlab.errors import EmulatorNotRunning, LabError
from mcredlab.labs import all_labs
from mcredlab.session import LabSession
from mcredlab.store import Store
from mcredlab.target import TARGETS, resolve

F = TypeVar("F", bound=Callable[..., Any])
CANNOT_CHECK = 2
_LANG_KEY = "mcredlab.lang"


# -- bilingual help ------------------------------------------------------------------------------


def _lang_among(args: Sequence[str]) -> str | None:
    """The value of a ``--lang`` among command-line arguments (before any ``--``)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def cli_lang(ctx: click.Context | None = None) -> Lang:
    """The language of this command line: its ``--lang``, else ``MCREDLAB_LANG``, else English."""
    ctx = ctx or click.get_current_context(silent=True)
    lang = (ctx.meta.get(_LANG_KEY) if ctx else None) or os.environ.get("MCREDLAB_LANG", "en")
    return lang if lang in LANGS else "en"  # type: ignore[return-value]


UI = {
    "usage": Text(en="Usage: ", ja="使い方: "),
    "options": Text(en="Options", ja="オプション"),
    "commands": Text(en="Commands", ja="コマンド"),
    "help": Text(en="Show this message and exit.", ja="このヘルプを表示して終了します。"),
    "version": Text(en="Show the version and exit.", ja="バージョンを表示して終了します。"),
}


class Option(click.Option):
    """An option whose help is :class:`Text`, shown in the language of the command line."""

    def __init__(self, *args: Any, text: Text | None = None, **kwargs: Any) -> None:
        if text is not None:
            kwargs["help"] = text.en
        super().__init__(*args, **kwargs)
        self.text = text

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.text is not None:
            self.help = self.text(cli_lang(ctx))
        return super().get_help_record(ctx)


def option(*decls: str, text: Text, **kwargs: Any) -> Callable[[F], F]:
    """``click.option`` with bilingual help."""
    return click.option(*decls, cls=Option, text=text, **kwargs)


class _Bilingual:
    """Help of a command or group in the language of the command line."""

    text: Text
    help: str | None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        lang = _lang_among(args)  # --help is handled before --lang is: look at the arguments themselves
        if lang:
            ctx.meta.setdefault(_LANG_KEY, lang)
        return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]

    def format_help(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        self.help = self.text(cli_lang(ctx))
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        text = self.text(cli_lang())
        if cli_lang() == "ja":
            return text.split("。")[0] + "。"
        return click.utils.make_default_short_help(text, limit)

    def format_usage(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=UI["usage"](cli_lang(ctx)))

    def format_options(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        rows = [row for param in self.get_params(ctx) if (row := param.get_help_record(ctx))]  # type: ignore[attr-defined]
        if rows:
            with formatter.section(UI["options"](cli_lang(ctx))):
                formatter.write_dl(rows)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        help_option = super().get_help_option(ctx)  # type: ignore[misc]
        if help_option is not None:
            help_option.help = UI["help"](cli_lang(ctx))
        return help_option  # type: ignore[no-any-return]


class Command(_Bilingual, click.Command):
    """A command whose help is :class:`Text` (``text=``)."""

    def __init__(self, *args: Any, text: Text, **kwargs: Any) -> None:
        kwargs["help"] = text.en
        super().__init__(*args, **kwargs)
        self.text = text


def usage_error_ja(error: click.UsageError) -> str:
    """click's usage error (a missing argument, an unknown option or command, a bad value) in Japanese."""
    if isinstance(error, click.MissingParameter) and error.param is not None:
        kind = {"argument": "引数", "option": "オプション"}.get(error.param.param_type_name, "パラメーター")
        return f"{kind} {error.param.get_error_hint(error.ctx)} を指定してください。"  # type: ignore[arg-type]
    if isinstance(error, click.NoSuchOption):
        guess = f"{'、'.join(error.possibilities)} のことですか？" if error.possibilities else ""
        return f"オプション {error.option_name} はありません。{guess}"
    if isinstance(error, click.BadParameter):
        hint = error.param_hint or (error.param.get_error_hint(error.ctx) if error.param and error.ctx else "")
        return f"{hint} の値が正しくありません（“{error.message}”）。"
    unknown = re.match(r"No such command '(.+?)'\.", error.message)
    if unknown:
        guesses = getattr(error, "possibilities", None) or []
        return f"コマンド '{unknown[1]}' はありません。" + (f"{'、'.join(guesses)} のことですか？" if guesses else "")
    return f"“{error.format_message()}”"


def show_usage_error(error: click.UsageError, lang: Lang) -> None:
    """Print a usage error as click does, in ``lang``."""
    if lang != "ja":
        error.show()
        return
    lines = []
    if error.ctx is not None:
        lines += [error.ctx.get_usage(), f"詳しくは '{error.ctx.command_path} --help' を参照してください。", ""]
    click.echo("\n".join([*lines, f"エラー: {usage_error_ja(error)}"]), err=True)


class Group(_Bilingual, click.Group):
    """A group of commands whose help, and its subcommands', is :class:`Text`."""

    command_class = Command

    def __init__(self, *args: Any, text: Text, **kwargs: Any) -> None:
        kwargs["help"] = text.en
        super().__init__(*args, **kwargs)
        self.text = text

    def main(self, args: Sequence[str] | None = None, *rest: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """click's ``main``, with usage errors (a missing argument, a misspelt command) in the chosen language."""
        if not standalone_mode:
            return super().main(args, *rest, standalone_mode=False, **kwargs)
        try:
            return super().main(args, *rest, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            chosen = _lang_among(list(sys.argv[1:] if args is None else args))
            show_usage_error(error, cli_lang(error.ctx) if chosen is None else chosen if chosen in LANGS else "en")
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)

    def format_options(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        rows = [(name, command.get_short_help_str(formatter.width - 6 - len(name)))
                for name in self.list_commands(ctx) if (command := self.get_command(ctx, name)) and not command.hidden]
        if rows:
            with formatter.section(UI["commands"](cli_lang(ctx))):
                formatter.write_dl(rows)


def say(text: Text, lang: Lang, *, err: bool = False) -> None:
    """Print ``text`` in ``lang``."""
    click.echo(text(lang), err=err)


lang_option = option(
    "--lang",
    type=click.Choice(LANGS),
    default=lambda: cli_lang(),
    text=Text(en="Language of the text printed (default: en, or MCREDLAB_LANG).",
              ja="表示するテキストの言語です（既定: en、または MCREDLAB_LANG）。"),
)
target_option = option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    text=Text(
        en="Where the lab runs: the embedded emulator (default), the AWS_ENDPOINT_URL endpoint, or real AWS.",
        ja="ラボを実行する場所です。内蔵エミュレーター（既定）、AWS_ENDPOINT_URL のエンドポイント、"
        "または実際の AWS を指定します。",
    ),
)
json_option = option("--json", "as_json", is_flag=True,
                     text=Text(en="Print JSON for programs.", ja="プログラム向けに JSON で出力します。"))


def learner_errors(fn: F) -> F:
    """Print a :class:`LabError` as one sentence and exit 2, instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LabError as error:
            lang = kwargs.get("lang")
            click.echo(error.message(lang if lang in LANGS else cli_lang()), err=True)
            sys.exit(CANNOT_CHECK)

    return wrapper  # type: ignore[return-value]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, text=Text(
    en="Hands-on AWS labs with a local emulator, a timer and a Check button.",
    ja="ローカルの AWS エミュレーター、タイマー、チェックボタンを備えたハンズオン形式の AWS ラボです。",
))
@click.version_option(package_name="mcredlab", cls=Option, text=UI["version"])
@option("--lang", type=click.Choice(LANGS), expose_value=False, text=Text(
    en="Language of help and output for every command (default: en, or MCREDLAB_LANG).",
    ja="すべてのコマンドのヘルプと出力の言語です（既定: en、または MCREDLAB_LANG）。",
))
def main() -> None:
    """The ``mcredlab`` group."""


@main.command("list", text=Text(en="List the labs.", ja="ラボの一覧を表示します。"))
@json_option
@option("--track", text=Text(en="Only labs of this track (serverless, agentic-ai, ...).",
                             ja="このトラック（serverless、agentic-ai など）のラボだけを表示します。"))
@option("--cert", text=Text(en="Only labs serving this certification's exam guide (SAA, DVA, SOA, AIF, ...).",
                            ja="この認定試験（SAA、DVA、SOA、AIF など）の試験ガイドに対応するラボだけを表示します。"))
@lang_option
def list_labs(as_json: bool, track: str | None, cert: str | None, lang: Lang) -> None:
    labs = [
        lab
        for lab in all_labs().values()
        if (track is None or lab.track == track) and (cert is None or cert.upper() in lab.certs)
    ]
    from mcredlab.catalog import service_names

    if as_json:
        rows = [
            {
                "id": lab.id,
                "track": lab.track,
                "services": list(lab.services),
                "service_names": service_names(lab, lang),
                "certs": list(lab.certs),
                "minutes": lab.minutes,
                "title": lab.title.to_dict(),
            }
            for lab in labs
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not labs:
        tracks = ", ".join(sorted({lab.track for lab in all_labs().values()}))
        click.echo(Text(en=f"No lab matches; the tracks are {tracks}, and --cert takes an exam code such as DVA.",
                        ja=f"条件に合うラボはありません。トラックは {tracks} で、--cert には DVA などの試験コードを指定します。")(lang))
        return
    id_width = max((len(lab.id) for lab in labs), default=0)
    track_width = max((len(lab.track) for lab in labs), default=0)
    minutes = Text(en="{minutes:>3} min", ja="{minutes:>3} 分")
    separator = "、" if lang == "ja" else ", "
    for lab in labs:
        click.echo(f"{lab.id:<{id_width}}  {lab.track:<{track_width}}  {minutes(lang).format(minutes=lab.minutes)}  "
                   f"{lab.title(lang)}  ({separator.join(service_names(lab, lang))})  [{', '.join(lab.certs)}]")


@main.command(text=Text(en="Provision the prerequisites of LAB (safe to repeat).",
                        ja="LAB の前提となるリソースを準備します（繰り返し実行しても安全です）。"))
@click.argument("lab_id", metavar="LAB")
@json_option
@target_option
@lang_option
@learner_errors
def setup(lab_id: str, as_json: bool, target: str | None, lang: Lang) -> None:
    session = LabSession.for_lab(lab_id, target=target, lang=lang)
    context = session.setup()
    if as_json:
        click.echo(json.dumps(context))
        return
    click.echo(session.lab.title(lang))
    for key, value in context.items():
        click.echo(f"  {key}: {value}")


@main.command(text=Text(
    en="Check LAB: exit 0 when every criterion passes, 1 when one fails, 2 when it cannot check.",
    ja="LAB をチェックします。すべての項目を達成すると終了コード 0、未達成の項目があると 1、チェックできないと 2 で終了します。",
))
@click.argument("lab_id", metavar="LAB")
@json_option
@target_option
@lang_option
@learner_errors
def check(lab_id: str, as_json: bool, target: str | None, lang: Lang) -> None:
    session = LabSession.for_lab(lab_id, target=target, lang=lang, start_emulator=False)
    report = session.check()
    click.echo(json.dumps(report.to_json(lang), ensure_ascii=False) if as_json else str(report.in_language(lang)))
    sys.exit(0 if report.passed else 1)


@main.command(text=Text(
    en="Print the task of LAB with its resources' names (setting the lab up first if needed).",
    ja="LAB の課題を、リソースの名前を埋め込んで表示します（必要なら先にラボを準備します）。",
))
@click.argument("lab_id", metavar="LAB")
@target_option
@lang_option
@learner_errors
def task(lab_id: str, target: str | None, lang: Lang) -> None:
    session = LabSession.for_lab(lab_id, target=target, lang=lang)
    if session.attempt is None:
        session.setup()
        say(Text(en=f"Set up {lab_id} on this target, so the task names its resources.",
                 ja=f"課題にリソースの名前を示すため、この環境に {lab_id} を準備しました。"), lang, err=True)
    click.echo(f"{session.lab.title(lang)}\n\n{session.task(lang)}")


@main.command(text=Text(
    en="Print the invoke URL of LAB's REST API on a stage (append a path such as /hello), or the URL of its "
    "CloudFront distribution.",
    ja="LAB の REST API のステージの呼び出し URL（/hello などのパスを付けて使います）、または LAB の CloudFront "
    "ディストリビューションの URL を表示します。",
))
@click.argument("lab_id", metavar="LAB")
@option("--stage", default="prod", show_default=True,
        text=Text(en="Stage of the API.", ja="API のステージです。"))
@option("--http", "http_viewer", is_flag=True,
        text=Text(en="For a distribution: the URL an HTTP viewer opens (HTTPS otherwise).",
                  ja="ディストリビューションの場合、HTTP のビューワーが開く URL を表示します（指定しなければ HTTPS）。"))
@target_option
@lang_option
@learner_errors
def url(lab_id: str, stage: str, http_viewer: bool, target: str | None, lang: Lang) -> None:
    session = LabSession.for_lab(lab_id, target=target, lang=lang, start_emulator=False)
    if "cloudfront" in session.lab.services and "apigateway" not in session.lab.services:
        asking = Text(en=f"find the distribution of {lab_id}", ja=f"ラボ {lab_id} のディストリビューションの取得")
        click.echo(session._run(asking, session.distribution_url, not http_viewer))
        return
    asking = Text(en=f"find the API of {lab_id}", ja=f"ラボ {lab_id} の API の取得")
    click.echo(session._run(asking, session.api_url, stage))


@main.command(text=Text(en="Apply the reference solution of LAB.", ja="LAB の模範解答を適用します。"))
@click.argument("lab_id", metavar="LAB")
@target_option
@lang_option
@learner_errors
def solve(lab_id: str, target: str | None, lang: Lang) -> None:
    LabSession.for_lab(lab_id, target=target, lang=lang).solve()
    say(Text(en=f"Applied the reference solution of {lab_id}.", ja=f"{lab_id} の模範解答を適用しました。"), lang)


@main.command(text=Text(en="Remove what LAB created (and only that) and forget its timer.",
                        ja="LAB が作成したリソース（だけ）を削除し、タイマーをリセットします。"))
@click.argument("lab_id", metavar="LAB")
@target_option
@lang_option
@learner_errors
def reset(lab_id: str, target: str | None, lang: Lang) -> None:
    LabSession.for_lab(lab_id, target=target, lang=lang, start_emulator=False).reset()
    say(Text(en=f"Removed what {lab_id} created.", ja=f"{lab_id} が作成したリソースを削除しました。"), lang)


@main.command(text=Text(en="Show which labs this learner has checked and passed.",
                        ja="チェックしたラボと合格したラボを表示します。"))
@json_option
@target_option
@lang_option
@learner_errors
def progress(as_json: bool, target: str | None, lang: Lang) -> None:
    try:
        key = resolve(target, start_emulator=False).key
    except EmulatorNotRunning:  # progress lives in the store: reading it needs no emulator
        key = "emulator"
    rows = Store().progress(key)
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows]))
        return
    if not rows:
        say(Text(en="No lab has been checked here yet: start one with `mcredlab lab` (or `mcredlab task LAB`), "
                    "then check it with the Check button or `mcredlab check LAB`.",
                 ja="ここではまだどのラボもチェックしていません。`mcredlab lab`（または `mcredlab task LAB`）で"
                    "ラボを始め、チェックボタンか `mcredlab check LAB` でチェックしてください。"), lang)
        return
    done = {"en": ("passed", "not yet"), "ja": ("合格", "未達成")}[lang]
    checks = Text(en="checks: {checks}", ja="チェック回数: {checks}")
    width = max(len(row.lab) for row in rows)
    for row in rows:
        click.echo(f"{row.lab:<{width}}  {done[0] if row.passed else done[1]:<8} "
                   f"{checks(lang).format(checks=row.checks)}")


@main.command(text=Text(
    en="Print shell exports that send a terminal's aws and boto3 to the target: eval \"$(mcredlab env)\".",
    ja="ターミナルの aws や boto3 をターゲットに向けるシェルの export 文を出力します。"
    "eval \"$(mcredlab env)\" のように使います。",
))
@target_option
@lang_option
@learner_errors
def env(target: str | None, lang: Lang) -> None:
    chosen = resolve(target)  # starts the emulator if needed, as `mcredlab lab` does
    if chosen.kind == "aws":
        click.echo("unset AWS_ENDPOINT_URL")
    for name, value in chosen.environ().items():
        click.echo(f"export {name}={shlex.quote(value)}")
    if sys.stdout.isatty():
        say(Text(en='To use these in this shell, run: eval "$(mcredlab env)"',
                 ja='このシェルで使うには eval "$(mcredlab env)" を実行してください。'), lang, err=True)


@main.group("emulator", cls=Group, text=Text(en="Run the embedded AWS emulator in the background.",
                                            ja="内蔵の AWS エミュレーターをバックグラウンドで実行します。"))
def emulator_group() -> None:
    """The ``mcredlab emulator`` group."""


@emulator_group.command("start", text=Text(en="Start the emulator unless it runs; print its URL.",
                                           ja="エミュレーターが起動していなければ起動し、その URL を表示します。"))
@option("--port", type=int, default=None, text=Text(
    en=f"Port on 127.0.0.1 (default {emulator.DEFAULT_PORT}, or a free one).",
    ja=f"127.0.0.1 のポートです（既定: {emulator.DEFAULT_PORT}、使用中なら空いているポート）。",
))
@lang_option
@learner_errors
def emulator_start(port: int | None, lang: Lang) -> None:
    click.echo(emulator.start(port).url)


@emulator_group.command("stop", text=Text(en="Stop the emulator (its resources are forgotten).",
                                          ja="エミュレーターを停止します（リソースは消去されます）。"))
@lang_option
def emulator_stop(lang: Lang) -> None:
    stopped = emulator.stop()
    say(Text(en="stopped", ja="停止しました") if stopped else Text(en="not running", ja="起動していません"), lang)


@emulator_group.command("status", text=Text(en="Say whether the emulator runs, and where. Exit 1 when it does not.",
                                            ja="エミュレーターが起動しているか、どこで動いているかを表示します。"
                                            "起動していなければ終了コード 1 で終了します。"))
@json_option
@lang_option
def emulator_status(as_json: bool, lang: Lang) -> None:
    info = emulator.status()
    if as_json:
        click.echo(json.dumps({"running": info is not None, "url": info.url if info else None, "pid": info.pid if info else None}))
    elif info:
        say(Text(en=f"running at {info.url} (pid {info.pid})", ja=f"{info.url} で起動しています（PID {info.pid}）"), lang)
    else:
        say(Text(en="not running", ja="起動していません"), lang)
    sys.exit(0 if info else 1)


@emulator_group.command("reset", text=Text(en="Forget every resource in the emulator (all labs start from scratch).",
                                           ja="エミュレーターのすべてのリソースを消去します（どのラボも最初からになります）。"))
@lang_option
@learner_errors
def emulator_reset(lang: Lang) -> None:
    info = emulator.status()
    if info is None:
        raise EmulatorNotRunning()
    emulator.reset(info)
    say(Text(en="reset", ja="リセットしました"), lang)


# -- exam mode ---------------------------------------------------------------------------------


@main.group("exam", cls=Group, text=Text(
    en="A mock microcredential: tasks drawn from a track, one clock, Check per task, a score and a badge.",
    ja="模擬マイクロクレデンシャルです。トラックから選ばれた課題、1 つの制限時間、課題ごとのチェック、スコアとバッジがあります。",
))
def exam_group() -> None:
    """The ``mcredlab exam`` group."""


def _exam_session(target: str | None, lang: Lang, *, start_emulator: bool = False) -> Any:
    from mcredlab.exam import ExamSession

    return ExamSession(resolve(target, start_emulator=start_emulator), lang=lang)


def _clock(seconds: float, lang: Lang) -> str:
    minutes, rest = divmod(int(max(0, seconds)), 60)
    return Text(en=f"{minutes} min {rest:02d} s left", ja=f"残り {minutes} 分 {rest:02d} 秒")(lang)


EXAM_STATES = {
    "locked": Text(en="locked", ja="ロック中"), "unchecked": Text(en="not checked", ja="未チェック"),
    "failed": Text(en="not yet", ja="未達成"), "passed": Text(en="passed", ja="合格"),
}


def _task_lines(tasks: list[dict[str, Any]], lang: Lang, *, states: bool) -> list[str]:
    width = max(len(t["lab"]) for t in tasks)
    lines = []
    for t in tasks:
        after = Text(en=f" (after {t['after']})", ja=f"（{t['after']} の後）")(lang) if t.get("after") else ""
        state = f"{EXAM_STATES[t['state']](lang):<12}" if states else ""
        lines.append(f"  {t['id']:<7} {state}{t['lab']:<{width}}  {t['title']}{after}")
    return lines


@exam_group.command("start", text=Text(
    en="Start an exam: serverless, agentic-ai or sample. The same --seed draws the same tasks in the same order.",
    ja="試験を開始します（`serverless`、`agentic-ai`、`sample`）。同じ --seed を指定すると、同じ課題が同じ順序で選ばれます。",
))
@click.argument("name", metavar="EXAM")
@option("--tasks", type=int, default=None, text=Text(en="How many tasks (default: 6, or 2 for sample).",
                                                      ja="課題の数です（既定: 6、`sample` は 2）。"))
@option("--seed", type=int, default=None, text=Text(en="Seed of the draw (give a class the same exam).",
                                                     ja="課題を選ぶシードです（クラス全員に同じ試験を出すときに指定します）。"))
@option("--minutes", type=float, default=None, text=Text(en="Length of the exam (default: 90, or 30 for sample).",
                                                          ja="試験時間（分）です（既定: 90、`sample` は 30）。"))
@option("--new", is_flag=True, text=Text(en="End an exam under way and start anew.",
                                         ja="進行中の試験を終了して、新しい試験を開始します。"))
@json_option
@target_option
@lang_option
@learner_errors
def exam_start(name: str, tasks: int | None, seed: int | None, minutes: float | None, new: bool, as_json: bool,
               target: str | None, lang: Lang) -> None:
    session = _exam_session(target, lang, start_emulator=True)
    record = session.start(name, tasks=tasks, seed=seed, minutes=minutes, new=new)
    status = session.status()
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    click.echo(f"{status['title']}  ({record.id}, seed {record.seed})")
    ends = time.strftime("%H:%M", time.localtime(record.deadline))
    click.echo(Text(en=f"{_clock(status['seconds_left'], 'en')} (ends at {ends})",
                    ja=f"{_clock(status['seconds_left'], 'ja')}（{ends} に終了）")(lang))
    for line in _task_lines(status["tasks"], lang, states=False):
        click.echo(line)
    say(Text(en="Read a task with `mcredlab exam task task-1`; check it with `mcredlab exam check task-1`.",
             ja="課題は `mcredlab exam task task-1` で表示し、`mcredlab exam check task-1` でチェックします。"), lang)


@exam_group.command("status", text=Text(en="Show each task's state and the time left.",
                                        ja="各課題の状態と残り時間を表示します。"))
@json_option
@target_option
@lang_option
@learner_errors
def exam_status(as_json: bool, target: str | None, lang: Lang) -> None:
    status = _exam_session(target, lang).status()
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    click.echo(f"{status['title']}  ({status['id']})")
    over = Text(en="Time is up: see the result with `mcredlab exam finish`.",
                ja="試験時間が終了しました。結果は `mcredlab exam finish` で確認できます。")
    click.echo(over(lang) if status["over"] else _clock(status["seconds_left"], lang))
    for line in _task_lines(status["tasks"], lang, states=True):
        click.echo(line)


@exam_group.command("task", text=Text(en="Print the text of TASK (task-1, 1, or its lab's id).",
                                      ja="TASK（task-1、1、またはラボの ID）の課題文を表示します。"))
@click.argument("name", metavar="TASK")
@target_option
@lang_option
@learner_errors
def exam_task(name: str, target: str | None, lang: Lang) -> None:
    from mcredlab.exam import TaskLocked

    session = _exam_session(target, lang)
    record = session.current()
    task = session.task(name, record)
    if session.state_of(task, record) == "locked":
        raise TaskLocked(task.id, str(task.after))
    lab_session = LabSession.for_lab(task.lab, target=target, lang=lang, start_emulator=False)
    click.echo(f"{task.id}: {lab_session.lab.title(lang)}\n\n{lab_session.task(lang)}")


@exam_group.command("check", text=Text(
    en="Check TASK (hints are left out: `mcredlab exam hint` opens one, for a cost). Exit 0 passed, 1 not yet.",
    ja="TASK をチェックします（ヒントは表示しません。`mcredlab exam hint` で開くと減点されます）。"
    "合格なら終了コード 0、未達成なら 1 で終了します。",
))
@click.argument("name", metavar="TASK")
@json_option
@target_option
@lang_option
@learner_errors
def exam_check(name: str, as_json: bool, target: str | None, lang: Lang) -> None:
    from mcredlab.exam import HINT_COST
    from mcredlab.render import report_text

    session = _exam_session(target, lang)
    report = session.check(name)
    task = session.task(name)
    if as_json:
        shown = report.to_json(lang)
        for criterion in shown["criteria"]:
            criterion.pop("hint", None)
        click.echo(json.dumps({"task": task.id, **shown}, ensure_ascii=False))
    else:
        click.echo(f"{task.id}  " + report_text(report.in_language(lang), lang, hints=False))
        if not report.passed:
            say(Text(en=f"A hint: `mcredlab exam hint {task.id} CRITERION` (each costs {HINT_COST} points).",
                     ja=f"ヒント: `mcredlab exam hint {task.id} 判定項目`（1 つにつき {HINT_COST} 点の減点）。"), lang)
    sys.exit(0 if report.passed else 1)


@exam_group.command("hint", text=Text(en="Open the hint of CRITERION of TASK (in the exam, it costs points).",
                                      ja="TASK の判定項目 CRITERION のヒントを開きます（試験では減点されます）。"))
@click.argument("name", metavar="TASK")
@click.argument("criterion", metavar="CRITERION")
@target_option
@lang_option
@learner_errors
def exam_hint(name: str, criterion: str, target: str | None, lang: Lang) -> None:
    click.echo(_exam_session(target, lang).hint(name, criterion)(lang))


@exam_group.command("finish", text=Text(
    en="End the exam and show the score; --badge DIR writes the badge when passed.",
    ja="試験を終了してスコアを表示します。合格した場合、--badge DIR にバッジを書き出します。",
))
@option("--badge", "badge_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        text=Text(en="Directory for the badge (written only when passed).",
                  ja="バッジを書き出すディレクトリです（合格した場合だけ書き出します）。"))
@json_option
@target_option
@lang_option
@learner_errors
def exam_finish(badge_dir: Path | None, as_json: bool, target: str | None, lang: Lang) -> None:
    result = _exam_session(target, lang).finish()
    written: list[str] = []
    if badge_dir is not None and result["passed"]:
        from mcredlab.badge import issue_badge

        files = issue_badge(result, badge_dir)
        written = [str(files.assertion), *(str(path) for path in files.svg.values())]
    if as_json:
        click.echo(json.dumps({**result, "badge": written}, ensure_ascii=False, indent=2))
        return
    verdict = Text(en="PASSED", ja="合格") if result["passed"] else Text(en="NOT PASSED", ja="不合格")
    click.echo(Text(en=f"{verdict.en}: {result['score']:g} of {result['total']} points (pass mark {result['pass_mark']:g})",
                    ja=f"{verdict.ja}: {result['total']} 点中 {result['score']:g} 点（合格点 {result['pass_mark']:g} 点）")(lang))
    for t in result["tasks"]:
        used = f"{t['seconds_used'] / 60:.1f}" if t["seconds_used"] is not None else "-"
        line = Text(en=f"  {t['id']:<7} {EXAM_STATES[t['state']].en:<12}{t['points']:g} pt  hints {t['hints']}  "
                       f"{used} min  {t['lab']}",
                    ja=f"  {t['id']:<7} {EXAM_STATES[t['state']].ja:<12}{t['points']:g} 点  ヒント {t['hints']}  "
                       f"{used} 分  {t['lab']}")
        click.echo(line(lang))
    for path in written:
        click.echo(Text(en=f"badge: {path}", ja=f"バッジ: {path}")(lang))


@exam_group.command("verify", text=Text(
    en="Verify a badge (its JSON or either SVG) against your stored attempt record: exit 0 it matches, 1 it does not.",
    ja="バッジ（JSON、またはいずれかの SVG）を、保存されている受験記録と照合します。一致すれば終了コード 0、"
    "一致しなければ 1 で終了します。",
))
@click.argument("badge_file", metavar="FILE", type=click.Path(path_type=Path))
@lang_option
@learner_errors
def exam_verify(badge_file: Path, lang: Lang) -> None:
    from mcredlab.badge import Verification, attempt_of, verify_badge

    exam_id = attempt_of(badge_file)
    found = Store().exam_by_id(exam_id) if exam_id else None
    if found is not None and found.result is not None:
        verdict = verify_badge(badge_file, found.result)
    elif exam_id is None:
        verdict = verify_badge(badge_file, {})  # says why the file is no badge
    else:
        verdict = Verification(False, Text(
            en=f"No finished attempt {exam_id} is stored here: a badge verifies only where its attempt was taken.",
            ja=f"受験 {exam_id} の終了した記録はここに保存されていません。バッジは、受験した環境でだけ検証できます。"))
    say(verdict.reason, lang)
    sys.exit(0 if verdict.ok else 1)


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


TRANSLATION_PLUGIN = ("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")


def _japanese_jupyterlab_settings() -> Path:
    """A JupyterLab settings directory of mcredlab's own whose display language is Japanese.

    It starts as a copy of the learner's own settings; those are never changed.
    """
    from jupyter_core.paths import jupyter_config_dir

    from mcredlab.home import home

    settings = home() / "jupyterlab-settings-ja"
    own = Path(os.environ.get("JUPYTERLAB_SETTINGS_DIR") or Path(jupyter_config_dir()) / "lab" / "user-settings")
    if not settings.exists() and own.is_dir():
        shutil.copytree(own, settings)
    plugin = settings.joinpath(*TRANSLATION_PLUGIN)
    plugin.parent.mkdir(parents=True, exist_ok=True)
    try:
        values = json.loads(plugin.read_text())
    except (OSError, ValueError):
        values = {}
    plugin.write_text(json.dumps({**(values if isinstance(values, dict) else {}), "locale": "ja_JP"}, indent=2))
    return settings


@main.command(text=Text(
    en="Start the emulator if needed and open JupyterLab on the labs; other options go to JupyterLab.",
    ja="必要ならエミュレーターを起動し、ラボを開いた JupyterLab を起動します。ほかのオプションは JupyterLab に渡します。",
), context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@option("--port", type=int, default=None, text=Text(en="Port of JupyterLab.", ja="JupyterLab のポートです。"))
@option("--emulator-port", type=int, default=None, text=Text(
    en=f"Port of the emulator on 127.0.0.1 (default {emulator.DEFAULT_PORT}, or a free one).",
    ja=f"127.0.0.1 のエミュレーターのポートです（既定: {emulator.DEFAULT_PORT}、使用中なら空いているポート）。",
))
@option("--no-browser", is_flag=True, text=Text(
    en="Do not open a browser: open the URL JupyterLab prints yourself.",
    ja="ブラウザーを開きません。JupyterLab が表示する URL をご自身で開いてください。",
))
@lang_option
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
@learner_errors
def lab(port: int | None, emulator_port: int | None, no_browser: bool, lang: Lang, jupyter_args: tuple[str, ...]) -> None:
    if emulator_port is not None:
        emulator.start(emulator_port)
    # the emulator, unless MCREDLAB_TARGET or the learner's AWS_ENDPOINT_URL says otherwise
    chosen = resolve("emulator" if emulator_port is not None else None)
    os.environ.update(chosen.environ())
    if chosen.kind == "emulator":
        say(Text(en=f"AWS emulator: {chosen.endpoint_url}", ja=f"AWS エミュレーター: {chosen.endpoint_url}"), lang)
    else:
        where = chosen.endpoint_url or chosen.region
        say(Text(en=f"Target: {chosen.kind} {where}", ja=f"ターゲット: {chosen.kind} {where}"), lang)
    if lang == "ja":
        os.environ["JUPYTERLAB_SETTINGS_DIR"] = str(_japanese_jupyterlab_settings())
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


def _checkout_labs_dir(lang: Lang) -> Path:
    """``labs/`` of the source checkout this package runs from."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise click.UsageError(Text(en="mcredlab is not running from a source checkout: name the directory (DIR).",
                                    ja="mcredlab はソースのチェックアウトから実行されていません。"
                                    "ディレクトリ（DIR）を指定してください。")(lang))
    return root / "labs"


@main.command("notebooks", text=Text(
    en="Write every lab's notebook, rendered from its definition, into DIR (default: labs/ of the checkout).",
    ja="各ラボの定義から生成したノートブックを DIR（既定: チェックアウトの labs/）に書き出します。",
))
@option("--check", "check_only", is_flag=True, text=Text(
    en="Write nothing; exit 1 listing notebooks that are missing or stale.",
    ja="何も書き出さず、存在しないか古いノートブックを一覧にして終了コード 1 で終了します。",
))
@lang_option
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path))
def write_notebooks(check_only: bool, lang: Lang, directory: Path | None) -> None:
    from mcredlab import catalog, notebooks

    readmes = directory is None  # the checkout's own notebooks: its READMEs' lab tables too
    directory = directory or _checkout_labs_dir(lang)
    root = directory.parent
    if check_only:
        problems = {path: str(problem) for path, problem in notebooks.problems(directory).items()}
        if readmes:
            stale = Text(en="its lab tables differ from the labs", ja="ラボ一覧の表がラボの定義と異なります")
            problems.update({path: stale(lang) for path in catalog.stale_readmes(root, all_labs().values())})
        for path, problem in problems.items():
            click.echo(f"{path}: {problem}")
        if problems:
            say(Text(en="Run `mcredlab notebooks` to rewrite them.",
                     ja="`mcredlab notebooks` を実行して書き直してください。"), lang, err=True)
        sys.exit(1 if problems else 0)
    written = notebooks.write_all(directory)
    if readmes:
        written += catalog.write_readmes(root, all_labs().values())
    for path in written:
        say(Text(en=f"wrote {path}", ja=f"{path} を書き出しました"), lang)


@main.command("new-lab", text=Text(
    en="Start a new lab ID: a task module that already passes the lab contract, and its notebook.",
    ja="新しいラボ ID を作成します。ラボの契約テストにそのまま合格するタスクモジュールと、そのノートブックを書き出します。",
))
@click.argument("lab_id", metavar="ID")
@option("--track", default="serverless", show_default=True, text=Text(
    en="The lab's track (serverless, agentic-ai).", ja="ラボのトラック（serverless、agentic-ai）です。"))
@option("--root", type=click.Path(file_okay=False, path_type=Path), default=None, text=Text(
    en="The source checkout to write into (default: the one mcredlab runs from).",
    ja="書き出す先のソースのチェックアウトです（既定: mcredlab を実行しているチェックアウト）。",
))
@lang_option
def new_lab(lab_id: str, track: str, root: Path | None, lang: Lang) -> None:
    from mcredlab.scaffold import ScaffoldError
    from mcredlab.scaffold import new_lab as scaffold

    root = root or _checkout_labs_dir(lang).parent
    try:
        module, notebook = scaffold(root, lab_id, track)
    except ScaffoldError as error:
        raise click.UsageError(error.text(lang)) from None
    say(Text(en=f"wrote {module}", ja=f"{module} を書き出しました"), lang)
    say(Text(en=f"wrote {notebook}", ja=f"{notebook} を書き出しました"), lang)
    test = f"pytest tests/test_lab_contract.py -k {lab_id}"
    say(Text(
        en=f"Next: turn the example in {module.name} into the task (`from mcredlab.kit import ...` has all it needs), "
        f"run `mcredlab notebooks` to render its notebook and the README tables again, and `{test}` as you go.",
        ja=f"次に、{module.name} の例を課題に書き換えます（必要なものはすべて `from mcredlab.kit import ...` にあります）。"
        f"`mcredlab notebooks` でノートブックと README のラボ一覧を生成し直し、作業しながら `{test}` を実行します。",
    ), lang)


if __name__ == "__main__":
    main()
