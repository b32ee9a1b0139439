from django.apps import AppConfig
from django.core import checks


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "Veche"

    def ready(self) -> None:
        from backend.middleware import check_protective_middleware

        checks.register(check_protective_middleware, checks.Tags.security, deploy=True)
