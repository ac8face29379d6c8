"""One identity for every page: the signed page-session token every page-serving service verifies locally.

The identity owner (placement, which keeps the directory of people) mints the token at login and on
refresh; every other service verifies it with the owner's public keys, with no call to the owner.
See :mod:`vikar_shared.identity.tokens`.
"""
