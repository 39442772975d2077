"""Placeholder replaced by the real command line below."""


def main() -> None:
    """Run the hvlab command line."""
