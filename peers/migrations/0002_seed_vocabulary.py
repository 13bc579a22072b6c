from django.db import migrations
from django.utils.text import slugify

EXPERTISE = [
    "Governance", "Scrutiny", "Finance", "Transformation", "Tourism", "Planning",
    "Equality and diversity", "Communications", "Licensing", "Housing and homelessness",
    "Rough sleeping", "Economic recovery", "Children's services", "Adult social care",
    "Leadership", "Workforce", "Skills", "Place leadership", "Digital", "Climate change",
    "Public health", "Commercialisation", "Partnerships", "Community engagement",
]
REGIONS = [
    "North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West", "Wales",
]


def seed(apps, schema_editor):
    Expertise = apps.get_model("peers", "Expertise")
    WorkRegion = apps.get_model("peers", "WorkRegion")
    for name in EXPERTISE:
        Expertise.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    for name in REGIONS:
        WorkRegion.objects.get_or_create(name=name)


def unseed(apps, schema_editor):
    apps.get_model("peers", "Expertise").objects.filter(
        slug__in=[slugify(n) for n in EXPERTISE], peers__isnull=True
    ).delete()
    apps.get_model("peers", "WorkRegion").objects.filter(name__in=REGIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("peers", "0001_peer_pool")]
    operations = [migrations.RunPython(seed, unseed)]
