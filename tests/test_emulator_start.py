"""Extensions are installed when their service is first used, never later than moto needs them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mcredlab.emulator.extensions import extensions, triggers


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_extension_waits_for_a_moto_service_module_or_installs_at_start() -> None:
    for extension in extensions():
        assert all(module.startswith("moto.") and not module.startswith("moto.core") for module in triggers(extension))
    assert triggers(next(e for e in extensions() if e.__name__.endswith(".apigateway_invoke")))


def test_start_imports_no_service_and_first_use_installs_before_moto_goes_on() -> None:
    out = _run("""
        import sys
        from mcredlab.emulator.extensions import install_all
        install_all()
        heavy = ("moto.apigateway.models", "moto.cloudformation.parsing", "moto.awslambda.models", "moto.s3.models")
        print("at start:", [m for m in heavy if m in sys.modules])
        from moto.core.config import default_user_config
        print("config:", default_user_config["lambda"]["use_docker"], default_user_config["stepfunctions"]["execute_state_machine"])
        from moto.apigateway.responses import APIGatewayResponse
        print("apigateway:", hasattr(APIGatewayResponse, "test_invoke_method"))
        from moto.awslambda.models import LambdaFunction
        print("lambda:", LambdaFunction.invoke.__module__)
    """)
    assert "at start: []" in out
    assert "config: False True" in out
    assert "apigateway: True" in out
    assert "lambda: mcredlab.emulator.extensions.lambda_runner" in out


def test_cloudformation_gets_its_extensions_however_it_is_first_imported() -> None:
    out = _run("""
        from mcredlab.emulator.extensions import install_all
        install_all()
        from moto.cloudformation import parsing
        print("bucket policy:", "AWS::S3::BucketPolicy" in parsing.get_model_map())
        from moto.apigateway.models import Method
        print("method:", getattr(Method.create_from_cloudformation_json, "__mcredlab__", False))
    """)
    assert "bucket policy: True" in out
    assert "method: True" in out
