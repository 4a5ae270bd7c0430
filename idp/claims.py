"""The claims of the provider's citizens, in the ID token and the userinfo answer."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class CitizenClaimsValidator(OAuth2Validator):
    # The personal identification number goes with the `openid` scope: motcua matches accounts by it.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "national_id": "openid"}

    def get_additional_claims(self, request):
        citizen = getattr(request.user, "citizen", None)
        if citizen is None:
            return {}
        return {
            "national_id": citizen.national_id,
            "name": citizen.full_name,
            "preferred_username": citizen.national_id,
            "email": request.user.email,
            "email_verified": bool(request.user.email),
            "phone_number": citizen.phone,
            "phone_number_verified": bool(citizen.phone),
        }
