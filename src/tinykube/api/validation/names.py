"""Name and syntax checks with the texts of `k8s.io/apimachinery/pkg/util/validation`.

Each check returns the list of problems Kubernetes' `Is*` function returns (empty when the value
is valid); callers wrap every text in an `Invalid value` error on their own field path. Lengths
are counted in UTF-8 bytes and patterns must match the whole value, as Go's anchored regexps do.
Used by `containers`, `volumes`, `meta`, `pod` and `objects`.
"""

from __future__ import annotations

import re
from typing import Final

DNS1123_LABEL_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253
DNS1035_LABEL_MAX_LENGTH: Final = 63
LABEL_VALUE_MAX_LENGTH: Final = 63
LABEL_KEY_NAME_MAX_LENGTH: Final = 63
PORT_NAME_MAX_LENGTH: Final = 15
MAX_USER_ID: Final = 2**31 - 1  # math.MaxInt32
MAX_GROUP_ID: Final = 2**31 - 1  # math.MaxInt32

_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT: Final = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_C_IDENTIFIER_FMT: Final = "[A-Za-z_][A-Za-z0-9_]*"
_LABEL_KEY_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT: Final = "(" + _LABEL_KEY_FMT + ")?"
_CONFIG_MAP_KEY_FMT: Final = "[-._a-zA-Z0-9]+"
_HTTP_HEADER_NAME_FMT: Final = "[-A-Za-z0-9]+"

_DNS1123_LABEL_RE: Final = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE: Final = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE: Final = re.compile(_DNS1035_LABEL_FMT)
_C_IDENTIFIER_RE: Final = re.compile(_C_IDENTIFIER_FMT)
_LABEL_KEY_RE: Final = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_RE: Final = re.compile(_LABEL_VALUE_FMT)
_CONFIG_MAP_KEY_RE: Final = re.compile(_CONFIG_MAP_KEY_FMT)
_HTTP_HEADER_NAME_RE: Final = re.compile(_HTTP_HEADER_NAME_FMT)
_PORT_NAME_CHARSET_RE: Final = re.compile("[-a-z0-9]+")
_PORT_NAME_LETTER_RE: Final = re.compile("[a-z]")

_DNS1123_LABEL_MSG: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG: Final = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character"
)
_C_IDENTIFIER_MSG: Final = (
    "a valid C identifier must start with alphabetic character or '_', followed by a string "
    "of alphanumeric characters or '_'"
)
_LABEL_KEY_MSG: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_MSG: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character"
)
_CONFIG_MAP_KEY_MSG: Final = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
)
_HTTP_HEADER_NAME_MSG: Final = "a valid HTTP header must consist of alphanumeric characters or '-'"
_RELAXED_ENV_VAR_NAME_MSG: Final = (
    "a valid environment variable name must consist only of printable ASCII characters "
    "other than '='"
)


def _byte_length(value: str) -> int:
    """Go's `len()` of a string: its UTF-8 byte count."""
    return len(value.encode("utf-8", "surrogatepass"))


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.fullmatch(value) is not None


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def empty_error() -> str:
    return "must be non-empty"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """`RegexError`: the message, examples and pattern (its odd double space included)."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    text = message + " (e.g. "
    for position, example in enumerate(examples):
        if position > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def _ch_dir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def dns1123_label(value: str) -> list[str]:
    """`IsDNS1123Label`: container, volume and port names."""
    problems: list[str] = []
    if _byte_length(value) > DNS1123_LABEL_MAX_LENGTH:
        problems.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _matches(_DNS1123_LABEL_RE, value):
        if _matches(_DNS1123_SUBDOMAIN_RE, value):
            problems.append("must not contain dots")
        else:
            problems.append(
                regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc")
            )
    return problems


def dns1123_subdomain(value: str) -> list[str]:
    """`IsDNS1123Subdomain`: object names (pods, config maps, secrets)."""
    problems: list[str] = []
    if _byte_length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        problems.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _matches(_DNS1123_SUBDOMAIN_RE, value):
        problems.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return problems


def dns1035_label(value: str) -> list[str]:
    """`IsDNS1035Label`: service names."""
    problems: list[str] = []
    if _byte_length(value) > DNS1035_LABEL_MAX_LENGTH:
        problems.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _matches(_DNS1035_LABEL_RE, value):
        problems.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return problems


def name_is_dns_subdomain(name: str, *, prefix: bool = False) -> list[str]:
    """`NameIsDNSSubdomain`: with `prefix`, a trailing dash is masked first (generateName)."""
    if prefix and _byte_length(name) > 1 and name.endswith("-"):
        name = name[:-2] + "a"
    return dns1123_subdomain(name)


def c_identifier(value: str) -> list[str]:
    """`IsCIdentifier`: the format only, not the length."""
    if _matches(_C_IDENTIFIER_RE, value):
        return []
    return [regex_error(_C_IDENTIFIER_MSG, _C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName")]


def env_var_name(value: str) -> list[str]:
    """`IsRelaxedEnvVarName` (the rule since RelaxedEnvironmentVariableValidation is on)."""
    problems: list[str] = []
    if not value:
        problems.append("environment variable name " + empty_error())
    for char in value:
        if ord(char) > 0x7E or ord(char) < 0x20 or char == "=":
            problems.append(_RELAXED_ENV_VAR_NAME_MSG)
            break
    return problems


def iana_svc_name(value: str) -> list[str]:
    """`IsValidPortName`: named container ports and probe ports (IANA_SVC_NAME)."""
    problems: list[str] = []
    if _byte_length(value) > PORT_NAME_MAX_LENGTH:
        problems.append(max_len_error(PORT_NAME_MAX_LENGTH))
    if not _matches(_PORT_NAME_CHARSET_RE, value):
        problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if _PORT_NAME_LETTER_RE.search(value) is None:
        problems.append("must contain at least one letter (a-z)")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        problems.append("must not begin or end with a hyphen")
    return problems


def _label_key_name_problems(name: str) -> list[str]:
    problems: list[str] = []
    if not name:
        problems.append("name part " + empty_error())
    elif _byte_length(name) > LABEL_KEY_NAME_MAX_LENGTH:
        problems.append("name part " + max_len_error(LABEL_KEY_NAME_MAX_LENGTH))
    if not _matches(_LABEL_KEY_RE, name):
        problems.append(
            "name part "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return problems


def qualified_name(value: str) -> list[str]:
    """`IsQualifiedName` / `IsLabelKey`: label keys, annotation keys, resource names."""
    parts = value.split("/")
    problems: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            problems.append("prefix part " + empty_error())
        else:
            problems.extend("prefix part " + text for text in dns1123_subdomain(prefix))
    else:
        return [
            "a valid label key "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    problems.extend(_label_key_name_problems(name))
    return problems


def label_value(value: str) -> list[str]:
    """`IsValidLabelValue`."""
    problems: list[str] = []
    if _byte_length(value) > LABEL_VALUE_MAX_LENGTH:
        problems.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _matches(_LABEL_VALUE_RE, value):
        problems.append(
            regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return problems


def config_map_key(value: str) -> list[str]:
    """`IsConfigMapKey`: keys of config maps and secrets, and key selectors."""
    problems: list[str] = []
    if _byte_length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        problems.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _matches(_CONFIG_MAP_KEY_RE, value):
        problems.append(
            regex_error(
                _CONFIG_MAP_KEY_MSG, _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"
            )
        )
    problems.extend(_ch_dir_prefix(value))
    return problems


def http_header_name(value: str) -> list[str]:
    """`IsHTTPHeaderName`: probe `httpHeaders[].name`."""
    if _matches(_HTTP_HEADER_NAME_RE, value):
        return []
    return [regex_error(_HTTP_HEADER_NAME_MSG, _HTTP_HEADER_NAME_FMT, "X-Header-Name")]


def valid_port_num(port: int) -> list[str]:
    """`IsValidPortNum`: 1..65535."""
    if 1 <= port <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


def valid_user_id(uid: int) -> list[str]:
    """`IsValidUserID`: 0..4294967295."""
    if 0 <= uid <= MAX_USER_ID:
        return []
    return [inclusive_range_error(0, MAX_USER_ID)]


def valid_group_id(gid: int) -> list[str]:
    """`IsValidGroupID`: 0..4294967295."""
    if 0 <= gid <= MAX_GROUP_ID:
        return []
    return [inclusive_range_error(0, MAX_GROUP_ID)]
