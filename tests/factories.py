"""factory-boy factories shared by the tests, one section per app."""

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from councils.models import Council, CouncilType, Region

PASSWORD = "a-strong-test-password-1"


def _with_roles(*default_roles):
    """A post-generation hook that adds the user to role groups (given ones or the default)."""

    def add(obj, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted if extracted is not None else default_roles:
            obj.groups.add(Group.objects.get_or_create(name=role)[0])
        obj.save()

    return factory.PostGeneration(add)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    roles = _with_roles()


class ManagerFactory(UserFactory):
    is_staff = True
    roles = _with_roles(Role.MANAGER)


class DirectorFactory(UserFactory):
    is_staff = True
    roles = _with_roles(Role.DIRECTOR)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


def _with_permissions(*names):
    """A post-generation hook that grants named permissions ("app_label.codename") directly."""

    def grant(obj, create, extracted, **kwargs):
        if not create:
            return
        from django.contrib.auth.models import Permission

        for name in extracted if extracted is not None else names:
            app_label, codename = name.split(".")
            obj.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )

    return factory.PostGeneration(grant)


class AccessAdministratorFactory(ManagerFactory):
    """A programme manager who also holds the named access-administrator permission."""

    permissions = _with_permissions("accounts.administer_access")


class BoardMemberFactory(UserFactory):
    roles = _with_roles(Role.BOARD)


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ["gss_code"]

    gss_code = factory.Sequence(lambda n: f"E06{n + 900000:06d}")
    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    council_type = CouncilType.UNITARY
    region = Region.NORTH_WEST


class CountyFactory(CouncilFactory):
    gss_code = factory.Sequence(lambda n: f"E10{n + 900000:06d}")
    council_type = CouncilType.COUNTY


class DistrictFactory(CouncilFactory):
    gss_code = factory.Sequence(lambda n: f"E07{n + 900000:06d}")
    council_type = CouncilType.DISTRICT
    county = factory.SubFactory(CountyFactory)


class CouncilContactFactory(UserFactory):
    council = factory.SubFactory(CouncilFactory)
    roles = _with_roles(Role.COUNCIL_CONTACT)


class GroupOfficeFactory(UserFactory):
    political_group = "labour"
    roles = _with_roles(Role.GROUP_OFFICE)
