"""The OpenAPI schema says what the API answers (issue 12, point 10): nullable fields are declared
nullable, every operation documents the refusals it gives with their shapes, and a URL under /api/
that names nothing is a JSON 404 like every other refusal. tests/test_api_fuzz.py checks the same
with schemathesis over every operation; these pin the cases it found."""

import pytest
from rest_framework.test import APIClient

from tests.factories import OneStopDeskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def responses(schema, method, path):
    return schema["paths"][path][method]["responses"]


def test_a_centre_desk_answers_agency_null_and_the_schema_says_it_may(schema):
    desk = OneStopDeskFactory(centre=True)
    answer = APIClient().get(f"/api/v1/desks/{desk.pk}/").json()
    assert answer["agency"] is None
    assert schema["components"]["schemas"]["Desk"]["properties"]["agency"]["nullable"] is True


@pytest.mark.parametrize(
    ("method", "path", "documented", "absent"),
    [
        ("post", "/api/v1/dossiers/{code}/accept/", {"200", "400", "401", "403", "404", "409", "413", "415"}, set()),
        ("get", "/api/v1/dossiers/{code}/documents/", {"200", "401", "403", "404"}, {"201"}),
        ("get", "/api/v1/provinces/", {"200", "401"}, {"403", "409"}),
        ("get", "/api/v1/agencies/", {"200", "400", "401", "404"}, {"403", "409"}),
        ("post", "/api/v1/desks/{id}/tickets/", {"201", "400", "401", "404", "409", "429"}, set()),
        ("get", "/api/v1/tracking/{code}/", {"200", "400", "404", "429"}, {"401", "403"}),
        ("post", "/api/v1/payments/callback/{provider}/", {"200", "400", "404", "413"}, {"401"}),
        ("get", "/api/v1/reports/service-index/", {"200", "400", "401", "403", "404"}, set()),
        ("post", "/api/v1/auth/token/", {"200", "400", "413", "429"}, {"401", "403"}),
    ],
)
def test_each_operation_documents_the_refusals_it_gives(schema, method, path, documented, absent):
    codes = set(responses(schema, method, path))
    assert documented <= codes, sorted(documented - codes)
    assert not (absent & codes), sorted(absent & codes)


def test_refusals_have_the_shapes_of_docs_api_md(schema):
    accept = responses(schema, "post", "/api/v1/dossiers/{code}/accept/")
    assert accept["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    assert accept["400"]["content"]["application/json"]["schema"]["type"] == "object"


def test_bodies_are_documented_as_json_and_uploads_as_multipart(schema):
    accept = schema["paths"]["/api/v1/dossiers/{code}/accept/"]["post"]["requestBody"]["content"]
    assert set(accept) == {"application/json"}
    upload = schema["paths"]["/api/v1/dossiers/{code}/documents/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_a_wrong_token_on_a_public_endpoint_is_the_documented_401(schema):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token khong-hop-le")
    response = client.get("/api/v1/provinces/")
    assert response.status_code == 401 and "detail" in response.json()
    assert "401" in responses(schema, "get", "/api/v1/provinces/")


def test_an_api_url_that_names_nothing_is_a_json_404_and_a_page_url_the_page():
    response = APIClient().get("/api/v1/dossiers/abc/documents/xyz/file/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Không tìm thấy."}
    page = APIClient().get("/khong-co-trang-nay/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
