"""Carriers and shipments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from core.domain.errors import InvalidTrackingNumber


@dataclass
class Carrier:
    code: str
    name: str
    tracking_url_template: str  # "{tracking}" is replaced by the tracking number

    def tracking_url(self, tracking_number: str) -> str:
        return self.tracking_url_template.replace("{tracking}", quote(tracking_number, safe=""))


DEFAULT_CARRIERS = [
    Carrier(
        "dhl", "DHL", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}"
    ),
    Carrier("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking}"),
    Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={tracking}"),
    Carrier("usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}"),
    Carrier("estafeta", "Estafeta", "https://www.estafeta.com/Rastreo/?guia={tracking}"),
    Carrier(
        "correos",
        "Correos",
        "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={tracking}",
    ),
    Carrier("seur", "SEUR", "https://www.seur.com/livetracking/?segOnlineIdentificador={tracking}"),
    Carrier(
        "paquetexpress", "Paquetexpress", "https://www.paquetexpress.com.mx/rastreo/{tracking}"
    ),
    Carrier(
        "servientrega",
        "Servientrega",
        "https://www.servientrega.com/wps/portal/rastreo-envio?guia={tracking}",
    ),
]

_TRACKING = re.compile(r"^[A-Z0-9-]{6,40}$")


def clean_tracking_number(text: str) -> str:
    """Trim, drop inner spaces, upper-case; 6-40 letters, digits or dashes."""
    cleaned = re.sub(r"\s+", "", text or "").upper()
    if not _TRACKING.match(cleaned):
        raise InvalidTrackingNumber(value=text)
    return cleaned


@dataclass
class Shipment:
    """A parcel handed to a carrier: an order's, or an exchange's replacement (return_id)."""

    id: int | None
    order_id: int
    carrier_code: str
    carrier_name: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime
    delivered_at: datetime | None = None
    return_id: int | None = None
