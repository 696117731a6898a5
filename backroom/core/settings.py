"""Settings from the environment (prefix ``BACKROOM_``); secrets never logged."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKROOM_", env_file=None, extra="ignore")

    database_url: str = Field(default="sqlite:///./backroom.db",
                              description="SQLite file or postgresql+psycopg:// URL")
    base_currency: str = Field(default="USD", min_length=3, max_length=3)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    pool_size: int = Field(default=10, ge=1)
    secret_key: SecretStr = Field(default=SecretStr(""),
                                  description="signs dashboard cookies; generated per DB if empty")
    rates_dir: str = Field(default="", description="directory of carrier rate cards; "
                                                  "empty: the bundled sample carriers")
    easypost_api_key: SecretStr = Field(default=SecretStr(""),
                                        description="EasyPost API key for the 'easypost' provider")
    easypost_webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="verifies X-Hmac-Signature on /webhooks/easypost")
    tracking_webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="verifies X-Backroom-Signature on /webhooks/tracking")
    sourcing_strategy: str = Field(
        default="cost", description="which warehouse ships which lines: cost (cheapest "
                                    "shipping + split penalty), priority or closest (greedy)")
    sourcing_split_penalty_minor: int = Field(
        default=150, ge=0, description="cost of each package beyond the first when an order "
                                       "is split, in minor units of the base currency")
    stale_scan_business_days: int = Field(
        default=3, ge=1, le=30, description="a shipment with no scan for this many business "
                                            "days is delayed")
    books_post_inline: bool = Field(
        default=False, description="post events that have posting rules to the books in the "
                                   "same transaction as they are recorded (the worker still "
                                   "posts the rest and skips what is posted)")

    def safe_database_url(self) -> str:
        """The URL with any password masked, for printing."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
