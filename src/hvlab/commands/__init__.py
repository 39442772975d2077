"""The subcommands of ``hvlab``, one module per topic, each with ``register(app)``."""
