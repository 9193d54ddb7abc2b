"""Settings of the exchange benchmark's server and process: the test settings (DEBUG from the
environment, off in the benchmark) with a URLconf that adds the bare view next to the product's
URLs, so the gateway and the bare view are served by the same processes and middleware."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.exchange_bare_urls"
