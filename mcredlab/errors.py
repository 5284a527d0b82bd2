"""Errors a learner can act on: one sentence and a next step, in English and Japanese."""

from __future__ import annotations

from collections.abc import Iterable

from mcredlab._text import Lang, Text


class LabError(Exception):
    """A problem that stops mcredlab from doing what was asked; never shown as a traceback."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text

    def message(self, lang: Lang = "en") -> str:
        return self.text(lang)


class EmulatorNotRunning(LabError):
    def __init__(self, url: str | None = None) -> None:
        super().__init__(
            Text(
                en=f"The local AWS emulator{f' at {url}' if url else ''} is not running: start it with "
                "`mcredlab emulator start` (in a notebook, run the cell that opens the lab again), then try again.",
                ja=f"{f'{url} の' if url else ''}ローカルの AWS エミュレーターが起動していません。"
                "`mcredlab emulator start` で起動してから（ノートブックではラボを開くセルをもう一度実行してから）、"
                "もう一度お試しください。",
            )
        )


class EmulatorFailedToStart(LabError):
    def __init__(self, detail: Text, log: str) -> None:
        super().__init__(
            Text(
                en=f"The local AWS emulator did not start ({detail.en}); see {log} for the reason.",
                ja=f"ローカルの AWS エミュレーターを起動できませんでした（{detail.ja}）。原因は {log} を確認してください。",
            )
        )


class EndpointUnreachable(LabError):
    def __init__(self, url: str) -> None:
        super().__init__(
            Text(
                en=f"Nothing answers at {url}: start that endpoint, or unset AWS_ENDPOINT_URL "
                "to use the built-in emulator.",
                ja=f"{url} から応答がありません。そのエンドポイントを起動するか、"
                "内蔵エミュレーターを使うには AWS_ENDPOINT_URL の設定を解除してください。",
            )
        )


class NoCredentials(LabError):
    def __init__(self) -> None:
        super().__init__(
            Text(
                en="No AWS credentials were found: run `aws configure` (or set AWS_PROFILE) "
                "for your sandbox account, or use the built-in emulator with `--target emulator`.",
                ja="AWS の認証情報が見つかりません。サンドボックス用アカウントで `aws configure` を実行する"
                "（または AWS_PROFILE を設定する）か、`--target emulator` で内蔵エミュレーターを使ってください。",
            )
        )


class NoRegion(LabError):
    def __init__(self) -> None:
        super().__init__(
            Text(
                en="No AWS region is set: set AWS_DEFAULT_REGION (for example us-east-1) and try again.",
                ja="AWS リージョンが設定されていません。AWS_DEFAULT_REGION（例: us-east-1）を設定して、もう一度実行してください。",
            )
        )


class WrongRegion(LabError):
    def __init__(self, lab_id: str, set_up_in: str, now: str) -> None:
        super().__init__(
            Text(
                en=f"Lab {lab_id} was set up in {set_up_in}, but this session uses {now}: "
                f"set AWS_DEFAULT_REGION={set_up_in}, or run `mcredlab setup {lab_id}` to start over in {now}.",
                ja=f"ラボ {lab_id} は {set_up_in} に準備されていますが、現在のリージョンは {now} です。"
                f"AWS_DEFAULT_REGION={set_up_in} を設定するか、`mcredlab setup {lab_id}` で {now} に準備し直してください。",
            )
        )


class NotSetUp(LabError):
    def __init__(self, lab_id: str) -> None:
        super().__init__(
            Text(
                en=f"Lab {lab_id} has not been set up on this target yet: run `mcredlab setup {lab_id}` "
                "(or open its notebook) first.",
                ja=f"ラボ {lab_id} はまだこの環境に準備されていません。先に `mcredlab setup {lab_id}` を実行するか、"
                "ラボのノートブックを開いてください。",
            )
        )


class UnknownLab(LabError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known))
        super().__init__(
            Text(
                en=f"There is no lab called {name!r}; the labs are: {names} (see `mcredlab list`).",
                ja=f"{name!r} というラボはありません。利用できるラボ: {names}（`mcredlab list` で一覧を表示できます）。",
            )
        )


class RealAwsNotAllowed(LabError):
    def __init__(self) -> None:
        super().__init__(
            Text(
                en="Real AWS is off by default because labs create resources that may cost money: "
                "set MCREDLAB_ALLOW_REAL_AWS=1 to use the sandbox account your credentials point to.",
                ja="ラボはリソースを作成し料金が発生する場合があるため、実際の AWS は既定で無効です。"
                "認証情報が指すサンドボックス用アカウントを使うには MCREDLAB_ALLOW_REAL_AWS=1 を設定してください。",
            )
        )


class UnknownTarget(LabError):
    def __init__(self, name: str) -> None:
        super().__init__(
            Text(
                en=f"There is no target called {name!r}: use emulator, endpoint or aws.",
                ja=f"{name!r} というターゲットはありません。`emulator`、`endpoint`、`aws` のいずれかを指定してください。",
            )
        )


class NoEndpoint(LabError):
    def __init__(self) -> None:
        super().__init__(
            Text(
                en="The endpoint target needs AWS_ENDPOINT_URL: set it to your endpoint (for example "
                "http://localhost:4566 for LocalStack), or use `--target emulator`.",
                ja="ターゲット `endpoint` には AWS_ENDPOINT_URL が必要です。使うエンドポイント（LocalStack なら "
                "http://localhost:4566 など）を設定するか、`--target emulator` を指定してください。",
            )
        )


class EmulatorRunsElsewhere(LabError):
    def __init__(self, url: str, port: int) -> None:
        super().__init__(
            Text(
                en=f"The emulator already runs at {url}, and kernels use it there: to move it to port {port}, "
                "run `mcredlab emulator stop` first (that clears its resources).",
                ja=f"エミュレーターはすでに {url} で動いており、カーネルはそこに接続しています。ポート {port} に"
                "移すには、先に `mcredlab emulator stop` を実行してください（リソースは消去されます）。",
            )
        )


class AwsRequestFailed(LabError):
    def __init__(self, action: Text, detail: str) -> None:
        super().__init__(
            Text(
                en=f"AWS refused to {action.en}: {detail}. If the lab's resources were changed by hand, reset the lab "
                "(`mcredlab reset LAB`) and try again; on a real account, check your credentials' permissions.",
                ja=f"{action.ja}で AWS がリクエストを拒否しました: {detail}。ラボのリソースを手動で変更した場合は、ラボをリセット"
                "（`mcredlab reset LAB`）してからもう一度実行してください。実際のアカウントでは認証情報の権限を確認してください。",
            )
        )


class NoApiYet(LabError):
    def __init__(self, name: str) -> None:
        super().__init__(
            Text(
                en=f"There is no REST API named {name} yet: create it (and deploy it) first, then ask for its URL again.",
                ja=f"{name} という名前の REST API はまだありません。先に作成（とデプロイ）をしてから、もう一度 URL を取得してください。",
            )
        )


class LabHasNoApi(LabError):
    def __init__(self, lab_id: str) -> None:
        super().__init__(
            Text(
                en=f"Lab {lab_id} does not build an API, so it has no invoke URL: see `mcredlab task {lab_id}` for what it asks.",
                ja=f"ラボ {lab_id} では API を作成しないため、呼び出し URL はありません。課題の内容は "
                f"`mcredlab task {lab_id}` で確認してください。",
            )
        )


class NoDistributionYet(LabError):
    def __init__(self, name: str) -> None:
        super().__init__(
            Text(
                en=f"There is no CloudFront distribution described as {name} yet: create it first, then ask for its "
                "URL again.",
                ja=f"説明が {name} の CloudFront ディストリビューションはまだありません。先に作成してから、もう一度 URL を"
                "取得してください。",
            )
        )


class LabHasNoDistribution(LabError):
    def __init__(self, lab_id: str) -> None:
        super().__init__(
            Text(
                en=f"Lab {lab_id} does not build a CloudFront distribution, so it has no distribution URL: see "
                f"`mcredlab task {lab_id}` for what it asks.",
                ja=f"ラボ {lab_id} では CloudFront ディストリビューションを作成しないため、ディストリビューションの URL は"
                f"ありません。課題の内容は `mcredlab task {lab_id}` で確認してください。",
            )
        )
