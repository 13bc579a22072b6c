from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # The code version is captured when the process starts, so a report names the code
        # that is actually running even if the checkout moves on underneath it.
        from reports.version import capture_code_version

        capture_code_version()
