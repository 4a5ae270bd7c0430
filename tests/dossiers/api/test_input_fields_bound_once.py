"""The dossier API's input serializers bind their fields once per class (dossiers/api/serializers.py
`InputFieldsBoundOnce`, issue 18): each request's data is still checked on its own, with its own refusals, the
serializer's own `validate_<field>` still runs, and no request's serializer is kept by the shared fields."""

from concurrent.futures import ThreadPoolExecutor

from dossiers.api.serializers import DossierCreateSerializer, NoteSerializer

GOOD = {
    "procedure": "1.001193",
    "desk": "x",
    "intake_channel": "online",
    "return_channel": "desk",
    "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
}


def test_each_request_is_checked_on_its_own_with_its_own_refusals():
    bad_phone = DossierCreateSerializer(data={**GOOD, "applicant": {"full_name": "An", "phone": "12"}})
    assert not bad_phone.is_valid()
    assert set(bad_phone.errors) == {"applicant", "desk"}
    assert set(bad_phone.errors["applicant"]) == {"phone"}
    not_an_object = DossierCreateSerializer(data={**GOOD, "form_data": [1, 2]})  # validate_form_data runs
    assert not not_an_object.is_valid()
    assert "form_data" in not_an_object.errors and "applicant" not in not_an_object.errors
    note = NoteSerializer(data={"note": "Đủ giấy tờ"})
    assert note.is_valid() and note.validated_data == {"note": "Đủ giấy tờ"}
    assert NoteSerializer(data={}).is_valid()
    assert NoteSerializer(data={}).fields is note.fields  # bound once for the class


def test_the_shared_fields_keep_no_request():
    first = DossierCreateSerializer(data=GOOD, context={"request": "a request"})
    first.is_valid()
    for field in first.fields.values():
        assert field.parent is not first and field.context == {}


def test_threads_checking_at_once_get_their_own_answers():
    def check(n):
        phone = "0912345678" if n % 2 else "12"
        serializer = DossierCreateSerializer(data={**GOOD, "applicant": {"full_name": f"An {n}", "phone": phone}})
        serializer.is_valid()
        return n, "applicant" in serializer.errors

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(check, range(200)))
    for n, refused in results:
        assert refused == (n % 2 == 0)
