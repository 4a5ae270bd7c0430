"""Online payment of a dossier's fees (thanh toán trực tuyến): `service` (who may pay, the state
changes of a payment, on `dossiers.door`), `providers` (the gateways, named in PAYMENT_PROVIDERS),
`callbacks` (what a provider's callback may carry), `api` and `pages` (the "payments" namespace,
`urls`). The models are in `dossiers/models/payments.py`."""
