from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Live stream"

    def ready(self) -> None:
        from contests import events as contest_events
        from ideas import events
        from realtime import broadcast, contest_stream

        # The live stream is the sink of the domain's committed events.
        events.register_sink(broadcast.session_event, many=broadcast.session_events)
        contest_events.register_sink(contest_stream.contest_event)
