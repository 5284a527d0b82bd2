"""Bilingual text: every learner-facing string exists in English and Japanese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["en", "ja"]
LANGS: tuple[Lang, ...] = ("en", "ja")


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported language, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang  # type: ignore[return-value]


@dataclass(frozen=True)
class Text:
    """One piece of learner-facing text in every supported language.

    >>> Text(en="Bucket {bucket}", ja="バケット {bucket}").format(bucket="b").ja
    'バケット b'
    """

    en: str
    ja: str

    def __post_init__(self) -> None:
        for lang in LANGS:
            if not getattr(self, lang).strip():
                raise ValueError(f"text has no {lang} version: {self!r}")

    def __call__(self, lang: str) -> str:
        return str(getattr(self, check_lang(lang)))

    def format(self, **values: Any) -> Text:
        """Fill ``{name}`` placeholders in every language."""
        return Text(en=self.en.format(**values), ja=self.ja.format(**values))

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "ja": self.ja}


def same(text: str) -> Text:
    """Text that reads the same in every language (a name, a number, a URL)."""
    return Text(en=text, ja=text)


class KeepMissing(dict):  # type: ignore[type-arg]
    """Values for ``str.format_map`` that leave unknown ``{placeholders}`` as they are.

    >>> "{bucket} in {region}".format_map(KeepMissing(region="us-east-1"))
    '{bucket} in us-east-1'
    """

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def clip(text: str, size: int = 240) -> str:
    """``text`` cut to at most ``size`` characters, with an ellipsis when cut.

    >>> clip("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= size else text[: size - 1] + "…"


def ja_join(*parts: str) -> str:
    """Japanese parts joined with a space wherever Latin text meets Japanese, as AWS's Japanese pages write.

    >>> ja_join("ページの ACL", "を確認しました")
    'ページの ACL を確認しました'
    """
    out = ""
    for part in parts:
        if out and part and (_latin(out[-1]) != _latin(part[0])) and not _punctuation(out[-1] + part[0]):
            out += " "
        out += part
    return out


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _punctuation(chars: str) -> bool:
    return any(not c.isalnum() for c in chars)
