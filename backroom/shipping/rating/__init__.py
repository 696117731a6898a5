"""Rating: carriers, rate cards, dimensional weight, quotes and rate shopping.

Fulfillment calls ``quote_shipment`` / ``choose_service`` (in ``services``) with the shipping
warehouse's address (``warehouse_address``); the pure parts (``quote_all``, ``choose``) take
rate cards loaded by ``load_rate_book``.
"""

from backroom.shipping.rating.errors import NoServiceAvailable, RateCardInvalid
from backroom.shipping.rating.loader import RateBook, load_rate_book, problems_in
from backroom.shipping.rating.model import (
    Address,
    Choice,
    Excluded,
    Line,
    Package,
    PackageRate,
    Quote,
    QuoteSet,
    RateCard,
)
from backroom.shipping.rating.quote import Shipment, choose, quote_all
from backroom.shipping.rating.services import (
    carriers,
    choose_service,
    quote_shipment,
    warehouse_address,
)

__all__ = [
    "Address", "Choice", "Excluded", "Line", "NoServiceAvailable", "Package", "PackageRate",
    "Quote", "QuoteSet", "RateBook", "RateCard", "RateCardInvalid", "Shipment", "carriers",
    "choose", "choose_service", "load_rate_book", "problems_in", "quote_all", "quote_shipment",
    "warehouse_address",
]
