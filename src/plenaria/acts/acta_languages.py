"""How an acta says that an intervention was spoken in another language.

A Catalan council's acta is in Catalan; in a pleno where a member speaks Spanish,
their words stay Spanish (Plenaria never translates), and the acta says so after
the time stamp: "(en castellà)". A pleno in one language gets no such note, even in
an acta in another. The words' run is also marked with their language, so Word
spell-checks them as what they are.
"""

from __future__ import annotations

# acta language -> spoken language -> the note after the time stamp
SAID_IN: dict[str, dict[str, str]] = {
    "es": {"ca": "(en catalán)", "gl": "(en gallego)", "eu": "(en euskera)", "en": "(en inglés)"},
    "ca": {"es": "(en castellà)", "gl": "(en gallec)", "eu": "(en basc)", "en": "(en anglès)"},
    "gl": {"es": "(en castelán)", "ca": "(en catalán)", "eu": "(en éuscaro)", "en": "(en inglés)"},
    "eu": {"es": "(gaztelaniaz)", "ca": "(katalanez)", "gl": "(galizieraz)", "en": "(ingelesez)"},
}

LANGUAGE_TAGS = {"es": "es-ES", "ca": "ca-ES", "gl": "gl-ES", "eu": "eu-ES"}


def said_in(acta_lang: str, spoken: str) -> str | None:
    """The note for words spoken in ``spoken`` in an acta in ``acta_lang``; None when
    they are the same language or the spoken one is not known (an empty code)."""
    if not spoken or spoken == acta_lang:
        return None
    return SAID_IN.get(acta_lang, SAID_IN["es"]).get(spoken, f"({spoken})")


def language_tag(code: str) -> str:
    """The tag Word reads for a language code (``ca`` -> ``ca-ES``)."""
    return LANGUAGE_TAGS.get(code, code)
