"""A council's languages: the codes of those spoken in its plenos (``["ca", "es"]``).

A job whose options force no language and name none to choose among takes them
(:mod:`plenaria.db.job_spec`): each turn is then transcribed in its own language among
them. Empty: any language, detected as Whisper does.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from plenaria.api.i18n_languages import LANGUAGE_STRINGS
from plenaria.errors import InputError
from plenaria.transcription.base import TranscriptionOptions

MAX_LANGUAGES = 20


class LanguagesError(InputError):
    """A refused list of languages; ``key`` and ``args`` give its line in another language."""

    def __init__(self, key: str, **args: str) -> None:
        self.key = key
        self.args_ = args
        super().__init__(self.line(0))

    def line(self, lang_index: int) -> str:
        """The refusal in the language at ``lang_index`` of (es, ca)."""
        return LANGUAGE_STRINGS[self.key][lang_index].format(**self.args_)


def check_languages(codes: Iterable[str]) -> list[str]:
    """The codes in lower case, each once, in the order given (blanks skipped); a code
    transcription does not take (``TranscriptionOptions.detect_languages``) refused."""
    out: list[str] = []
    for given in codes:
        if not given.strip():
            continue
        try:
            options = TranscriptionOptions(detect_languages=(given,))
        except ValidationError as e:
            raise LanguagesError("lang_err_code", code=given.strip()) from e
        code = options.detect_languages[0]
        if code not in out:
            out.append(code)
    if len(out) > MAX_LANGUAGES:
        raise LanguagesError("lang_err_many", n=str(MAX_LANGUAGES))
    return out


def split_languages(text: str) -> list[str]:
    """A comma (or space) separated list as typed in a form: ``"ca, es"`` -> ``["ca", "es"]``."""
    return [part for part in text.replace(",", " ").split() if part]
