"""Django settings for the chanx bench peer: Channels only, no database."""
import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels"]
ASGI_APPLICATION = "benchsite.asgi.application"
USE_TZ = True
LOGGING = {"version": 1, "disable_existing_loggers": True}

_redis = os.environ.get("BENCH_REDIS_URL", "")
if _redis:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get("BENCH_REDIS_LAYER", "channels_redis.core.RedisChannelLayer"),
            "CONFIG": {"hosts": [_redis]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
