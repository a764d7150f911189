"""Signals media_pipeline sends, so apps that use videos react without being
imported here."""

from django.dispatch import Signal

# Sent after the transaction that switched an asset's published version commits;
# keyword argument ``asset`` (the ``VideoAsset``, status ready, duration known).
video_asset_published = Signal()
