from django.db import models


class BoardDashboardAccess(models.Model):
    """Holds the permission to read board dashboards (no rows are stored)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_board_dashboard", "Can read board dashboards and stocktakes")]

    def __str__(self):
        return "Board dashboard access"
