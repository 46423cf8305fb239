"""The dashboard's languages: English, Spanish and Portuguese.

Text goes through gettext (`_`), with one catalog per language in dashboards/locale/<lang>/LC_MESSAGES/
dashboard.po, compiled to .mo in memory when first used (no generated file to keep in step). Numbers and
dates are formatted by Babel in the same language (`locale()`). app.py sets the language at the start of
every script run, from the `?lang=` query parameter or the switcher; it lives in a context variable
because each session's run has its own thread.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# Portuguese beside Spanish: Brazil's solidarity-economy networks and time banks and Portugal's Decidim
# instances are, after the Spanish-speaking ones, the largest group of communities using these tools.
LANGUAGES = {"en": "English", "es": "Español", "pt": "Português"}
DEFAULT = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "dashboard"
LANGUAGE_ENV = "TOGETHEROS_LANGUAGE"  # the dashboard's language when the address names none
PARAM = "lang"  # the query parameter that names the language (`?lang=es`)

_language: ContextVar[str] = ContextVar("language", default=DEFAULT)


def set_language(code: str | None) -> str:
    """Use `code` for this run (an unknown code falls back to English); returns the language used."""
    chosen = code if code in LANGUAGES else DEFAULT
    _language.set(chosen)
    return chosen


def language() -> str:
    return _language.get()


def configured() -> str:
    """The language a visitor gets when the address names none: TOGETHEROS_LANGUAGE, else English."""
    code = os.environ.get(LANGUAGE_ENV) or DEFAULT
    if code not in LANGUAGES:
        raise ValueError(f"{LANGUAGE_ENV}={code!r}: the dashboard speaks {', '.join(LANGUAGES)}")
    return code


def link_params(params: dict[str, str]) -> dict[str, str]:
    """A link's query parameters with the current language added (English, the default, adds nothing),
    so a link opened from a Spanish page opens in Spanish."""
    return params if language() == DEFAULT else {**params, PARAM: language()}


def locale() -> str:
    """The Babel locale of the current language ("pt" is Babel's Brazilian Portuguese)."""
    return language()


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalog of a language; English is the source text itself."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    with catalog_path(code).open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """The message in the current language (the English text when a catalog lacks it)."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(language()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """The message in the current language where the same English words need another translation
    (`context` says which: "count" for "Delivered" over a number of initiatives)."""
    return translations(language()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (a constant); `_` translates it where shown."""
    return message


METRIC_CONTEXT = "metric"  # a published metric's label, definition or caveats (`metric_text`)
METRIC_TEXTS = ("label", "definition", "caveats")  # the formula stays as written: it is notation


def metric_text(text: str) -> str:
    """A metric's published text in the current language: the catalogs hold the dbt project's own
    (dbt_project/models/public/_*.yml); a release whose text differs from them is shown as published."""
    return pgettext(METRIC_CONTEXT, text) if text else text


def extract_metric_texts(fileobj, keywords, comment_tags, options):
    """Babel extractor (babel.cfg) for a dbt YAML file: every column metric's label, definition and
    caveats, as the release's descriptor carries them (YAML's folded text read as one line)."""
    import yaml

    document = yaml.safe_load(fileobj) or {}
    for model in document.get("models", []):
        for column in model.get("columns", []):
            metric = (column.get("meta") or {}).get("metric") or {}
            for key in METRIC_TEXTS:
                if metric.get(key):
                    yield 0, "pgettext", [METRIC_CONTEXT, metric[key]], [f"{model['name']}.{column['name']}: {key}"]
