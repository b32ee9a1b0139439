from django.apps import AppConfig
from django.core import checks


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "Veche"

    def ready(self) -> None:
        from backend.middleware import make_stock_middleware_sync_only

        make_stock_middleware_sync_only()
        checks.register(check_secret_key_is_not_public, checks.Tags.security, deploy=True)


def check_secret_key_is_not_public(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """The development key ships in the source: anyone can sign sessions and CSRF tokens with it.

    Django's own security.W009 misses it (it is long and varied), so it is refused here by value.
    """
    from django.conf import settings

    if settings.DEBUG:
        return []
    development_key = getattr(settings, "DEVELOPMENT_SECRET_KEY", None)
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if development_key and development_key in keys:
        return [
            checks.Error(
                "SECRET_KEY is the public development key while DEBUG is off.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random secret.",
                id="veche.E002",
            )
        ]
    return []
