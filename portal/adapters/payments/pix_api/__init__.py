"""The Banco Central's standard API Pix, spoken to any bank or payment institution (PSP)."""

from portal.adapters.payments.pix_api.client import PixApiClient, PixApiError
from portal.adapters.payments.pix_api.provider import PixApiProvider

__all__ = ["PixApiClient", "PixApiError", "PixApiProvider"]
