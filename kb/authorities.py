"""Local data per authority: contacts, local procedures with time limits, and departures.

Each authority is one YAML file in ``rules/authorities`` (package data of ``redress.rules``).
The national rules live in the rule files; these files only layer an authority's own services,
its local procedures and the points where its seed leaflet departs from the law over them.

Every field is validated at load: a malformed file raises :class:`redress.core.errors.DataError`
naming the file and the dotted path of the offending field (``contacts[2].kind``).

:func:`verify_quotes` checks that each quoted sentence really occurs in the seed leaflet it was
taken from. It needs the seeds folder, so tests call it; loading does not.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import yaml

from redress.core.errors import DataError, Span
from redress.parser import ast

__all__ = [
    "APPLIES_TO",
    "CONTACT_KINDS",
    "DEPARTURE_KINDS",
    "UNITS",
    "Authority",
    "Contact",
    "Departure",
    "Procedure",
    "Step",
    "default_directory",
    "load_authorities",
    "load_authority_file",
    "verify_quotes",
]

CONTACT_KINDS: Final[frozenset[str]] = frozenset(
    {
        "mediation_provider",
        "mediation_adviser",
        "iass",
        "disagreement_resolution",
        "la_send_team",
        "complaints_la",
        "complaints_school",
        "complaints_nhs",
        "complaints_social_care",
        "ombudsman",
        "tribunal",
        "health_commissioner",
        "other",
    }
)
# What a local procedure is for, so that it is offered when that route is open.
PROCEDURE_KINDS: Final[frozenset[str]] = frozenset(
    {"local_resolution", "complaints_la", "complaints_school", "complaints_nhs", "complaints_social_care",
     "recommendation_response", "appeal"}
)
APPLIES_TO: Final[frozenset[str]] = frozenset({"education", "health", "social_care", "all"})
UNITS: Final[frozenset[str]] = frozenset({"calendar_days", "working_days", "years", "months"})
DEPARTURE_KINDS: Final[frozenset[str]] = frozenset(
    {"omits", "simplifies", "contradicts", "outdated", "overstates", "consistent"}
)

_AUTHORITY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ITEM_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


# --------------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A local service a family can turn to, with the seed sentence(s) that name it."""

    id: str
    kind: str
    name: str
    applies_to: tuple[str, ...]
    quote: tuple[str, ...]
    phone: tuple[str, ...] = ()
    email: str | None = None
    url: str | None = None
    address: str | None = None
    note: str | None = None

    def applies(self, area: str) -> bool:
        """True if the service covers ``area`` (education, health or social_care)."""
        return "all" in self.applies_to or area in self.applies_to


@dataclass(frozen=True)
class Step:
    """One step of a local procedure. ``limit_days`` is the count in ``unit`` (None: no limit)."""

    what: str
    limit_days: int | None
    unit: str | None
    quote: tuple[str, ...]
    starts: str | None = None


@dataclass(frozen=True)
class Procedure:
    """A local procedure, as the seed describes it, step by step."""

    id: str
    name: str
    steps: tuple[Step, ...]
    applies_to: tuple[str, ...] = ()
    note: str | None = None
    display_only: bool = False  # the leaflet restating national rules: shown, never offered as local
    kind: str = "local_resolution"


@dataclass(frozen=True)
class Departure:
    """A point where the seed leaflet simplifies, differs from or contradicts a provision."""

    id: str
    statement: str
    provision: str
    kind: str
    explanation: str
    ref: str | None = None


@dataclass(frozen=True)
class Authority:
    """One local authority's layer of local data over the national rules."""

    id: str
    name: str
    seed: str
    source_title: str
    contacts: tuple[Contact, ...]
    procedures: tuple[Procedure, ...]
    departures: tuple[Departure, ...]
    file: str = ""

    def contact(self, contact_id: str) -> Contact:
        for c in self.contacts:
            if c.id == contact_id:
                return c
        raise KeyError(contact_id)

    def procedure(self, procedure_id: str) -> Procedure:
        for p in self.procedures:
            if p.id == procedure_id:
                return p
        raise KeyError(procedure_id)

    def departure(self, departure_id: str) -> Departure:
        for d in self.departures:
            if d.id == departure_id:
                return d
        raise KeyError(departure_id)

    def contacts_of_kind(self, *kinds: str) -> tuple[Contact, ...]:
        return tuple(c for c in self.contacts if c.kind in kinds)

    def contacts_for(self, area: str) -> tuple[Contact, ...]:
        """Contacts covering ``area`` (education, health or social_care)."""
        return tuple(c for c in self.contacts if c.applies(area))


# --------------------------------------------------------------------------------------------
# YAML: a safe loader that rejects duplicate keys
# --------------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int):
        self.key = key
        self.line = line
        super().__init__(f"duplicate key {key!r} (line {line})")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:  # unhashable key: construct_mapping reports it below
            duplicate = False
        if duplicate:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        try:
            seen.add(key)
        except TypeError:
            pass
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


class _Fields:
    """Reads one YAML mapping, checking keys, types and values; errors carry file and path."""

    def __init__(self, raw: object, file: str, path: str, required: set[str], optional: set[str]):
        self.file = file
        self.path = path
        if not isinstance(raw, dict):
            raise DataError(f"expected a mapping, got {_kind_of(raw)}", file=file, field=path or None)
        for key in raw:
            if not isinstance(key, str):
                raise DataError(f"keys must be strings, got {key!r}", file=file, field=path or None)
        unknown = sorted(set(raw) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise DataError(
                f"unknown key {unknown[0]!r} (allowed: {allowed})",
                file=file,
                field=self.at(unknown[0]),
            )
        missing = sorted(k for k in required if k not in raw)
        if missing:
            raise DataError(f"missing required key {missing[0]!r}", file=file, field=self.at(missing[0]))
        self.raw: dict[str, object] = raw

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> DataError:
        return DataError(message, file=self.file, field=self.at(key))

    def text(self, key: str) -> str:
        value = self.raw[key]
        if not isinstance(value, str):
            raise self.error(key, f"expected text, got {_kind_of(value)}")
        if not value.strip():
            raise self.error(key, "must not be empty")
        return value.strip()

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind_of(value)}")
        return value

    def opt_text(self, key: str) -> str | None:
        if key not in self.raw or self.raw[key] is None:
            return None
        return self.text(key)

    def ident(self, key: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(key)
        if not pattern.match(value):
            raise self.error(key, f"{value!r} is not a valid {what}")
        return value

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise self.error(key, f"{value!r} is not one of: {', '.join(sorted(allowed))}")
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A string or a non-empty list of strings."""
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise self.error(key, "missing required value")
            return ()
        value = self.raw[key]
        if isinstance(value, str):
            items: list[object] = [value]
            paths = [self.at(key)]
        elif isinstance(value, list):
            if not value:
                raise self.error(key, "must not be an empty list")
            items = list(value)
            paths = [f"{self.at(key)}[{i}]" for i in range(len(value))]
        else:
            raise self.error(key, f"expected text or a list of text, got {_kind_of(value)}")
        out: list[str] = []
        for item, path in zip(items, paths):
            if not isinstance(item, str):
                raise DataError(f"expected text, got {_kind_of(item)}", file=self.file, field=path)
            if not item.strip():
                raise DataError("must not be empty", file=self.file, field=path)
            out.append(item.strip())
        return tuple(out)

    def choices(self, key: str, allowed: frozenset[str], *, required: bool = True) -> tuple[str, ...]:
        values = self.texts(key, required=required)
        if isinstance(self.raw.get(key), str):
            raise self.error(key, "expected a list")
        for i, v in enumerate(values):
            if v not in allowed:
                raise DataError(
                    f"{v!r} is not one of: {', '.join(sorted(allowed))}",
                    file=self.file,
                    field=f"{self.at(key)}[{i}]",
                )
        if len(set(values)) != len(values):
            raise self.error(key, "lists a value twice")
        return values

    def items(self, key: str, *, required: bool = True) -> Iterator[tuple[str, object]]:
        """The elements of a list field, each with its dotted path."""
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise self.error(key, "missing required value")
            return
        value = self.raw[key]
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {_kind_of(value)}")
        for i, item in enumerate(value):
            yield f"{self.at(key)}[{i}]", item


# What a YAML value is, in words, first match wins (a bool is also an int)
_KINDS: tuple[tuple[type, str], ...] = ((type(None), "nothing (null)"), (bool, "a boolean"), (int, "an integer"),
                                        (float, "a number"), (str, "text"), (list, "a list"), (dict, "a mapping"))


def _kind_of(value: object) -> str:
    return next((name for kind, name in _KINDS if isinstance(value, kind)), type(value).__name__)


def _unique(ids: Iterable[tuple[str, str]], file: str) -> None:
    seen: dict[str, str] = {}
    for path, ident in ids:
        if ident in seen:
            raise DataError(f"duplicate id {ident!r} (first at {seen[ident]})", file=file, field=path)
        seen[ident] = path


# --------------------------------------------------------------------------------------------
# Parsing one file
# --------------------------------------------------------------------------------------------


def _contact(raw: object, file: str, path: str) -> Contact:
    f = _Fields(
        raw,
        file,
        path,
        required={"id", "kind", "name", "applies_to", "quote"},
        optional={"phone", "email", "url", "address", "note"},
    )
    email = f.opt_text("email")
    if email is not None and (" " in email or email.count("@") != 1):
        raise f.error("email", f"{email!r} is not an email address")
    url = f.opt_text("url")
    if url is not None and (" " in url or not re.match(r"^(https?://|www\.)", url)):
        raise f.error("url", f"{url!r} is not a web address")
    phones = f.texts("phone", required=False)
    for i, phone in enumerate(phones):
        if not re.fullmatch(r"[0-9 +()]+", phone) or sum(ch.isdigit() for ch in phone) < 7:
            where = f.at("phone") if isinstance(f.raw.get("phone"), str) else f"{f.at('phone')}[{i}]"
            raise DataError(f"{phone!r} is not a phone number", file=file, field=where)
    return Contact(
        id=f.ident("id", _ITEM_ID, "snake_case id"),
        kind=f.choice("kind", CONTACT_KINDS),
        name=f.text("name"),
        applies_to=f.choices("applies_to", APPLIES_TO),
        quote=f.texts("quote"),
        phone=phones,
        email=email,
        url=url,
        address=f.opt_text("address"),
        note=f.opt_text("note"),
    )


def _step(raw: object, file: str, path: str) -> Step:
    f = _Fields(
        raw, file, path, required={"what", "limit_days", "quote"}, optional={"unit", "starts"}
    )
    limit = f.raw["limit_days"]
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise f.error("limit_days", f"expected a whole number or null, got {_kind_of(limit)} {limit!r}")
    if isinstance(limit, int) and limit <= 0:
        raise f.error("limit_days", f"must be positive, got {limit}")
    unit: str | None = None
    if f.raw.get("unit") is not None:
        unit = f.choice("unit", UNITS)
    if limit is not None and unit is None:
        raise f.error("unit", "a step with a limit needs a unit")
    if limit is None and unit is not None:
        raise f.error("unit", "a step without a limit takes no unit")
    return Step(
        what=f.text("what"),
        limit_days=limit,
        unit=unit,
        quote=f.texts("quote"),
        starts=f.opt_text("starts"),
    )


def _procedure(raw: object, file: str, path: str) -> Procedure:
    f = _Fields(raw, file, path, required={"id", "name", "steps"},
                optional={"applies_to", "note", "display_only", "kind"})
    steps = tuple(_step(item, file, p) for p, item in f.items("steps"))
    if not steps:
        raise f.error("steps", "a procedure needs at least one step")
    return Procedure(
        id=f.ident("id", _ITEM_ID, "snake_case id"),
        name=f.text("name"),
        steps=steps,
        applies_to=f.choices("applies_to", APPLIES_TO, required=False),
        note=f.opt_text("note"),
        display_only=f.flag("display_only"),
        kind=f.choice("kind", PROCEDURE_KINDS) if "kind" in f.raw else "local_resolution",
    )


def _departure(raw: object, file: str, path: str) -> Departure:
    f = _Fields(
        raw,
        file,
        path,
        required={"id", "statement", "provision", "kind", "explanation"},
        optional={"ref"},
    )
    return Departure(
        id=f.ident("id", _ITEM_ID, "snake_case id"),
        statement=f.text("statement"),
        provision=f.text("provision"),
        kind=f.choice("kind", DEPARTURE_KINDS),
        explanation=f.text("explanation"),
        ref=f.opt_text("ref"),
    )


def _parse(text: str, file: str, expected_id: str | None) -> Authority:
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as e:
        raise DataError(str(e), file=file, field=str(e.key)) from None
    except yaml.YAMLError as e:
        raise DataError(f"not valid YAML: {e}", file=file) from None
    if raw is None:
        raise DataError("the file is empty", file=file)
    f = _Fields(
        raw,
        file,
        "",
        required={"id", "name", "seed", "source_title", "contacts", "procedures", "departures"},
        optional=set(),
    )
    authority_id = f.ident("id", _AUTHORITY_ID, "authority id (lower-case words joined by '-')")
    if expected_id is not None and authority_id != expected_id:
        raise f.error("id", f"id {authority_id!r} does not match the file name ({expected_id}.yaml)")
    seed = f.text("seed")
    if not _SEED_NAME.match(seed):
        raise f.error("seed", f"{seed!r} is not a seed file name like '002_74535d750b803831.txt'")

    contacts = tuple(_contact(item, file, p) for p, item in f.items("contacts"))
    procedures = tuple(_procedure(item, file, p) for p, item in f.items("procedures"))
    departures = tuple(_departure(item, file, p) for p, item in f.items("departures"))
    _unique(((f"contacts[{i}].id", c.id) for i, c in enumerate(contacts)), file)
    _unique(((f"procedures[{i}].id", p.id) for i, p in enumerate(procedures)), file)
    _unique(((f"departures[{i}].id", d.id) for i, d in enumerate(departures)), file)

    return Authority(
        id=authority_id,
        name=f.text("name"),
        seed=seed,
        source_title=f.text("source_title"),
        contacts=contacts,
        procedures=procedures,
        departures=departures,
        file=file,
    )


def load_authority_file(path: Path) -> Authority:
    """Load and validate one authority file; its ``id`` must equal the file's stem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read: {e}", file=path.name) from None
    return _parse(text, path.name, path.stem)


# --------------------------------------------------------------------------------------------
# Loading the folder
# --------------------------------------------------------------------------------------------


def default_directory() -> Traversable:
    """``rules/authorities`` as package data of ``redress.rules``, else beside this package."""
    try:
        resource = importlib.resources.files("redress.rules") / "authorities"
        if resource.is_dir():
            return resource
    except (ModuleNotFoundError, TypeError, ValueError):
        pass
    return Path(__file__).resolve().parent.parent / "rules" / "authorities"


def load_authorities(directory: Path | None = None) -> dict[str, Authority]:
    """Every ``*.yaml`` authority in ``directory`` (default: the bundled ones), keyed by id.

    Raises :class:`DataError` (with ``file`` and ``field``) on the first malformed file.
    """
    folder: Traversable = directory if directory is not None else default_directory()
    if not folder.is_dir():
        raise DataError(f"authorities folder not found: {folder}")
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".yaml") and e.is_file()),
        key=lambda e: e.name,
    )
    if not entries:
        raise DataError(f"no *.yaml authority files in {folder}")
    out: dict[str, Authority] = {}
    for entry in entries:
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise DataError(f"cannot read: {e}", file=entry.name) from None
        authority = _parse(text, entry.name, entry.name[: -len(".yaml")])
        if authority.id in out:
            raise DataError(
                f"duplicate authority id {authority.id!r} (also in {out[authority.id].file})",
                file=entry.name,
                field="id",
            )
        out[authority.id] = authority
    return out


# --------------------------------------------------------------------------------------------
# Checking quotes against the seeds
# --------------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space."""
    return " ".join(text.split())


def _compact(text: str) -> str:
    """No whitespace at all, markdown escapes removed: for phone numbers, emails and URLs."""
    return "".join(text.replace("\\_", "_").split())


def verify_quotes(
    authorities: Mapping[str, Authority] | Iterable[Authority], seeds_dir: Path
) -> list[str]:
    """Problems found checking every quote against the authority's seed; empty if none.

    Checked: each contact's ``quote``, each step's ``quote`` and each departure's ``statement``
    occur in the seed text (whitespace-normalised), and each contact's phone numbers, email and
    URL occur in it (ignoring whitespace and markdown escapes such as ``\\_``).
    """
    items = authorities.values() if isinstance(authorities, Mapping) else authorities
    problems: list[str] = []
    for a in items:
        seed_path = seeds_dir / a.seed
        try:
            seed = seed_path.read_text(encoding="utf-8")
        except OSError as e:
            problems.append(f"{a.file or a.id}: seed {a.seed} cannot be read: {e}")
            continue
        flat = _normalise(seed)
        compact = _compact(seed)
        where = a.file or a.id

        def check(field: str, quote: str) -> None:
            if _normalise(quote) not in flat:
                problems.append(f"{where}:{field}: not found in {a.seed}: {quote[:80]!r}")

        for i, c in enumerate(a.contacts):
            for j, q in enumerate(c.quote):
                check(f"contacts[{i}].quote" + (f"[{j}]" if len(c.quote) > 1 else ""), q)
            details = [("phone", p) for p in c.phone]
            details += [(k, v) for k, v in (("email", c.email), ("url", c.url)) if v is not None]
            for key, value in details:
                if _compact(value) not in compact:
                    problems.append(f"{where}:contacts[{i}].{key}: {value!r} does not occur in {a.seed}")
        for i, p in enumerate(a.procedures):
            for k, s in enumerate(p.steps):
                for j, q in enumerate(s.quote):
                    suffix = f"[{j}]" if len(s.quote) > 1 else ""
                    check(f"procedures[{i}].steps[{k}].quote{suffix}", q)
        for i, d in enumerate(a.departures):
            check(f"departures[{i}].statement", d.statement)
    return problems


# ---------------------------------------------------------------------- as rules
def leaflet_provision_id(authority: Authority) -> str:
    """The citation id of an authority's seed leaflet, e.g. ``Leaflet 002 camden``."""
    return f"Leaflet {authority.seed[:3]} {authority.id}"


def authority_module(directory: Path) -> ast.Module:
    """The authorities in ``directory`` as rule-language items: one provision per leaflet, and
    cited facts ``local_service(Authority, Service, Kind, Area)`` and ``service_name(Service, Name)``.

    Built as AST so the checker validates it like any rule file; the module's text (the YAML
    files) feeds the rules_version digest. Contacts of kind ``other`` and the leaflets'
    restatements of national time limits (``display_only``) are not offered as local services.
    """
    authorities = load_authorities(directory)
    items: list[ast.Item] = []
    texts: list[str] = []
    for authority in sorted(authorities.values(), key=lambda a: a.id):
        file_path = directory / authority.file
        span = Span(str(file_path), 1, 1, 1, 1)
        texts.append(file_path.read_text(encoding="utf-8"))
        pid = leaflet_provision_id(authority)
        items.append(ast.Provision(
            pid, span, title=f"{authority.name}: {authority.source_title}",
            text=f"Local arrangements as the {authority.name} leaflet states them (seed {authority.seed}).",
            source=f"shared/seeds/{authority.seed}",
            caveats=("A local leaflet, not law: `redress leaflets` lists where it departs from the law.",)))
        services: list[tuple[str, str, str, tuple[str, ...]]] = [
            (c.id, c.kind, c.name, c.applies_to) for c in authority.contacts if c.kind != "other"]
        services += [(p.id, p.kind, p.name, p.applies_to or ("all",))
                     for p in authority.procedures if not p.display_only]
        for sid, kind, name, areas in services:
            qualified = f"{authority.id}:{sid}"
            for area in areas:
                items.append(_fact(span, pid, "local_service", authority.id, qualified, kind, area))
            items.append(_fact(span, pid, "service_name", qualified, name))
    return ast.Module(str(directory), "\n".join(texts), tuple(items))


def _fact(span: Span, cite: str, predicate: str, *values: str) -> ast.Fact:
    return ast.Fact(ast.Atom(predicate, tuple(ast.Const(v, span) for v in values), span), (cite,), span, span)


def service_details(directory: Path) -> dict[str, dict[str, Any]]:
    """Contact and procedure details by qualified id (``camden:global_mediation``), for answers."""
    out: dict[str, dict[str, Any]] = {}
    for authority in load_authorities(directory).values():
        base = {"authority": authority.id, "citation": leaflet_provision_id(authority), "seed": authority.seed}
        for c in authority.contacts:
            out[f"{authority.id}:{c.id}"] = {**base, "kind": c.kind, "name": c.name, "phone": list(c.phone),
                                              "email": c.email, "url": c.url, "address": c.address, "note": c.note,
                                              "quote": list(c.quote)}
        for p in authority.procedures:
            out[f"{authority.id}:{p.id}"] = {**base, "kind": p.kind, "procedure": True, "name": p.name, "note": p.note,
                                              "steps": [{"what": st.what, "limit": st.limit_days, "unit": st.unit,
                                                         "starts": st.starts} for st in p.steps]}
    return out


def related_provisions(cited: str, declared: Iterable[str]) -> list[str]:
    """The declared provisions a leaflet departure's citation covers.

    Exact match; else the subsections of it (``CFA 2014 s.51(2)`` -> ``s.51(2)(a)`` ...); else the
    section it belongs to (``s.55(4)`` -> ``s.55``); else a range (``ss.52-54``, ``regs 35-39``).

    >>> related_provisions("CFA 2014 ss.52-54", ["CFA 2014 s.53", "CFA 2014 s.55"])
    ['CFA 2014 s.53']
    """
    ids = list(declared)
    if cited in ids:
        return [cited]
    children = [i for i in ids if i.startswith((cited + "(", cited + " "))]
    if children:
        return children
    parent = cited
    while "(" in parent:
        parent = parent[: parent.rindex("(")]
        if parent in ids:
            return [parent]
    found = re.fullmatch(r"(.*?)(ss\.|regs |rr\.)(\d+)-(\d+)", cited)
    if found:
        stem, plural, low, high = found.groups()
        single = {"ss.": "s.", "regs ": "reg ", "rr.": "r."}[plural]
        return [f"{stem}{single}{n}" for n in range(int(low), int(high) + 1) if f"{stem}{single}{n}" in ids]
    return []
