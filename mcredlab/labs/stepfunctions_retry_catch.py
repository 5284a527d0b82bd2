"""A Step Functions state machine calls a Lambda function, retries only the error worth retrying, and catches
every error into a fallback state; an execution with the payment gateway down takes the Catch path."""

from __future__ import annotations

import json
import time
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, awslambda, failed, iam, passed, stepfunctions

lab = Lab(
    id="stepfunctions-retry-catch",
    track="serverless",
    services=("stepfunctions", "lambda", "iam"),
    flows=(("app", "stepfunctions"), ("stepfunctions", "lambda")),
    certs=("DVA", "SAA"),
    minutes=20,
    title=Text(
        en="Handle a Lambda task's errors in Step Functions with Retry and Catch",
        ja="Step Functions で Lambda タスクのエラーを Retry と Catch で処理する",
    ),
    task=Text(
        en=(
            "The Lambda function **{function_name}** (code given) charges an order. It fails with "
            "`PaymentGatewayError` when the payment gateway does not answer (trying again may help) and with "
            "`CardDeclined` when the card is refused (trying again cannot help). Create the Standard state machine "
            "**{machine_name}** with the execution role **{role_name}**:\n"
            "1. The first state is the Task state **{task_state}**, which invokes **{function_name}** (Lambda Invoke).\n"
            "2. **{task_state}** retries only `PaymentGatewayError`: `MaxAttempts` `2`, `IntervalSeconds` `1`, "
            "`BackoffRate` `2`. It does not retry `CardDeclined`.\n"
            "3. **{task_state}** catches every error (`States.ALL`) and goes to the state **{fallback_state}**, "
            "with `ResultPath` `$.error` so that the order stays in the state's input next to the error. "
            "**{fallback_state}** is a Pass state that ends the execution; on success, **{task_state}** ends it.\n"
            "4. Start an execution with the input `{failing_input}` (the gateway is down): it tries "
            "**{task_state}** three times (the first attempt and two retries) and then takes the Catch path to "
            "**{fallback_state}**."
        ),
        ja=(
            "Lambda 関数 **{function_name}**（コードは用意済み）は注文の支払いを処理します。決済ゲートウェイが応答しないときは "
            "`PaymentGatewayError`（再試行すれば成功する可能性があります）で、カードが拒否されたときは `CardDeclined`"
            "（再試行しても成功しません）で失敗します。実行ロール **{role_name}** を使って、標準のステートマシン "
            "**{machine_name}** を作成してください。\n"
            "1. 最初の状態は、**{function_name}** を呼び出す（Lambda Invoke）タスク状態 **{task_state}** です。\n"
            "2. **{task_state}** は `PaymentGatewayError` だけを再試行します（`MaxAttempts` は `2`、`IntervalSeconds` は "
            "`1`、`BackoffRate` は `2`）。`CardDeclined` は再試行しません。\n"
            "3. **{task_state}** はすべてのエラー（`States.ALL`）をキャッチして状態 **{fallback_state}** に進みます。"
            "`ResultPath` は `$.error` にして、状態の入力に注文をエラーと並べて残します。**{fallback_state}** は実行を"
            "終了する Pass 状態です。成功したときは **{task_state}** で実行を終了します。\n"
            "4. 入力 `{failing_input}`（ゲートウェイが停止中）で実行を開始します。**{task_state}** が 3 回（最初の試行と"
            " 2 回の再試行）試されたあと、Catch の経路で **{fallback_state}** に進みます。"
        ),
    ),
)

HANDLER = '''class PaymentGatewayError(Exception):
    """The payment gateway did not answer: trying again later may succeed."""


class CardDeclined(Exception):
    """The card was refused: trying again cannot help."""


def handler(event, context):
    """Charge the order's amount, or fail as the payment gateway would."""
    if event.get("card") == "declined":
        raise CardDeclined(f"the card for order {event.get('orderId')} was declined")
    if event.get("gateway") == "down":
        raise PaymentGatewayError("the payment gateway did not answer")
    return {"orderId": event["orderId"], "charged": event["amount"]}
'''
FUNCTION_NAME = "mcredlab-charge-payment"
ROLE_NAME = "mcredlab-checkout-role"
FUNCTION_ROLE = "mcredlab-charge-payment-role"
CONSOLE_ROLE = "StepFunctions-mcredlab-checkout-role-0a1b2c3d"
"""The role the Step Functions console would create for the machine (in the Workflow Studio alternative)."""
MACHINE_NAME = "mcredlab-checkout"
TASK_STATE = "ChargePayment"
FALLBACK_STATE = "PaymentFailed"
RETRIED, NOT_RETRIED = "PaymentGatewayError", "CardDeclined"
RETRY = (2, 1.0, 2.0)
"""The retrier the task asks for: ``MaxAttempts``, ``IntervalSeconds``, ``BackoffRate``."""
FAILING_INPUT = {"orderId": "1002", "amount": 25, "gateway": "down"}


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The function, and a role that Step Functions may assume and that may invoke it; the learner builds the machine."""
    lambda_role = iam.ensure_role(aws, lab.id, FUNCTION_ROLE, iam.trust_policy("lambda.amazonaws.com"),
                                  managed=(iam.BASIC_EXECUTION,))
    function_arn = awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=lambda_role, source=HANDLER,
                                             description="Charges an order, or fails as the payment gateway would")
    invoke = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [function_arn, f"{function_arn}:*"]}]}
    iam.ensure_role(aws, lab.id, ROLE_NAME, iam.trust_policy("states.amazonaws.com"), inline={"invoke-charge": invoke})
    return {"function_name": FUNCTION_NAME, "function_arn": function_arn, "role_name": ROLE_NAME,
            "function_role_name": FUNCTION_ROLE,
            "machine_name": MACHINE_NAME, "task_state": TASK_STATE, "fallback_state": FALLBACK_STATE,
            "failing_input": json.dumps(FAILING_INPUT)}


# -- what the checks read ----------------------------------------------------------------------


def _states(aws: Aws, ctx: Context) -> dict[str, Any]:
    found = stepfunctions.state_machine(aws, ctx["machine_name"])
    return {} if found is None else dict(stepfunctions.definition(found).get("States") or {})


def _invokes(state: dict[str, Any], ctx: Context) -> bool:
    """Whether a Task state invokes the function: its ARN (or name) as ``Resource``, or the Lambda Invoke
    integration with the function in ``FunctionName`` (a version or alias suffix allowed)."""
    resource = str(state.get("Resource", ""))
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        target = str((state.get("Parameters") or state.get("Arguments") or {}).get("FunctionName", ""))
    else:
        target = resource
    base = ctx["function_arn"]
    return target in (ctx["function_name"], base) or target.startswith(f"{base}:")


def _task(aws: Aws, ctx: Context) -> dict[str, Any]:
    return dict(_states(aws, ctx).get(ctx["task_state"]) or {})


def _shown_settings(retrier: dict[str, Any], separator: str = ", ") -> str:
    attempts, interval, backoff = stepfunctions.retry_settings(retrier)
    return separator.join((f"MaxAttempts {attempts}", f"IntervalSeconds {interval:g}", f"BackoffRate {backoff:g}"))


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "state-machine",
    expected=Text(en="a state machine named {machine_name}", ja="{machine_name} という名前のステートマシンがある"),
    looked_at=Text(en="the state machines of the account", ja="アカウントのステートマシン"),
    hint=Text(
        en="Step Functions console > State machines > Create state machine: Blank, type Standard; in Config, State "
        "machine name `{machine_name}` and Execution role {role_name} (choose an existing role) > Create.",
        ja="Step Functions コンソールで「ステートマシン」>「ステートマシンの作成」を選び、「空白」から作成します。タイプは"
        "「標準」です。「設定」で、ステートマシン名を `{machine_name}`、実行ロールを {role_name}（既存のロールを選択）に"
        "して「作成」を選びます。",
    ),
)
def state_machine(aws: Aws, ctx: Context) -> Finding:
    found = stepfunctions.state_machine(aws, ctx["machine_name"])
    if found is None:
        return failed(f"there is no state machine named {ctx['machine_name']}",
                      f"{ctx['machine_name']} という名前のステートマシンがありません")
    kind = str(found.get("type", "STANDARD"))
    if kind != "STANDARD":
        return failed(f"{ctx['machine_name']} is of type {kind}, not STANDARD",
                      f"{ctx['machine_name']} のタイプは {kind} で、STANDARD（標準）ではありません")
    return passed(f"{ctx['machine_name']}, type {kind}", f"{ctx['machine_name']}、タイプ {kind}")


@lab.criterion(
    "execution-role",
    requires="state-machine",
    expected=Text(en="the machine's execution role can be assumed by Step Functions and may invoke {function_name}",
                  ja="ステートマシンの実行ロールを Step Functions が引き受けられ、そのロールが {function_name} を呼び出せる"),
    looked_at=Text(en="the execution role of {machine_name}, its trust policy and its permissions policies",
                   ja="{machine_name} の実行ロール、その信頼ポリシーと許可ポリシー"),
    hint=Text(
        en="Step Functions console > {machine_name} > Edit > Config > Execution role: choose {role_name}, which "
        "trusts `states.amazonaws.com` and may call `lambda:InvokeFunction` on {function_name}.",
        ja="Step Functions コンソールで {machine_name} >「編集」>「設定」を選び、「実行ロール」で {role_name} を選びます。"
        "このロールは `states.amazonaws.com` を信頼し、{function_name} に対する `lambda:InvokeFunction` を許可しています。",
    ),
)
def execution_role(aws: Aws, ctx: Context) -> Finding:
    role_arn = str((stepfunctions.state_machine(aws, ctx["machine_name"]) or {}).get("roleArn", ""))
    role = role_arn.rsplit("/", 1)[-1]
    trusted = iam.role_trusts_finding(aws, role, "states.amazonaws.com")
    if not trusted.passed:
        return trusted
    if not iam.allows(aws, role, "lambda:InvokeFunction", ctx["function_arn"]):
        return failed(f"{role} does not allow lambda:InvokeFunction on {ctx['function_name']}",
                      f"{role} は {ctx['function_name']} に対する lambda:InvokeFunction を許可していません")
    return passed(f"{role} trusts states.amazonaws.com and may invoke {ctx['function_name']}",
                  f"{role} は states.amazonaws.com を信頼し、{ctx['function_name']} を呼び出せます")


@lab.criterion(
    "task-invokes-function",
    requires="state-machine",
    expected=Text(en="the first state is the Task state {task_state}, which invokes {function_name} and ends the "
                  "execution when it succeeds",
                  ja="最初の状態が {function_name} を呼び出すタスク状態 {task_state} で、成功したときに実行を終了する"),
    looked_at=Text(en="the definition of {machine_name} (`StartAt`, `States`)",
                   ja="{machine_name} の定義（`StartAt`、`States`）"),
    hint=Text(
        en="Workflow Studio: drag AWS Lambda Invoke into the workflow, set State name `{task_state}` and Function "
        "name {function_name}, and leave Next state on End. In the code view: `\"StartAt\": \"{task_state}\"`, "
        '`"Type": "Task"`, `"Resource": "arn:aws:states:::lambda:invoke"`, `"Parameters": {{"FunctionName": '
        '"{function_arn}", "Payload.$": "$"}}`, `"End": true`.',
        ja="Workflow Studio で「AWS Lambda Invoke」をワークフローにドラッグし、状態名を `{task_state}`、関数名を "
        "{function_name} にして、次の状態は `End` のままにします。コードでは `\"StartAt\": \"{task_state}\"`、"
        '`"Type": "Task"`、`"Resource": "arn:aws:states:::lambda:invoke"`、`"Parameters": {{"FunctionName": '
        '"{function_arn}", "Payload.$": "$"}}`、`"End": true` です。',
    ),
)
def task_invokes_function(aws: Aws, ctx: Context) -> Finding:
    found = stepfunctions.state_machine(aws, ctx["machine_name"]) or {}
    document = stepfunctions.definition(found)
    states, start, name = dict(document.get("States") or {}), str(document.get("StartAt", "")), ctx["task_state"]
    if name not in states:
        return failed(f"the definition has no state named {name} (its states: {', '.join(sorted(states)) or 'none'})",
                      f"定義に {name} という名前の状態がありません（状態: {'、'.join(sorted(states)) or 'なし'}）")
    state = dict(states[name])
    if start != name:
        return failed(f"the machine starts at {start}, not at {name}", f"ステートマシンは {name} ではなく {start} から始まります")
    if state.get("Type") != "Task" or not _invokes(state, ctx):
        return failed(f"{name} is a {state.get('Type')} state on {state.get('Resource', 'no resource')}, "
                      f"not a Task invoking {ctx['function_name']}",
                      f"{name} は {state.get('Resource', 'リソースなし')} の {state.get('Type')} 状態で、"
                      f"{ctx['function_name']} を呼び出すタスクではありません")
    if not state.get("End"):
        return failed(f"on success {name} goes on to {state.get('Next')} instead of ending the execution",
                      f"{name} は成功したときに実行を終了せず、{state.get('Next')} に進みます")
    return passed(f"{name} invokes {ctx['function_name']} and then ends", f"{name} は {ctx['function_name']} を呼び出して終了します")


@lab.criterion(
    "retry-gateway-errors",
    requires="task-invokes-function",
    expected=Text(en="{task_state} retries `PaymentGatewayError` with MaxAttempts 2, IntervalSeconds 1, BackoffRate 2, "
                  "and does not retry `CardDeclined`",
                  ja="{task_state} が `PaymentGatewayError` を MaxAttempts 2、IntervalSeconds 1、BackoffRate 2 で再試行し、"
                  "`CardDeclined` は再試行しない"),
    looked_at=Text(en="the `Retry` field of state {task_state}, each error judged as Step Functions does (the first "
                   "retrier whose `ErrorEquals` matches it, `States.ALL` and `States.TaskFailed` matching any error)",
                   ja="状態 {task_state} の `Retry` フィールド。エラーごとに Step Functions と同じ方法で判定します"
                   "（`ErrorEquals` が一致する最初の再試行の設定。`States.ALL` と `States.TaskFailed` はどのエラーにも一致）"),
    hint=Text(
        en="Workflow Studio > {task_state} > Error handling > Retry on errors > Add new retrier: Errors "
        "`PaymentGatewayError` only (not States.ALL, which would retry declined cards too), Interval 1, Max attempts 2, "
        'Backoff rate 2. In the code view: `"Retry": [{{"ErrorEquals": ["PaymentGatewayError"], "IntervalSeconds": 1, '
        '"MaxAttempts": 2, "BackoffRate": 2}}]`. Leaving MaxAttempts out means 3.',
        ja="Workflow Studio で {task_state} >「エラー処理」>「エラー時に再試行」> 新しい再試行の設定を追加し、エラーには "
        "`PaymentGatewayError` だけを指定します（States.ALL にすると、拒否されたカードも再試行されます）。間隔は 1、"
        '最大試行回数は 2、バックオフレートは 2 です。コードでは `"Retry": [{{"ErrorEquals": ["PaymentGatewayError"], '
        '"IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}}]` です。MaxAttempts を省略すると 3 になります。',
    ),
)
def retry_gateway_errors(aws: Aws, ctx: Context) -> Finding:
    retriers = list(_task(aws, ctx).get("Retry") or [])
    gateway = stepfunctions.first_match(retriers, RETRIED)
    declined = stepfunctions.first_match(retriers, NOT_RETRIED)
    if declined is not None and stepfunctions.retry_settings(declined)[0] > 0:
        return failed(f"{NOT_RETRIED} is retried too (by the retrier on {', '.join(declined['ErrorEquals'])})",
                      f"{NOT_RETRIED} も再試行されます（{', '.join(declined['ErrorEquals'])} の再試行の設定）")
    if gateway is None:
        return failed(f"no retrier of {ctx['task_state']} matches {RETRIED}",
                      f"{ctx['task_state']} に {RETRIED} に一致する再試行の設定がありません")
    if stepfunctions.retry_settings(gateway) != RETRY:
        return failed(f"{RETRIED} is retried with {_shown_settings(gateway)}",
                      f"{RETRIED} は {_shown_settings(gateway, '、')} で再試行されます")
    return passed(f"{RETRIED}: {_shown_settings(gateway)}; {NOT_RETRIED} is not retried",
                  f"{RETRIED}: {_shown_settings(gateway, '、')}。{NOT_RETRIED} は再試行されません")


@lab.criterion(
    "catch-to-fallback",
    requires="task-invokes-function",
    expected=Text(en="{task_state} catches both errors into the Pass state {fallback_state}, with ResultPath `$.error`",
                  ja="{task_state} が両方のエラーをキャッチして Pass 状態 {fallback_state} に進み、ResultPath が `$.error`"),
    looked_at=Text(en="the `Catch` field of state {task_state} and the state {fallback_state}",
                   ja="状態 {task_state} の `Catch` フィールドと状態 {fallback_state}"),
    hint=Text(
        en="Workflow Studio > {task_state} > Error handling > Catch errors > Add new catcher: Errors `States.ALL`, "
        "Fallback state {fallback_state} (a Pass state whose Next state is End), ResultPath `$.error`. In the code "
        'view: `"Catch": [{{"ErrorEquals": ["States.ALL"], "Next": "{fallback_state}", "ResultPath": "$.error"}}]`. '
        "Without a ResultPath, the error replaces the order in the fallback state's input.",
        ja="Workflow Studio で {task_state} >「エラー処理」>「エラーをキャッチ」> 新しいキャッチャーを追加し、エラーを "
        "`States.ALL`、フォールバック状態を {fallback_state}（次の状態が `End` の Pass 状態）、ResultPath を `$.error` に"
        'します。コードでは `"Catch": [{{"ErrorEquals": ["States.ALL"], "Next": "{fallback_state}", "ResultPath": '
        '"$.error"}}]` です。ResultPath がないと、フォールバック状態の入力では注文がエラーに置き換わります。',
    ),
)
def catch_to_fallback(aws: Aws, ctx: Context) -> Finding:
    states, fallback = _states(aws, ctx), ctx["fallback_state"]
    catchers = list(dict(states.get(ctx["task_state"]) or {}).get("Catch") or [])
    for error in (RETRIED, NOT_RETRIED):
        catcher = stepfunctions.first_match(catchers, error)
        if catcher is None:
            return failed(f"no catcher of {ctx['task_state']} matches {error}: that error fails the execution",
                          f"{ctx['task_state']} に {error} に一致するキャッチャーがありません。このエラーで実行は失敗します")
        if catcher.get("Next") != fallback:
            return failed(f"{error} is caught into {catcher.get('Next')}, not {fallback}",
                          f"{error} はキャッチされて {fallback} ではなく {catcher.get('Next')} に進みます")
        if catcher.get("ResultPath") != "$.error":
            path = catcher.get("ResultPath", "$ (the default)")
            return failed(f"{error} is caught with ResultPath {path}, not $.error",
                          f"{error} をキャッチするときの ResultPath は $.error ではなく {path.replace('(the default)', '（デフォルト）')} です")
    state = dict(states.get(fallback) or {})
    if not state:
        return failed(f"the definition has no state named {fallback}", f"定義に {fallback} という名前の状態がありません")
    if state.get("Type") != "Pass" or not state.get("End"):
        return failed(f"{fallback} is a {state.get('Type')} state" + ("" if state.get("End") else " that does not end"),
                      f"{fallback} は {state.get('Type')} 状態です" + ("" if state.get("End") else "（実行を終了しません）"))
    return passed(f"both errors are caught into {fallback} with ResultPath $.error",
                  f"両方のエラーがキャッチされ、ResultPath $.error で {fallback} に進みます")


def _gateway_down(events: list[dict[str, Any]]) -> bool:
    started = stepfunctions.execution_input(events)
    return isinstance(started, dict) and started.get("gateway") == "down"


@lab.criterion(
    "failing-execution-caught",
    requires=("execution-role", "retry-gateway-errors", "catch-to-fallback"),
    expected=Text(en="an execution with the gateway down tried {task_state} three times, then entered {fallback_state} "
                  "and succeeded",
                  ja="ゲートウェイが停止中の実行で {task_state} が 3 回試され、そのあと {fallback_state} に進んで成功した"),
    looked_at=Text(en="the newest executions of {machine_name} whose input has `\"gateway\": \"down\"`, and their event "
                   "histories",
                   ja="入力に `\"gateway\": \"down\"` がある {machine_name} の最新の実行と、そのイベント履歴"),
    hint=Text(
        en="Step Functions console > {machine_name} > Start execution: Input `{failing_input}` > Start execution. "
        "The Graph view then shows {task_state} with its retries and the Catch path to {fallback_state}; Events lists "
        "every attempt. An execution started before the Retry and Catch were saved ran the old definition: start a new "
        "one.",
        ja="Step Functions コンソールで {machine_name} >「実行を開始」を選び、入力に `{failing_input}` を指定して"
        "「実行を開始」を選びます。グラフビューに {task_state} の再試行と {fallback_state} への Catch の経路が表示され、"
        "「イベント」にすべての試行が表示されます。Retry と Catch を保存する前に開始した実行は古い定義で動いているので、"
        "新しく実行を開始します。",
    ),
)
def failing_execution_caught(aws: Aws, ctx: Context) -> Finding:
    listed = stepfunctions.executions(aws, ctx["machine_name"])
    if not listed:
        return failed(f"{ctx['machine_name']} has no execution yet", f"{ctx['machine_name']} の実行はまだありません")
    for execution in listed:
        events = stepfunctions.history(aws, execution["executionArn"])
        if not _gateway_down(events):
            continue
        status, name = str(execution.get("status")), str(execution.get("name"))
        attempts = sum(error == RETRIED for error in stepfunctions.task_errors(events))
        path = stepfunctions.entered(events)
        if status == "RUNNING":
            return failed(f"execution {name} is still running; check again in a few seconds",
                          f"実行 {name} はまだ実行中です。数秒後にもう一度チェックしてください")
        if attempts != 1 + RETRY[0] or ctx["fallback_state"] not in path or status != "SUCCEEDED":
            return failed(f"execution {name}: {ctx['task_state']} failed {attempts} times, then the execution "
                          f"{'entered ' + ctx['fallback_state'] if ctx['fallback_state'] in path else 'did not enter ' + ctx['fallback_state']} "
                          f"({status})",
                          f"実行 {name}: {ctx['task_state']} が {attempts} 回失敗し、{ctx['fallback_state']} に"
                          f"{'進みました' if ctx['fallback_state'] in path else '進みませんでした'}（{status}）")
        return passed(f"execution {name}: {attempts} attempts of {ctx['task_state']}, then {ctx['fallback_state']} "
                      f"({status})",
                      f"実行 {name}: {ctx['task_state']} を {attempts} 回試行したあと {ctx['fallback_state']} に進みました"
                      f"（{status}）")
    return failed(f"no execution of {ctx['machine_name']} started with the input {ctx['failing_input']}",
                  f"{ctx['machine_name']} に、入力 {ctx['failing_input']} で開始した実行がありません")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _definition(ctx: Context, *, retry: list[dict[str, Any]] | None = None, catch: list[dict[str, Any]] | None = None,
                task: dict[str, Any] | None = None) -> dict[str, Any]:
    """The definition the task asks for; the keywords replace a part with a near miss's or another valid way's."""
    state = task or {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
                     "Parameters": {"FunctionName": ctx["function_arn"], "Payload.$": "$"}, "End": True}
    state = {**state, "Retry": retry if retry is not None else [
        {"ErrorEquals": [RETRIED], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}]}
    state["Catch"] = catch if catch is not None else [
        {"ErrorEquals": ["States.ALL"], "Next": ctx["fallback_state"], "ResultPath": "$.error"}]
    return {"Comment": "Charge an order; retry the gateway, catch every error", "StartAt": ctx["task_state"],
            "States": {ctx["task_state"]: state, ctx["fallback_state"]: {"Type": "Pass", "End": True}}}


def _wait_for(aws: Aws, execution_arn: str, seconds: float = 60) -> None:
    client, deadline = aws.client("stepfunctions"), time.monotonic() + seconds
    while client.describe_execution(executionArn=execution_arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.5)


def build(aws: Aws, ctx: Context, *, document: dict[str, Any] | None = None, role: str | None = None,
          inputs: tuple[dict[str, Any], ...] = (FAILING_INPUT,)) -> None:
    """Create the machine with boto3 and run the executions; the keywords introduce the near misses' mistakes."""
    client = aws.client("stepfunctions")
    role_arn = str((iam.role(aws, role or ctx["role_name"]) or {})["Arn"])
    machine = client.create_state_machine(name=ctx["machine_name"], roleArn=role_arn, type="STANDARD",
                                          definition=json.dumps(document or _definition(ctx)))["stateMachineArn"]
    for given in inputs:
        _wait_for(aws, client.start_execution(stateMachineArn=machine, input=json.dumps(given))["executionArn"])


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli-function-arn",
    story=Text(en="the AWS CLI, with the function's ARN as the Task's Resource and a Catch that names both errors",
               ja="AWS CLI で作成し、タスクの Resource に関数の ARN を指定し、Catch に両方のエラーを列挙"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    document = _definition(ctx, task={"Type": "Task", "Resource": ctx["function_arn"], "End": True},
                           catch=[{"ErrorEquals": [RETRIED, NOT_RETRIED], "Next": ctx["fallback_state"],
                                   "ResultPath": "$.error"}])
    role_arn = json.loads(aws.cli("iam", "get-role", "--role-name", ctx["role_name"]))["Role"]["Arn"]
    machine = json.loads(aws.cli("stepfunctions", "create-state-machine", "--name", ctx["machine_name"],
                                 "--role-arn", role_arn, "--definition", json.dumps(document)))["stateMachineArn"]
    execution = json.loads(aws.cli("stepfunctions", "start-execution", "--state-machine-arn", machine,
                                   "--input", ctx["failing_input"]))["executionArn"]
    _wait_for(aws, execution)


@lab.alternative(
    "workflow-studio-defaults",
    story=Text(
        en="as Workflow Studio writes it: the function's `$LATEST` in FunctionName, its default retrier for Lambda's "
        "service errors before the learner's own, a new role the console created, and a successful order run first",
        ja="Workflow Studio が書く形: FunctionName に関数の `$LATEST`、利用者の再試行の設定の前に Lambda のサービスエラー用の"
        "デフォルトの再試行の設定、コンソールが作成した新しいロール、そして先に成功する注文の実行",
    ),
)
def workflow_studio_defaults(aws: Aws, ctx: Context) -> None:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
            "Parameters": {"Payload.$": "$", "FunctionName": f"{ctx['function_arn']}:$LATEST"}, "End": True}
    retry = [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                              "Lambda.TooManyRequestsException"],
              "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2, "JitterStrategy": "FULL"},
             {"ErrorEquals": [RETRIED], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}]
    console_role = CONSOLE_ROLE
    invoke = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
        "Resource": [f"{ctx['function_arn']}:*", ctx["function_arn"]]}]}
    iam.ensure_role(aws, lab.id, console_role, iam.trust_policy("states.amazonaws.com"),
                    inline={"LambdaInvokeScopedAccessPolicy": invoke})
    build(aws, ctx, document=_definition(ctx, task=task, retry=retry), role=console_role,
          inputs=({"orderId": "1001", "amount": 25}, FAILING_INPUT))


@lab.near_miss(
    "retry-every-error",
    fails="retry-gateway-errors",
    story=Text(en="Retry on `States.ALL`: a declined card is charged three times",
               ja="Retry を `States.ALL` に設定: 拒否されたカードにも 3 回請求する"),
)
def retry_every_error(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_definition(ctx, retry=[
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}]))


@lab.near_miss(
    "default-max-attempts",
    fails="retry-gateway-errors",
    story=Text(en="the retrier without MaxAttempts: Step Functions retries three times, not two",
               ja="再試行の設定に MaxAttempts がない: Step Functions は 2 回ではなく 3 回再試行する"),
)
def default_max_attempts(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_definition(ctx, retry=[{"ErrorEquals": [RETRIED], "IntervalSeconds": 1}]))


@lab.near_miss(
    "catch-only-the-gateway",
    fails="catch-to-fallback",
    story=Text(en="the Catch on `PaymentGatewayError` only: a declined card fails the execution",
               ja="Catch が `PaymentGatewayError` だけ: 拒否されたカードで実行が失敗する"),
)
def catch_only_the_gateway(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_definition(ctx, catch=[
        {"ErrorEquals": [RETRIED], "Next": ctx["fallback_state"], "ResultPath": "$.error"}]))


@lab.near_miss(
    "catch-without-result-path",
    fails="catch-to-fallback",
    story=Text(en="the Catch without ResultPath: the error replaces the order in the fallback state's input",
               ja="Catch に ResultPath がない: フォールバック状態の入力で注文がエラーに置き換わる"),
)
def catch_without_result_path(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_definition(ctx, catch=[{"ErrorEquals": ["States.ALL"], "Next": ctx["fallback_state"]}]))


@lab.near_miss(
    "success-goes-to-fallback",
    fails="task-invokes-function",
    story=Text(en="the task's Next state set to the fallback state: every order, charged or not, ends in it",
               ja="タスクの次の状態をフォールバック状態に設定: 支払いが成功した注文もすべてそこで終わる"),
)
def success_goes_to_fallback(aws: Aws, ctx: Context) -> None:
    task = {"Type": "Task", "Resource": ctx["function_arn"], "Next": ctx["fallback_state"]}
    build(aws, ctx, document=_definition(ctx, task=task))


@lab.near_miss(
    "role-for-lambda",
    fails="execution-role",
    story=Text(en="the machine created with the function's own role, which only Lambda may assume",
               ja="関数自身のロール（Lambda だけが引き受けられる）でステートマシンを作成"),
)
def role_for_lambda(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, role=ctx["function_role_name"])


@lab.near_miss(
    "only-a-good-order-run",
    fails="failing-execution-caught",
    story=Text(en="the machine right, but only an order that succeeds run", ja="ステートマシンは正しいが、成功する注文だけを実行"),
)
def only_a_good_order_run(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, inputs=({"orderId": "1001", "amount": 25},))


@lab.near_miss(
    "never-run",
    fails="failing-execution-caught",
    story=Text(en="the machine right, but never run", ja="ステートマシンは正しいが、一度も実行していない"),
)
def never_run(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, inputs=())


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the state machine the task names (whoever created it), and the tagged function and roles."""
    if stepfunctions.state_machine(aws, ctx["machine_name"]) is not None:
        aws.client("stepfunctions").delete_state_machine(
            stateMachineArn=stepfunctions.state_machine_arn(aws, ctx["machine_name"]))
    awslambda.delete_function(aws, lab.id, ctx["function_name"])
    for role in (ctx["role_name"], ctx["function_role_name"], CONSOLE_ROLE):
        iam.delete_role(aws, lab.id, role)
