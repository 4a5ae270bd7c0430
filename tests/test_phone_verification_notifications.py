"""Dossier notifications go by SMS only to a confirmed phone (issue 17): the account's phone once confirmed;
a walk-in entered by an officer for someone without an account keeps the phone given at the desk. E-mail
and the portal's own messages are unaffected."""

import pytest

from dossiers import services
from dossiers.models import Notification
from dossiers.notifications import notify_applicant
from portal.phone import codes
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


def channels(dossier, kind="accepted"):
    return sorted(
        (n.channel, n.recipient)
        for n in Notification.objects.filter(dossier=dossier, kind=kind, channel__in=["sms", "email"])
    )


def test_an_unconfirmed_phone_gets_no_sms_but_the_email_still_goes():
    citizen = CitizenFactory(phone="0913000001", confirmed_phone="", phone_confirmed_at=None)
    dossier = make_dossier("accepted", citizen=citizen)
    assert channels(dossier) == [("email", citizen.email)]


def test_a_confirmed_phone_gets_the_sms():
    citizen = CitizenFactory(phone="0913000002")
    dossier = make_dossier("accepted", citizen=citizen)
    assert channels(dossier) == [("email", citizen.email), ("sms", "0913000002")]


def test_the_sms_goes_to_the_confirmed_account_phone_not_a_number_typed_on_the_dossier():
    citizen = CitizenFactory(phone="0913000003")
    applicant = {"full_name": citizen.full_name, "phone": "0999999999", "email": ""}
    dossier = make_dossier("accepted", citizen=citizen, applicant=applicant)
    assert dossier.applicant_phone == "0999999999"
    assert channels(dossier) == [("sms", "0913000003")]


def test_a_phone_changed_after_confirmation_gets_nothing_until_confirmed_again():
    citizen = CitizenFactory(phone="0913000004")
    dossier = make_dossier("submitted", citizen=citizen)
    codes.change_phone(citizen, "0913000005")
    dossier.refresh_from_db()
    assert [n.channel for n in notify_applicant(dossier, "result_ready")] == ["email"]
    codes.confirm_phone(citizen, "0913000005")
    dossier.refresh_from_db()
    assert ("sms", "0913000005") in [(n.channel, n.recipient) for n in notify_applicant(dossier, "returned")]


def test_a_walk_in_without_an_account_keeps_the_phone_given_at_the_desk():
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency)
    dossier = services.create_draft(
        officer,
        procedure=procedure,
        desk=officer.desk,
        intake_channel="walk_in",
        return_channel="desk",
        applicant={"full_name": "Trần Thị Bình", "phone": "0913000006"},
    )
    assert dossier.owner is None
    assert [(n.channel, n.recipient) for n in notify_applicant(dossier, "accepted")] == [("sms", "0913000006")]
