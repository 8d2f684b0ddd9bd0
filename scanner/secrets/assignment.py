"""Secret-named assignments: `DB_PASSWORD=…`, `"client_secret": "…"`, `apiKey: …`, `<password>…</password>`.

Data cannot say this one: the name is split into words and judged by where its credential noun sits
(`secret_name`, `token_url`, `credentialsId` name something else), and the value by what it looks like
(random enough, not a reference, not a placeholder, not an identifier). The vocabularies and floors
are the detector file's `params`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.secrets.entropy import char_classes, shannon
from scanner.secrets.filters import rejected
from scanner.secrets.model import DetectorSpec, Hit

# A credential word, the rest of the name, an optional closing quote, then an operator: found by the
# regex engine, so the (much more frequent) words that are not being assigned cost no Python.
# It runs on the lower-cased text: a case-insensitive alternation is several times slower in `re`.
_STEMS = ("secret", "token", "pass", "pwd", "cred", "auth", "key")
# Possessive (`*+`): nothing after the name run (a quote, blanks, an operator) is a name character, so
# giving characters back cannot help; without it `auth.example.com/` is retried at every character.
_AFTER_STEM = r"(?P<tail>[\w.\-]*+)[\"'`]?[ \t]*(?::=|=>|\?=|\+=|=|:|,|>)"
_SPACE = re.compile(r"\s")
_NAME_RUN = re.compile(r"[A-Za-z0-9_.\-]*")
_NAME_STR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
_NAME_CHARS = frozenset(_NAME_STR)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# After a name: its closing quote, an operator (`:` not of `::` or `://`), then a quoted or bare value.
# One match in C instead of a loop of character tests per candidate.
_ASSIGN = re.compile(
    r"""(?P<nq>["'`])?[ \t]*(?P<op>:=|=>|\?=|\+=|==|=|:(?![:/])|,)[ \t]*"""
    r"""(?:"(?P<dq>(?:[^"\\\n]|\\[\s\S])*)"|'(?P<sq>(?:[^'\\\n]|\\[\s\S])*)'|`(?P<bq>(?:[^`\\\n]|\\[\s\S])*)`"""
    r"""|(?P<uv>[^ \t\r\n,;'"`)}\]>]*))"""
)
_SCHEME = re.compile(r"(?i:bearer|basic|token|bot) [ \t]*")
_UNQUOTED_AFTER_BLANKS = re.compile(r"""[ \t]*([^ \t\r\n,;'"`)}\]>]*)""")
# obj.attr, mod::CONST, obj->field, call(…), table[…]: an expression, not a literal
_CODE_REF = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+(?:\(|\[|$)|^[A-Za-z_$][\w$.]*[(\[]")
# YAML tags (!vault, !Ref), anchors (&base), aliases (*base), decorators/handles (@user): not literals.
_YAML_NODE = re.compile(r"^(?:![A-Za-z]+|[&*][A-Za-z_][\w\-]*|@[A-Za-z_][\w.\-]*)$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[a-z]{2,12}$")
# A name starts after one of these (or at the start of the text): not inside `arn:…:secret:…` or a path.
_NAME_START = frozenset(" \t\r\n\"'`{(,;[<$@&?|!*")
_SNAKE = re.compile(r"^_*[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_DOTTED_NAME = re.compile(r"^[a-z][a-z0-9_\-]*(?:\.[a-z][a-z0-9_\-]*)+$")  # "aws.sts.federation_token": an id
_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")  # "AWS_SESSION_TOKEN" names a variable, quoted or not
# A segment of a field path (`Jobs[-1]`, `NextMarker`): letters (then digits), an optional index.
_SEGMENT = re.compile(r"^([A-Za-z]+\d*)(?:\[-?\d+\])?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_VERSION = re.compile(r"^v?\d+(?:[.\-_]\d+)+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def _wordy(segment: str, mean: float) -> bool:
    """Words glued together (`AWSAccessKeyId`, `NextMarker`): no one-letter word, `mean` letters a word.
    Random letters split into words of one or two letters; names do not."""
    words = _WORDS.findall(segment)
    letters = [w for w in words if not w.isdigit()]
    return bool(letters) and all(len(w) >= 2 for w in letters) and sum(map(len, letters)) >= mean * len(letters)


def identifier_like(value: str, mean: float) -> bool:
    """A name or a dotted field path (`DistributionList.NextMarker`, `Jobs[-1].JobId`), not a literal."""
    parts = value.split(".")
    if len(parts) == 1:
        m = _SEGMENT.match(value)
        return m is not None and len(_WORDS.findall(m.group(1))) >= 2 and _wordy(m.group(1), mean)
    for part in parts:
        m = _SEGMENT.match(part)
        if m is None or not _wordy(m.group(1), 0):
            return False
    return True


def _strs(spec: DetectorSpec, key: str) -> frozenset[str]:
    v = spec.params.get(key, [])
    return frozenset(str(x).lower() for x in v) if isinstance(v, Iterable) else frozenset()


class AssignmentDetector:
    def __init__(self, spec: DetectorSpec) -> None:
        self.spec = spec
        self.nouns = _strs(spec, "nouns")
        self.key_qualifiers = _strs(spec, "key_qualifiers")
        self.compound_nouns = tuple(_strs(spec, "compound_nouns"))
        self.compound_prefixes = _strs(spec, "compound_prefixes")
        self.suffix_deny = _strs(spec, "suffix_deny")
        self.anywhere_deny = _strs(spec, "anywhere_deny")
        self.uuid_nouns = _strs(spec, "uuid_allowed_for")
        self.uuid_token_qualifiers = _strs(spec, "uuid_token_qualifiers")
        self.non_secret_names = _strs(spec, "non_secret_names")
        self.placeholder_nouns = _strs(spec, "self_naming_nouns")
        self.vendor_prefixes = tuple(str(x) for x in spec.params.get("vendor_prefixes", []))
        p = spec.params
        self.min_length = int(p.get("min_length", 8))
        self.short_length = int(p.get("short_length", 16))
        self.short_entropy = float(p.get("short_entropy", 2.8))
        self.long_entropy = float(p.get("long_entropy", 3.3))
        self.max_value = int(p.get("max_value_length", 500))
        self.name_mean_letters = float(p.get("identifier_mean_word_letters", 3.0))
        # One regex a stem: a pattern that starts with a literal is searched at C speed, an alternation
        # of stems is tried character by character (30x slower on a source tree).
        self.candidates = tuple(re.compile(rf"{stem}{_AFTER_STEM}") for stem in _STEMS)
        self._candidates_any_case: tuple[re.Pattern[str], ...] = ()  # compiled when first needed (rare)
        # Names and values repeat in code (`password = os.environ[`): each is judged once per run.
        self._names: dict[str, tuple[str, str] | None] = {}
        self._verdicts: dict[tuple[str, bool, str, str], bool] = {}

    # --- the name ----------------------------------------------------------------------------
    def _noun(self, words: list[str]) -> tuple[str, str] | None:
        """The credential noun the name ends on (words after it may qualify, not rename it), and the
        word that qualifies it (`api` in api_token and in apiToken's compound `apitoken`)."""
        found: tuple[int, str] | None = None
        for i, w in enumerate(words):
            if w in self.anywhere_deny:
                return None
            if w == "key":
                if i > 0 and words[i - 1] in self.key_qualifiers:
                    found = (i, "key")
            elif w in self.nouns:
                found = (i, w)
            else:
                for n in self.compound_nouns:
                    if w.endswith(n) and w[: -len(n)] in self.compound_prefixes:
                        found = (i, n)
                        break
        if found is None:
            return None
        i, noun = found
        if any(w in self.suffix_deny for w in words[i + 1:]):
            return None
        if "_".join(words[max(0, i - 2):i + 1]) in self.non_secret_names or "_".join(words[i - 1:i + 1]) in \
                self.non_secret_names:
            return None  # an idempotency or concurrency token of an API (ClientRequestToken, ChangeToken)
        qualifier = words[i][: -len(noun)] if words[i] != noun else (words[i - 1] if i > 0 else "")
        return noun, qualifier

    # --- the value ---------------------------------------------------------------------------
    def _value_ok(self, value: str, quoted: bool, noun: str, qualifier: str) -> bool:
        n = len(value)
        if n < self.min_length or n > self.max_value:
            return False
        if _SPACE.search(value):
            return False  # prose, a prompt, a command line
        if rejected(value, self.spec.filters) or value[0] in "<{(" or _YAML_NODE.match(value) or "://" in value:
            return False
        if value.startswith(self.vendor_prefixes):
            return False
        if _CONSTANT.match(value) or _DOTTED_NAME.match(value):
            return False
        if not quoted and (_SNAKE.match(value) or (_CODE_REF.match(value) and not value.startswith("eyJ"))):
            return False  # a variable, an attribute, a call: code, not a literal
        if _VERSION.match(value) or ("@" in value and "." in value.rsplit("@", 1)[-1]) or _HOSTNAME.match(value):
            return False  # a version, an e-mail address, a host name
        if _UUID.match(value):
            # An API token may be a UUID; a bare `…Token` holding one is a request or change token.
            return noun in self.uuid_nouns and (noun != "token" or qualifier in self.uuid_token_qualifiers)
        if identifier_like(value, self.name_mean_letters):
            return False  # words glued together, or a field path: a name, not a secret
        if noun in value.lower() and noun in self.placeholder_nouns:
            return False  # "SomeKindOfPassword123!@#": a value that names itself is an example
        h = shannon(value)
        if n < self.short_length:
            classes = char_classes(value)
            # A short password mixes three character classes, or two with many distinct characters.
            return (classes >= 3 and h >= self.short_entropy) or (classes == 2 and n >= 12 and h >= 3.2)
        if _HEX.match(value):
            return h >= 3.0
        return h >= self.long_entropy and char_classes(value) >= 2

    def find(self, text: str, low: str | None = None) -> list[Hit]:
        hits: list[Hit] = []
        low = text.lower() if low is None else low
        # Offsets in the lower-cased text are offsets in the text unless lower() changed a length (İ).
        if len(low) == len(text):
            tails = {m.start(): m.end("tail") for rx in self.candidates for m in rx.finditer(low)}
        else:
            if not self._candidates_any_case:
                self._candidates_any_case = tuple(re.compile(c.pattern, re.IGNORECASE) for c in self.candidates)
            tails = {m.start(): m.end("tail") for rx in self._candidates_any_case for m in rx.finditer(text)}
        # In ASCII text the candidate's name-character run ends where the name does (`\w` is wider only
        # beyond ASCII): no second match to find the end.
        ascii_text = text.isascii()
        names, verdicts, name_run = self._names, self._verdicts, _NAME_RUN.match
        done = -1
        for s in sorted(tails):
            if s < done:
                continue  # inside a name (or its value) already read: `secret_token=…` is one assignment
            e = tails[s] if ascii_text else name_run(text, s).end()  # type: ignore[union-attr]  # ≥ the keyword
            if s > 0 and text[s - 1] in _NAME_CHARS:
                before = text[max(0, s - 80):s]
                s -= len(before) - len(before.rstrip(_NAME_STR))
            done = e
            # After ':' or '/' a name is part of a value (arn:…:secret:…) unless assigned with '='
            # (npmrc's `//registry/:_authToken=…`).
            equals_only = s > 0 and text[s - 1] in ":/"
            if s > 0 and text[s - 1] not in _NAME_START and not equals_only:
                continue
            name = text[s:e].strip(".-")
            try:
                named = names[name]
            except KeyError:
                if len(names) > 50_000:
                    names.clear()  # a bound on memory for trees of generated code
                named = names[name] = self._noun(_words(name))
            if named is None:
                continue
            noun, qualifier = named
            got = self._value_after(text, s, e, equals_only)
            if got is None:
                continue
            v_start, value, quoted = got
            key = (value, quoted, noun, qualifier)
            try:
                ok = verdicts[key]
            except KeyError:
                if len(verdicts) > 50_000:
                    verdicts.clear()
                ok = verdicts[key] = not self.spec.allowlist.allows(value, "") and \
                    self._value_ok(value, quoted, noun, qualifier)
            if not ok:
                continue
            hits.append(Hit(rule=self.spec.id, secret=value, spans=((v_start, v_start + len(value)),),
                            title=f"Hard-coded secret assigned to a secret-named variable ({noun})",
                            evidence={"name": name[:80]}))
        return hits

    def _value_after(self, text: str, s: int, e: int, equals_only: bool) -> tuple[int, str, bool] | None:
        # <password>value</password>
        if s > 0 and text[s - 1] == "<" and e < len(text) and text[e] == ">":
            close = text.find("<", e + 1, e + 1 + self.max_value)
            if close == -1 or not text.startswith(f"</{text[s:e]}>", close):
                return None  # not an element: a regex's named group `(?P<secret>…)`
            return e + 1, text[e + 1:close].strip(), True
        m = _ASSIGN.match(text, e)
        if m is None:
            return None
        op = m.group("op")
        if equals_only and op != "=":
            return None
        # getenv("API_TOKEN", "default") — a call's quoted first argument, a comma, a quoted value
        # (not any tuple of strings: ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")).
        if op == "," and (not m.group("nq") or s < 2 or text[s - 2] != "("):
            return None
        quote = m.lastgroup or "uv"
        if quote != "uv":
            value = m.group(quote)
            if len(value) > self.max_value + 1:
                return None
            start = m.start(quote)
        elif op in (",", "==") or text.startswith("[", m.start("uv")):
            return None  # a comparison with a variable, a list expression: code, not a literal
        else:
            start, value = m.start("uv"), m.group("uv")
        sm = _SCHEME.match(value)
        if sm:
            start += sm.end()
            value = value[sm.end():]
        elif quote == "uv" and value.lower().rstrip(":") in ("bearer", "basic", "token"):
            um = _UNQUOTED_AFTER_BLANKS.match(text, m.end())
            if um is None:
                return None
            start, value = um.start(1), um.group(1)
        return start, value, quote != "uv"
