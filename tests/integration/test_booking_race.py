"""Twenty bookers race for one endpoint and slot over real HTTP: exactly one wins."""
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import DEMO_PASSWORD
from tests.factories import future_day, meeting_body


def _post(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_twenty_concurrent_bookings_of_one_slot(live_server):
    status, body = _post(f"{live_server}/api/v1/auth/token", {"username": "booker", "password": DEMO_PASSWORD})
    assert status == 201
    token = body["token"]
    day = future_day(weeks=40)
    bodies = [meeting_body(day, host=f"thads-{p}", endpoints=["thads-cao-bang"], title=f"Cuộc họp {i}")
              for i, p in enumerate(["ha-giang", "bac-kan", "tuyen-quang", "lao-cai", "dien-bien", "lai-chau",
                                     "son-la", "yen-bai", "hoa-binh", "thai-nguyen", "lang-son", "quang-ninh",
                                     "bac-giang", "phu-tho", "vinh-phuc", "bac-ninh", "hai-duong", "hai-phong",
                                     "hung-yen", "thai-binh"])]
    barrier = threading.Barrier(len(bodies))

    def book(body):
        barrier.wait()
        return _post(f"{live_server}/api/v1/meetings", body, token)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        results = list(pool.map(book, bodies))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict"
            assert any(c["endpoint"] == "thads-cao-bang" for c in body["error"]["conflicts"])
