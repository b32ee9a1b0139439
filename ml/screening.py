"""Screening of a new idea against the forums' rules: no links, contacts or obscenity.

API:

- ``screen(text: str) -> list[str]`` — the reason codes that apply, in this order, each at most
  once; an empty list means the text is clean:

  - ``"link"`` — a URL (``http://…``, ``www.…``), a bare domain with a known top-level domain
    (``site.ru``, ``t.me/x``, ``город.рф``), a short link (``bit.ly/x``, ``clck.ru/x``), or a
    messenger / social handle (``@prodam_kvartiru``, ``tg: name``, ``wa.me/…``);
  - ``"email"`` — an e-mail address;
  - ``"phone"`` — a Russian (+7/8 and ten digits, or a local ``123-45-67``) or international
    (``+`` and 10–14 digits) phone number;
  - ``"obscenity"`` — Russian obscene vocabulary (мат) in any word form, a few vulgar insults,
    English profanity and slurs; also when spelled out letter by letter («х у й», «х.у.й»,
    «х*у*й»), stretched («хуууй») or written with Latin look-alikes («xyй», «cyka»);
  - ``"insult"`` — a personal insult that is not мат («идиоты», «дебилы», «придурок», "morons"):
    it goes to the moderator's queue like every flag, it never hides anything by itself.

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

REASONS: tuple[str, ...] = ("link", "email", "phone", "obscenity", "insult")

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
# A messenger or social-network handle: "@" and a Latin user name of 4+ characters, not part of
# an e-mail (the e-mail rule runs first), or a handle named after its messenger ("tg: name",
# «телеграм @name»). Short-link hosts without a path are ordinary words («vk»), so they need one.
_HANDLE_RE = re.compile(
    r"(?<![\w@.])@[a-z][a-z0-9_.]{3,31}(?![\w@])"
    r"|\b(?:tg|тг|telegram|телеграм\w*|телега|инста\w*|insta\w*|whatsapp|ватсап\w*|вотсап\w*|viber|вайбер\w*)"
    r"\s*[:：]\s*@?[a-z][a-z0-9_.]{3,31}\b"
    r"|\b(?:wa\.me|vk\.cc|clck\.ru|bit\.ly|goo\.gl|tinyurl\.com|t\.co|is\.gd|cutt\.ly|"
    r"u\.to|qps\.ru|t\.ly|rebrand\.ly|ow\.ly)\s*/\s*\S+",
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


_RU_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


def _masked_obscene(word: str) -> bool:
    """Masked spellings such as «х*й», «п**да», «бл*ть», «*б*ть», «f*ck», «ху*ня»."""
    if not any(ch in word for ch in _MASK_CHARS):
        return False
    masks = [i for i, ch in enumerate(word) if ch in _MASK_CHARS]
    # One masked letter inside a Russian word: is there a letter that makes it мат?
    if (
        len(masks) == 1
        and 0 < masks[0] < len(word) - 1
        and re.fullmatch(r"[а-я*#$%]+", word)
        and any(
            _russian_obscene(word[: masks[0]] + letter + word[masks[0] + 1 :])
            for letter in _RU_LETTERS
        )
    ):
        return True
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


# Letters spelled out one by one with separators: «х у й», «х.у.й», «х*у*й», «х-у-й», «х_у_й».
_SPELLED_RE = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][\s.*_\-·,/|+]{1,3}){2,}[^\W\d_](?![^\W\d_])")
_SEPARATORS_RE = re.compile(r"[\s.*_\-·,/|+]+")
# A word written wholly in Latin letters that look Cyrillic ("cyka", "xyeta"): only these
# letters, so no English word («ebay», "hot", "key") is ever read as Russian.
_ALL_LOOKALIKE_RE = re.compile(r"[aceopxykmu3460@]+")
_LATIN_ONLY = str.maketrans(
    {
        "a": "а",
        "c": "с",
        "e": "е",
        "o": "о",
        "p": "р",
        "x": "х",
        "y": "у",
        "k": "к",
        "m": "м",
        "u": "и",
        "3": "з",
        "4": "ч",
        "6": "б",
        "0": "о",
        "@": "а",
    }
)
_STRETCHED_RE = re.compile(r"(\w)\1{2,}")


def _word_obscene(raw: str) -> bool:
    """One token, as written or folded, against every obscenity rule."""
    word = _fold(raw)
    # «п@зда»: "@" masks a letter here, while folding reads it as «а»; test both readings.
    if _masked_obscene(word) or _masked_obscene(raw.lower()):
        return True
    # Masking characters left inside a word otherwise: drop them and test the letters.
    letters = word.strip("*#$%@_")
    if not letters:
        return False
    if re.search(r"[а-я]", letters):
        return _russian_obscene(letters) or (
            # «хуууй», «пиииздец»: a letter repeated three times or more is one letter.
            _STRETCHED_RE.search(letters) is not None
            and _russian_obscene(_STRETCHED_RE.sub(r"\1", letters))
        )
    if _EN_PROFANE_RE.match(letters):
        return True
    lowered = raw.lower()
    if len(lowered) >= 3 and _ALL_LOOKALIKE_RE.fullmatch(lowered):
        return _russian_obscene(lowered.translate(_LATIN_ONLY))
    return False


def _spelled_out(text: str) -> list[str]:
    """Words spelled letter by letter, joined back: «х у й» -> «хуй».

    A one-letter preposition before the spelled word joins the run too («в х у й н е»), so
    the run is also read without its first one or two letters.
    """
    joined = []
    for match in _SPELLED_RE.finditer(text):
        letters = "".join(_SEPARATORS_RE.split(match.group()))
        for skip in range(min(3, len(letters) - 2)):
            joined.append(letters[skip:])
    return joined


def _obscene(text: str) -> bool:
    if any(_word_obscene(word) for word in _spelled_out(text)):
        return True
    for raw in _WORD_RE.findall(text):
        if _word_obscene(raw):
            return True
    return False


# --- insults ---------------------------------------------------------------------------------

# Nouns that call a person names without being мат. Matched by pymorphy3 lemma, so every case
# and number counts («идиоты», «дебилов»); adjectives («тупой угол», «уродливый забор») and
# words with an everyday sense (скотина: livestock, козёл: a goat, лох: a shrub) are left out.
_INSULT_LEMMAS = frozenset(
    """
    идиот идиотка дебил дебилка придурок придурка кретин кретинка урод уродина быдло сволочь
    тварь ничтожество недоумок болван чмо гнида падла падло дегенерат имбецил тупица дура дурак
    олигофрен мерзавец мерзавка подонок негодяй негодяйка паскуда выродок вырожденец дебилоид
    """.split()
)
# Only tokens starting like one of the lemmas reach pymorphy3 («дур» for «дур», the genitive
# plural of «дура»; «падонок» is how the word is often misspelled).
_INSULT_TRIGGERS = tuple(
    sorted({lemma[:4] if len(lemma) > 4 else lemma[:3] for lemma in _INSULT_LEMMAS} | {"падо"})
)
_EN_INSULT_RE = re.compile(r"^(?:idiots?|morons?|imbeciles?|cretins?|scumbags?|dimwits?)$")


def _insulting(text: str) -> bool:
    for raw in _WORD_RE.findall(text):
        word = _fold(raw).strip("*#$%@_")
        if not word:
            continue
        if not re.search(r"[а-я]", word):
            if _EN_INSULT_RE.match(word):
                return True
            continue
        if not word.startswith(_INSULT_TRIGGERS):
            continue
        # The likeliest readings only («имбецилов» is first read as an adjective).
        for parse in morph().parse(word)[:3]:
            if parse.tag.POS == "NOUN" and parse.normal_form.replace("ё", "е") in _INSULT_LEMMAS:
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
    if _URL_RE.search(without_emails) or _HANDLE_RE.search(without_emails):
        reasons.append("link")
    if has_email:
        reasons.append("email")
    if _has_phone(without_emails):
        reasons.append("phone")
    if _obscene(text):
        reasons.append("obscenity")
    if _insulting(text):
        reasons.append("insult")
    return reasons
