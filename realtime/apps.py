from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Live stream"

    def ready(self) -> None:
        from ideas import events
        from realtime import broadcast

        # The live stream is the sink of the domain's committed events.
        events.register_sink(broadcast.session_event)
