"""Value filters: plain functions, cheapest first. Each returns why a value is not a secret, or None.

They encode what the issue lists as "not a secret": placeholders, redactions, references to an
environment variable / secret manager / template / Terraform attribute, documentation examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Filter = Callable[[str], str | None]

_REDACTED = re.compile(
    r"^\*+$|\*{3,}|•|…|\.\.\.|<(?:redacted|hidden|removed|secret|masked)>|\[(?:redacted|filtered|masked)\]"
    r"|redacted|\bmasked\b",
    re.IGNORECASE,
)

# Words that appear in documentation placeholders but (at this length) not in random tokens.
# AWS documentation marks every sample credential with EXAMPLE (AKIAIOSFODNN7EXAMPLE, …EXAMPLEKEY).
# Case variants are spelled out (not IGNORECASE) so that long random tokens rarely contain one by chance.
_PLACEHOLDER_WORDS = re.compile(
    r"[Ee]xample|EXAMPLE|[Ss]ample|SAMPLE|[Pp]laceholder|PLACEHOLDER|[Yy]our|YOUR|[Cc]hange_?[Mm]e|CHANGE_?ME"
    r"|[Rr]eplace|REPLACE|[Dd]ummy|DUMMY|[Ff]ake|FAKE|[Ii]nsert|INSERT|TODO|FIXME|[Hh]ere\b|HERE\b|<[^>]*>"
    r"|xxxx|XXXX"
)
_REPEAT = re.compile(r"([^0-9])\1{5,}")  # "xxxxxx", "******", "------"
_SEQUENTIAL = ("abcdefgh", "bcdefghi", "ABCDEFGH", "BCDEFGHI", "0123456789", "qwertyui", "QWERTYUI")

_REFERENCE = re.compile(
    r"""^(?:
        \$\{\{?|\$\(|\$[A-Za-z_]|%[A-Za-z_][A-Za-z0-9_]*%$|%\([A-Za-z_]\w*|\{\{|\#\{|<%=|@Microsoft\.KeyVault\(
      | (?:os\.)?(?:environ|getenv)\b|process\.env\b|ENV\[|System\.getenv|env\(|Env\.|settings\.
      | !(?:Ref|Sub|GetAtt|ImportValue)\b|\{\{resolve:
      | arn:aws:(?:secretsmanager|ssm|kms):|projects/[^/\s]+/secrets/|sm://|gcp-secret://|vault:|ssm:|secretsmanager:
      | (?:var|local|data|module|each|count|self|path|terraform)\.[A-Za-z_][\w\-]*(?:[.\[][\w.\-\[\]"']*)?$
      | (?:aws|google|azurerm|random|tls|vault|kubernetes|github|gitlab|tfe)_[a-z0-9_]+
        \.[A-Za-z_][\w\-]*\.[\w.\-\[\]"']+$
    )""",
    re.VERBOSE,
)
# ${{ secrets.X }}, ${VAR}, {{ var }}, and format/f-string fields such as {name} or {cfg.get(…)}
_REFERENCE_ANYWHERE = re.compile(
    r"\$\{\{\s*secrets\.|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{\{\s*[\w.]+\s*\}\}|\{[A-Za-z_][\w.]*[}(\[]"
)


def redacted(value: str) -> str | None:
    return "redacted" if _REDACTED.search(value) else None


def placeholder(value: str) -> str | None:
    if _PLACEHOLDER_WORDS.search(value):
        return "placeholder"
    if _REPEAT.search(value):
        return "placeholder"
    if any(s in value for s in _SEQUENTIAL):
        return "placeholder"
    return None


def reference(value: str) -> str | None:
    if _REFERENCE.match(value) or _REFERENCE_ANYWHERE.search(value):
        return "reference"
    return None


#: Filters a detector file may name under `filters:`; order there is the order they run in.
FILTERS: Mapping[str, Filter] = {
    "redacted": redacted,
    "placeholder": placeholder,
    "reference": reference,
}


def rejected(value: str, names: tuple[str, ...]) -> str | None:
    for name in names:
        why = FILTERS[name](value)
        if why:
            return why
    return None
