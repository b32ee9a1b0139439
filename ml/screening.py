"""Screening of a new idea against the forums' rules: no links, contacts or obscenity.

API:

- ``screen(text: str) -> list[str]`` — the reason codes that apply, in this order, each at most
  once; an empty list means the text is clean:

  - ``"link"`` — a URL (``http://…``, ``www.…``) or a bare domain with a known top-level domain
    (``site.ru``, ``t.me/x``, ``город.рф``);
  - ``"email"`` — an e-mail address;
  - ``"phone"`` — a Russian (+7/8 and ten digits, or a local ``123-45-67``) or international
    (``+`` and 10–14 digits) phone number;
  - ``"obscenity"`` — Russian obscene vocabulary (мат) in any word form, a few vulgar insults,
    English profanity and slurs.

- ``REASONS`` — every code ``screen`` may return.

A flag is a hint for a moderator (the idea goes to ``pending``), never a deletion, so the rules
lean to precision on ordinary civic text: «хлеб», «оскорблять», «употреблять», «команда»,
«мандарин», «бляха», "Scunthorpe" and "Dickens" are clean.

How the Russian check stays morphology-aware without a list of word forms: the productive
obscene roots (хуй, пизд, еб, бляд, муд…) are matched at the start of a word after an optional
verbal prefix (за-, вы-, по-, на-, разъ-, долбо-…), which covers every inflection and derivation
(«заебали», «охуевший», «распиздяйство»), while roots that collide with normal words are matched
only where the collision cannot happen («еб» after «с» is «себе», so «съ» is required).
Nouns that are insults only as a whole word (сука, шлюха, гандон) are matched by their pymorphy3
lemma, so every case and number is caught. Look-alike Latin letters, digits and masking
characters (``x*й``, ``п@зда``) are folded before matching. Only the few tokens that contain a
suspicious stem reach pymorphy3, which keeps ``screen`` well under a millisecond.
"""

from __future__ import annotations

import re

from ml.text import morph

REASONS: tuple[str, ...] = ("link", "email", "phone", "obscenity")

# --- links, e-mail, phones -------------------------------------------------------------------

# A curated top-level-domain list rather than "any two letters": in hurried civic text a missing
# space after a full stop ("улица.Там", "the city.It") must not read as a domain, so two-letter
# English words (in, it, is, at, to, be, no, so, do, us) are left out.
_TLDS = (
    "ru|su|рф|com|net|org|info|biz|io|co|me|uk|de|ua|by|kz|uz|am|ge|tv|xyz|online|site|"
    "pro|club|ly|gl|app|dev|gov|edu|eu|top|shop|store|tech|link|live|cc|ai|fr|moscow|"
    "tk|ml|ga|cf|gq|ws|pw|space|website|blog|news|ink|today|world|life|page|cloud"
)
_URL_RE = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|\bt\.me/\S+"
    # The label before the top-level domain has two characters or more: «г.рф» is an
    # abbreviation, not a site.
    r"|(?<![\w.@-])(?:[a-zа-я0-9-]+\.)*[a-zа-я0-9][a-zа-я0-9-]*[a-zа-я0-9]\.(?:" + _TLDS + r")"
    r"(?![\w-])(?:[/:?#]\S*)?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# A plus, or 8/7 followed by a Russian area code, then the remaining digits with the usual
# separators. Money ("1 500 000 руб"), years ("2023-2024") and house numbers have too few
# digits or the wrong shape.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d\s().-]{8,18}\d"  # international, checked for 10-15 digits below
    r"|[78][\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}"  # +7 / 8 and ten digits
    r"|\d{3}-\d{2}-\d{2}"  # a local city number, written with dashes
    r")(?!\w)"
)

# --- obscenity -------------------------------------------------------------------------------

# Latin look-alikes, digits and masking characters, folded into Cyrillic only inside words that
# already contain Cyrillic letters (an English word stays English).
_LOOKALIKES = str.maketrans(
    {
        "a": "а",
        "b": "б",
        "c": "с",
        "e": "е",
        "ё": "е",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "x": "х",
        "y": "у",
        "u": "и",
        "0": "о",
        "3": "з",
        "6": "б",
        "@": "а",
    }
)
_MASK_CHARS = "*#$%@"
_WORD_RE = re.compile(r"[\w*#$%@]+")

# Verbal and nominal prefixes that attach to the obscene roots («за-ебать», «на-хуй»,
# «распиздяй», «долбо-еб»); longest first so «пере» wins over «по».
_PREFIXES = (
    "недо",
    "пере",
    "долбо",
    "разъ",
    "рас",
    "раз",
    "изъ",
    "из",
    "отъ",
    "от",
    "объ",
    "об",
    "подъ",
    "под",
    "съ",
    "въ",
    "за",
    "вы",
    "до",
    "на",
    "по",
    "про",
    "при",
    "у",
    "о",
    "с",
    "а",
    "ни",
    "не",
)
# Roots matched at the start of the word after any prefix. Each pattern is written so that it
# cannot match a normal word: «ху[йеяюи]» skips «худой», «хулиган», «хуже»; «муда[кч]» skips
# «мудрый»; «бляд|блят» skips «бляха».
_ROOT_RE = re.compile(
    r"(?:ху[йеяюи]|хуе|пизд|пезд|пизж|бляд|блят|бля$|еб(?:[аеиоуыляюнтк]|$)"
    r"|муда[кч]|мудил|мудоз|мудох|пидор|пидар|пидр|залуп|гандон|гондон|манд(?:а|ы|е|у|ой|ою)$"
    r"|мандавош|херн|херов|хер$|шлюх|сучар|ублюд|говнюк|мраз[ьи])"
)
# Prefixes that, glued to «еб», form ordinary words: «с+ебе», «в+еб-сайт», «н+ебо», «х+леб».
_EB_BAD_PREFIXES = frozenset({"с", "в", "о", "не", "ни", "по", "а"})
# Whole lemmas that are insults or obscene without a productive root.
_OBSCENE_LEMMAS = frozenset(
    {"сука", "хер", "похер", "нахер", "захер", "нахуй", "похуй", "хуйня", "блядь"}
)
# Whole words that the root patterns would catch but are normal Russian.
_RU_ALLOW = frozenset(
    {
        "ебонит",
        "ебонитовый",
        "херес",
        "херувим",
        "херсон",
        "херсонский",
        "мраза",
        "командир",
        "мандарин",
        "мандат",
        "мандаринка",
        "мандола",
        "мандолина",
    }
)
# Only tokens containing one of these go through the root matcher and pymorphy3.
_RU_TRIGGERS = (
    "ху",
    "пиз",
    "пез",
    "бля",
    "еб",
    "муд",
    "пид",
    "залуп",
    "ганд",
    "гонд",
    "манд",
    "хер",
    "шлюх",
    "сук",
    "суч",
    "ублюд",
    "говн",
    "мраз",
)

_EN_PROFANE_RE = re.compile(
    r"^(?:\w*fuck\w*|\w*fck\w*|fuk\w*|shit\w*|\w+shit|bullshit\w*|cunts?|cunty|motherf\w*"
    r"|bitch\w*|assholes?|arseholes?|dumbass\w*|jackass\w*|dickheads?|bastards?|whores?"
    r"|sluts?|slutty|wank\w*|twats?|cocksuck\w*|niggers?|nigga|faggots?|fags?"
    r"|retards?)$"
)


def _fold(token: str) -> str:
    """Fold a token written in mixed scripts ("xуй", "п@зда", "бл*дь") into Cyrillic."""
    lowered = token.lower()
    if not re.search(r"[а-яё]", lowered):
        return lowered
    folded = lowered.translate(_LOOKALIKES)
    return folded


def _strip_prefix(word: str) -> list[str]:
    """The word itself and its remainders after each matching prefix."""
    stems = [word]
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            stems.append(word[len(prefix) :])
    return stems


def _masked_obscene(word: str) -> bool:
    """Masked spellings such as «х*й», «п**да», «бл*ть», «*б*ть», «f*ck»."""
    if not any(ch in word for ch in _MASK_CHARS):
        return False
    return bool(
        re.fullmatch(r"(?:на|по|о)?х[*#$%]+[йяеи]\w*", word)
        or re.fullmatch(r"\w*п[*#$%@и]+зд\w*|п[*#$%@]+[зд]\w*", word)
        or re.fullmatch(r"бл[*#$%]+[дтя]\w*", word)
        or re.fullmatch(r"\w{0,3}[*#$%]+б(?:[*#$%]+|ан|ат|ал|ну|ук)\w*", word)
        or re.fullmatch(r"f[*#$%]+c?k\w*|sh[*#$%]+t\w*", word)
    )


def _russian_obscene(word: str) -> bool:
    if word in _RU_ALLOW or not any(trigger in word for trigger in _RU_TRIGGERS):
        return False
    for stem in _strip_prefix(word):
        if not _ROOT_RE.match(stem):
            continue
        if stem.startswith("еб"):
            prefix = word[: len(word) - len(stem)]
            # «себе», «веб», «небо», «побед-» are prefix + «еб» only on paper.
            if prefix in _EB_BAD_PREFIXES:
                continue
        return True
    # Inflected whole-word insults («суки», «сукой», «хера»): ask pymorphy3 for the lemma.
    lemmas = {parse.normal_form.replace("ё", "е") for parse in morph().parse(word)[:2]}
    if word == "сук":  # a tree's branch as often as the insult
        return False
    return bool(lemmas & _OBSCENE_LEMMAS)


def _obscene(text: str) -> bool:
    for raw in _WORD_RE.findall(text):
        word = _fold(raw)
        # «п@зда»: "@" masks a letter here, while folding reads it as «а»; test both readings.
        if _masked_obscene(word) or _masked_obscene(raw.lower()):
            return True
        # Masking characters left inside a word otherwise: drop them and test the letters.
        letters = word.strip("*#$%@_")
        if not letters:
            continue
        if re.search(r"[а-я]", letters):
            if _russian_obscene(letters):
                return True
        elif _EN_PROFANE_RE.match(letters):
            return True
    return False


def _has_phone(text: str) -> bool:
    for match in _PHONE_RE.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if match.group().startswith("+"):
            if 10 <= digits <= 15:
                return True
        elif digits in (7, 11):
            return True
    return False


def screen(text: str) -> list[str]:
    """Reason codes for the rules the text seems to break; ``[]`` when it looks clean."""
    reasons: list[str] = []
    # E-mail first: its domain part would otherwise also read as a bare-domain link.
    has_email = bool(_EMAIL_RE.search(text))
    without_emails = _EMAIL_RE.sub(" ", text) if has_email else text
    if _URL_RE.search(without_emails):
        reasons.append("link")
    if has_email:
        reasons.append("email")
    if _has_phone(without_emails):
        reasons.append("phone")
    if _obscene(text):
        reasons.append("obscenity")
    return reasons
