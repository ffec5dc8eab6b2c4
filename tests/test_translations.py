"""The shipped translations (fr, ar) are complete, consistent with the source and compiled.

Runs without the gettext binaries: catalogues are read with polib, and the source is scanned
with Python's ast module and Django's own template-to-gettext converter (the same one
makemessages feeds to xgettext), so a string added to the code but not to the .po files fails here.
"""

import ast
import gettext
import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils.translation.template import templatize

from tests.portal.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("fr", "ar")
# The same folders `make messages` ignores; hidden folders are skipped too, as makemessages does.
IGNORED_DIRS = {".venv", "node_modules", "staticfiles", "tests", "bench", "docs", "media", "locale", "__pycache__"}
TEMPLATE_SUFFIXES = {".html", ".txt"}
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    # Django's own header for Arabic: zero, one, two, few (3-10), many (11-99), other.
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
        "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"
    ),
}

# Which argument of which gettext function is the context, the singular and the plural
# (xgettext's Python defaults plus the keywords makemessages adds).
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
# %% is a literal percent sign; everything else that starts with % is a placeholder.
# (No space flag: "50 % de" in French prose is not a placeholder.)
PRINTF = re.compile(r"%(?:\((?P<name>\w+)\))?[#0+-]*(?:\d+|\*)?(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")
TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


def po_path(lang: str, domain: str = "django") -> Path:
    return ROOT / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


def shipped_catalogues() -> list[tuple[str, str]]:
    # django.po must exist; djangojs.po only once some JavaScript calls gettext.
    return [(lang, d) for lang in SHIPPED for d in ("django", "djangojs") if d == "django" or po_path(lang, d).exists()]


@pytest.fixture(scope="module", params=shipped_catalogues(), ids=lambda p: f"{p[0]}-{p[1]}")
def catalogue(request) -> tuple[str, polib.POFile, Path]:
    lang, domain = request.param
    path = po_path(lang, domain)
    return lang, polib.pofile(str(path)), path


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def placeholders(text: str, flags: list[str]) -> list[str]:
    found = [m.group("name") or m.group("conv") for m in PRINTF.finditer(text) if m.group("conv") != "%"]
    # Positional placeholders keep their order; named ones may move.
    if any(m.group("name") for m in PRINTF.finditer(text)):
        found = sorted(found)
    if "python-brace-format" in flags:
        found += sorted(f"{{{name}}}" for name in BRACE.findall(text))
    return found


def markup(text: str) -> list[str]:
    return sorted(TAG.findall(text))


def single_value_forms(plural_forms: str, nplurals: int) -> set[int]:
    """Plural forms used for exactly one n: gettext lets those omit the number."""
    expression = re.search(r"plural=(.+?);?\s*$", plural_forms).group(1)
    plural = gettext.c2py(expression)
    counts = [0] * nplurals
    for n in range(1000):
        counts[plural(n)] += 1
    return {i for i, c in enumerate(counts) if c == 1}


def test_french_and_arabic_catalogues_exist():
    for lang in SHIPPED:
        assert po_path(lang).exists(), f"{po_path(lang)} is missing: run `make messages`"


def test_header_is_final_with_the_standard_plural_forms(catalogue):
    lang, po, path = catalogue
    assert not po.metadata_is_fuzzy, f"{path}: the header is marked fuzzy"
    assert po.metadata.get("Language") == lang
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    lang, po, path = catalogue
    nplurals = int(re.search(r"nplurals=(\d+)", PLURAL_FORMS[lang]).group(1))
    problems = []
    for e in live_entries(po):
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid!r}")
        elif e.msgid_plural:
            forms = [e.msgstr_plural.get(i, "") for i in range(nplurals)]
            if not all(forms) or len(e.msgstr_plural) != nplurals:
                problems.append(f"plural forms missing ({len(e.msgstr_plural)}/{nplurals}): {e.msgid!r}")
        elif not e.msgstr:
            problems.append(f"untranslated: {e.msgid!r}")
    assert problems == [], f"{path}:\n" + "\n".join(problems)


def test_placeholders_and_markup_are_kept(catalogue):
    lang, po, path = catalogue
    omittable = single_value_forms(PLURAL_FORMS[lang], int(re.search(r"nplurals=(\d+)", PLURAL_FORMS[lang]).group(1)))
    problems = []
    for e in live_entries(po):
        if "fuzzy" in e.flags:
            continue  # reported as fuzzy by the completeness test
        if e.msgid_plural:
            expected = placeholders(e.msgid_plural, e.flags)
            for i, text in sorted(e.msgstr_plural.items()):
                got = placeholders(text, e.flags)
                ok = set(got) <= set(expected) if i in omittable else got == expected
                if text and not ok:
                    problems.append(f"{e.msgid!r} [{i}]: {got} instead of {expected}")
        elif e.msgstr:
            expected, got = placeholders(e.msgid, e.flags), placeholders(e.msgstr, e.flags)
            if got != expected:
                problems.append(f"{e.msgid!r}: {got} instead of {expected}")
        for text in [e.msgstr, *e.msgstr_plural.values()]:
            if text and markup(text) != markup(e.msgid):
                problems.append(f"{e.msgid!r}: HTML tags {markup(text)} instead of {markup(e.msgid)}")
    assert problems == [], f"{path}:\n" + "\n".join(problems)


def catalogue_of(entries) -> dict:
    result = {}
    for e in entries:
        if not e.msgid:
            continue  # the header
        key = (e.msgctxt, e.msgid)
        result[key] = tuple(v for _, v in sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
    return result


def test_compiled_catalogue_matches_the_po_file(catalogue):
    _lang, po, path = catalogue
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make compilemessages`"
    mo = polib.mofile(str(mo_path))
    # msgfmt leaves out untranslated and fuzzy entries, so compare with the translated ones only.
    expected, compiled = catalogue_of(e for e in live_entries(po) if e.translated()), catalogue_of(mo)
    differing = sorted(
        str(key[1]) for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)
    )
    assert differing == [], f"{mo_path} is stale (run `make compilemessages`); differing entries: {differing[:10]}"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# --- every translatable string in the source is in the catalogues ---------------------------------

STRING = re.compile(r"""u?('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")
TEMPLATE_CALL = re.compile(r"\b(npgettext|pgettext|ngettext|gettext|_)\(")


def source_files():
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and (path.suffix == ".py" or path.suffix in TEMPLATE_SUFFIXES):
            yield path


FSTRING_HINT = " (inside an f-string, where xgettext cannot see it: translate into a variable first)"


def python_messages(source: str) -> dict[tuple[str | None, str], str]:
    """Message keys, each with a hint ("" or why makemessages misses it)."""
    tree = ast.parse(source)
    in_fstring = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    messages = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in KEYWORDS:
            continue
        context_at, singular_at, plural_at = KEYWORDS[name]
        args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        wanted = [i for i in (context_at, singular_at, plural_at) if i is not None]
        if len(args) <= max(wanted) or any(args[i] is None for i in wanted):
            continue  # not a literal: xgettext cannot extract it either
        context = args[context_at] if context_at is not None else None
        messages[(context, args[singular_at])] = FSTRING_HINT if id(node) in in_fstring else ""
    return messages


def template_messages(source: str, origin: str) -> dict[tuple[str | None, str], str]:
    # templatize turns a template into the gettext calls makemessages hands to xgettext.
    converted = templatize(source, origin=origin)
    messages = {}
    for match in TEMPLATE_CALL.finditer(converted):
        literals = []
        rest = converted[match.end() :]
        while literal := STRING.match(rest):
            literals.append(ast.literal_eval(literal.group(1)))
            rest = rest[literal.end() :].lstrip()
            if not rest.startswith(","):
                break
            rest = rest[1:].lstrip()
        if match.group(1).startswith(("p", "np")) and len(literals) >= 2:
            messages[(literals[0], literals[1])] = ""
        elif literals:
            messages[(None, literals[0])] = ""
    return messages


@pytest.fixture(scope="module")
def source_messages() -> dict[tuple[str | None, str], str]:
    found = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(ROOT))
        extracted = python_messages(text) if path.suffix == ".py" else template_messages(text, relative)
        for key, hint in extracted.items():
            found.setdefault(key, relative + hint)
    return found


def test_the_source_scan_finds_known_strings(source_messages):
    # Guards the scanner itself: a template string, a plural template string and a Python string.
    assert (None, "Directory of supporters") in source_messages
    assert (None, "%(counter)s organisation found") in source_messages
    assert (None, "Choose a valid standing.") in source_messages


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_source_string_is_in_the_catalogue(lang, source_messages):
    po = polib.pofile(str(po_path(lang)))
    known = {(e.msgctxt, e.msgid) for e in live_entries(po)}
    missing = sorted(
        f"{where}: {msgid!r}" for (ctx, msgid), where in source_messages.items() if (ctx, msgid) not in known
    )
    assert missing == [], f"{len(missing)} strings are not in {po_path(lang)}: run `make messages`\n" + "\n".join(
        missing
    )


# --- pages render translated ------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_in_french(client):
    html = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "<title>Bienvenue · Portail de l'Appel</title>" in html
    assert "Parcourir l'annuaire" in html
    assert "Browse the directory" not in html


@pytest.mark.django_db
def test_home_page_in_arabic_is_right_to_left(client):
    html = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<title>مرحبًا · بوابة النداء</title>" in html
    assert "تصفّح الدليل" in html
    assert "Browse the directory" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "direction", "words"),
    [
        ("fr", "ltr", ["Annuaire des soutiens", "Type", "Pays", "Statut", "Appliquer les filtres", "Tous les pays"]),
        ("ar", "rtl", ["دليل الجهات الداعمة", "النوع", "البلد", "الوضع", "تطبيق عوامل التصفية", "جميع البلدان"]),
    ],
)
def test_directory_filter_labels_are_translated(client, lang, direction, words):
    response = client.get(reverse("portal:directory"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    for word in words:
        assert word in html
    assert "Apply filters" not in html


@pytest.mark.django_db
def test_saved_language_wins_over_the_browser(client):
    client.force_login(UserFactory(language="ar"))
    html = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'dir="rtl"' in html
    assert "بوابة النداء" in html


def test_arabic_plurals_follow_arabic_rules():
    """Arabic has six plural forms: "10 دقائق", never "10 دقيقة". Every plural entry must give at
    least the singular, the dual and the plural their own words."""
    from django.conf import settings

    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ar/LC_MESSAGES/django.po"))
    flat = [e.msgid for e in po if e.msgid_plural and len(set(e.msgstr_plural.values())) < 3]
    assert not flat, f"Arabic plural entries with fewer than three distinct forms: {flat}"
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("ar"):
        ten = ngettext("wait %(n)s minute", "wait %(n)s minutes", 10) % {"n": 10}
    assert "دقائق" in ten, ten


def test_arabic_words_for_one_and_two_do_not_repeat_the_count():
    """Arabic says one and two in the noun itself ("التزام واحد", "التزامان"); adding the number in
    brackets after it ("التزام واحد (1)") reads as a stutter. Forms used for a single number say it
    in words or not at all."""
    po = polib.pofile(str(ROOT / "locale/ar/LC_MESSAGES/django.po"))
    single = single_value_forms(PLURAL_FORMS["ar"], int(re.search(r"nplurals=(\d+)", PLURAL_FORMS["ar"]).group(1)))
    bracketed = re.compile(r"\(\s*%\(\w+\)[sd]\s*\)")
    stutters = [
        (e.msgid, i)
        for e in po
        if e.msgid_plural
        for i, t in e.msgstr_plural.items()
        if i in single and bracketed.search(t)
    ]
    assert not stutters, stutters


# --- system lines and email subjects (#15) -----------------------------------------------------------


def _line_messages() -> dict[str, tuple[str | None, str]]:
    """(context, msgid) of every room line template and TLP word (incidents.lines), read from the
    lazy strings themselves, so a line added there is checked without being listed here."""
    from incidents import lines

    found = {}
    for name, template in {**lines.LINES, **{f"TLP {k}": v for k, v in lines.TLP_WORDS.items()}}.items():
        if name == lines.LEGACY:
            continue  # the old text itself, said as it was stored
        args, kwargs = template._args, template._kw
        if "singular" in kwargs:  # ngettext_lazy with a named number
            found[name] = (None, kwargs["singular"])
        elif len(args) == 2:  # pgettext_lazy
            found[name] = (args[0], args[1])
        else:
            found[name] = (None, args[0])
    return found


def test_the_line_scan_finds_every_kind_of_line():
    found = _line_messages()
    assert found["tlp.changed"] == (None, "TLP changed from %(a)s to %(b)s by %(who)s.")
    assert found["TLP red"] == ("TLP level", "RED")
    assert found["alert.escalated"][1].startswith("%(org)s has not acknowledged within %(n)d minute:")


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_system_line_has_its_own_wording(lang):
    """Room lines are rendered when read (incidents/lines.py): each template is translated, not
    copied, in every shipped language, plural forms included."""
    po = catalogue_of(e for e in live_entries(polib.pofile(str(po_path(lang)))) if e.translated())
    missing = []
    for name, (context, msgid) in _line_messages().items():
        translated = po.get((context, msgid))
        forms = translated if isinstance(translated, tuple) else (translated,)
        if translated is None or any(not form or form == msgid for form in forms):
            missing.append(name)
    assert missing == [], f"system lines without a {lang} wording: {missing}"


def subject_templates() -> list[Path]:
    roots = [ROOT / "templates", *(ROOT / app / "templates" for app in ("portal", "commitments", "incidents"))]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*_subject.txt"))


OUTSIDE_TRANSLATION = re.compile(
    r"\{%\s*blocktranslate.*?\{%\s*endblocktranslate\s*%\}|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL
)


def test_there_are_email_subjects_to_check():
    assert len(subject_templates()) >= 10


@pytest.mark.parametrize("path", subject_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_email_subjects_hold_no_words_outside_translation(path):
    """A subject is the first line a recipient reads: every word of it goes through a translation
    tag (the source scan above then finds it), none is written straight into the template."""
    text = path.read_text(encoding="utf-8")
    left = OUTSIDE_TRANSLATION.sub("", text)
    assert not re.search(r"[^\W\d_]", left), f"{path.relative_to(ROOT)} has untranslated text: {left.strip()!r}"
    assert "translate" in text


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_email_subject_message_is_translated(lang):
    po = catalogue_of(e for e in live_entries(polib.pofile(str(po_path(lang)))) if e.translated())
    untranslated = []
    for path in subject_templates():
        relative = str(path.relative_to(ROOT))
        for key in template_messages(path.read_text(encoding="utf-8"), relative):
            translated = po.get(key)
            forms = translated if isinstance(translated, tuple) else (translated,)
            if translated is None or any(not form for form in forms):
                untranslated.append(f"{relative}: {key[1]!r}")
    assert untranslated == []
