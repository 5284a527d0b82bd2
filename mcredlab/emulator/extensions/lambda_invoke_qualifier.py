"""``Invoke`` with ``Qualifier`` runs the version or alias it names, not ``$LATEST``.

moto 5.2.5 reads the qualifier of an invocation as the query parameter ``qualifier``, but boto3 and
the AWS CLI send ``?Qualifier=1`` (capital Q), so ``invoke(FunctionName="f", Qualifier="live")``
silently ran the newest code and answered ``X-Amz-Executed-Version: $LATEST``. Only the
``FunctionName="f:live"`` form reached the version. Here ``LambdaResponse.invoke`` hands the
``Qualifier`` parameter on under the name moto reads, so both forms run the same code, as on AWS.
"""

from __future__ import annotations

import functools
from typing import Any

SEAMS = (("moto.awslambda.responses", "LambdaResponse", "invoke"),)


def install() -> None:
    from moto.awslambda.responses import LambdaResponse

    moto_invoke = LambdaResponse.invoke

    @functools.wraps(moto_invoke)
    def invoke(self: Any) -> Any:
        given = self.querystring.get("Qualifier")
        if given and not self.querystring.get("qualifier"):
            self.querystring["qualifier"] = given
        return moto_invoke(self)

    LambdaResponse.invoke = invoke  # type: ignore[method-assign]
