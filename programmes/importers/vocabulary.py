"""The expertise vocabulary (also the engagement themes), as importers find it."""

from django.utils.text import slugify

from peers.models import Expertise


def expertise_from_names(names: list[str], report) -> list[Expertise]:
    """The vocabulary entries with these names (any case); unknown names are added."""
    known = {e.name.lower(): e for e in Expertise.objects.all()}
    found = []
    for name in names:
        expertise = known.get(name.lower())
        if expertise is None:
            slug = base = slugify(name)[:70] or "expertise"
            number = 2
            while Expertise.objects.filter(slug=slug).exists():
                slug, number = f"{base}-{number}", number + 1
            expertise = Expertise.objects.create(name=name[:80], slug=slug)
            known[name.lower()] = expertise
            report.added_vocabulary.append(expertise.name)
        if expertise not in found:
            found.append(expertise)
    return found
