"""The endpoint registry through the JSON API."""
import pytest

CONTRACT_FIELDS = {"code", "name", "kind", "province", "region", "distance_km", "active"}


def test_lists_the_70_endpoints_with_the_contract_fields(client, bearer):
    response = client.get("/api/v1/endpoints", headers=bearer())
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert len(items) == 70
    assert all(CONTRACT_FIELDS <= set(item) for item in items)
    kinds = {}
    for item in items:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    assert kinds == {"hq": 1, "enforcement": 63, "law_school": 5, "southern_office": 1}


def test_an_giang_reads_as_the_facts_say(client, bearer):
    body = client.get("/api/v1/endpoints/thads-an-giang", headers=bearer()).get_json()
    assert body["name"] == "Cục Thi hành án dân sự tỉnh An Giang"
    assert body["province"] == "An Giang" and body["region"] == "south" and body["kind"] == "enforcement"
    assert body["distance_km"] > 1500 and body["active"] is True


@pytest.mark.parametrize("query, count", [
    ("kind=law_school", 5), ("kind=enforcement", 63), ("group=all-enforcement", 63), ("group=law-schools", 5),
    ("active=true", 70), ("active=false", 0), ("q=an%20giang", 1),
])
def test_filters(client, bearer, query, count):
    assert client.get(f"/api/v1/endpoints?{query}", headers=bearer()).get_json()["count"] == count


def test_unknown_endpoint_and_group_are_404_in_the_error_shape(client, bearer):
    headers = bearer()
    missing = client.get("/api/v1/endpoints/nowhere", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/endpoints?group=nope", headers=headers).status_code == 404
    bad = client.get("/api/v1/endpoints?active=maybe", headers=headers)
    assert bad.status_code == 422 and "active" in bad.get_json()["error"]["fields"]


def test_groups_list_system_groups_with_member_codes(client, bearer):
    groups = {g["name"]: g for g in client.get("/api/v1/groups", headers=bearer()).get_json()["items"]}
    assert len(groups["all-enforcement"]["members"]) == 63
    assert groups["southern-office"]["members"] == ["moj-southern-office"]
    assert groups["law-schools"]["label"] == "Các trường trung cấp luật"
    regions = sum(len(groups[f"region-{r}"]["members"]) for r in ("north", "central", "south"))
    assert regions == 70


def test_session_cookie_works_for_the_api(auth, client):
    auth.login("leader")
    assert client.get("/api/v1/groups").status_code == 200


def test_groups_cost_a_constant_number_of_queries(client, bearer, count_queries):
    headers = bearer()
    with count_queries() as statements:
        client.get("/api/v1/groups", headers=headers)
    assert len(statements) <= 6


def test_endpoint_list_costs_a_constant_number_of_queries(client, bearer, count_queries):
    headers = bearer()
    with count_queries() as statements:
        client.get("/api/v1/endpoints", headers=headers)
    assert len(statements) <= 6
