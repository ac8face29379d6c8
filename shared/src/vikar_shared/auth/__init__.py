from vikar_shared.auth.principal import Principal, Role
from vikar_shared.auth.tokens import TokenVerifier, mint_token

__all__ = ["Principal", "Role", "TokenVerifier", "mint_token"]
