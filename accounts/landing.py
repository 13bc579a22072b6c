"""Landing pages, one per role. Later features link their pages from here."""

from django.views.generic import TemplateView

from accounts import permissions


class ManagerHomeView(permissions.RoleRequiredMixin, TemplateView):
    role_check = staticmethod(permissions.is_manager)
    template_name = "accounts/home_manager.html"


class BoardHomeView(permissions.RoleRequiredMixin, TemplateView):
    role_check = staticmethod(permissions.is_board_member)
    template_name = "accounts/home_board.html"


class CouncilHomeView(permissions.RoleRequiredMixin, TemplateView):
    role_check = staticmethod(permissions.is_council_contact)
    template_name = "accounts/home_council.html"


class PeerHomeView(permissions.RoleRequiredMixin, TemplateView):
    role_check = staticmethod(permissions.is_peer)
    template_name = "accounts/home_peer.html"


class GroupOfficeHomeView(permissions.RoleRequiredMixin, TemplateView):
    role_check = staticmethod(permissions.is_group_office)
    template_name = "accounts/home_group_office.html"
