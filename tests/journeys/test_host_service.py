"""The example host service, driven over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from merx import orders, points
from merx.kernel.ids import CustomerId

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import host_service


@pytest.fixture
def base() -> Iterator[tuple[str, host_service.Api]]:
    api = host_service.Api(host_service.seeded_app())
    server = host_service.make_server(api, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", api
    finally:
        server.shutdown()
        server.server_close()


def call(
    base: str, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key is not None:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_quote_place_pay_and_a_duplicated_notification(
    base: tuple[str, host_service.Api],
) -> None:
    url, api = base
    customer = {"id": "ann", "name": "Ann", "phone": "1", "region": "Shanghai", "address": "r"}
    assert call(url, "POST", "/customers", customer)[0] == 200
    assert call(url, "POST", "/carts/ann/items", {"sku": "phone", "quantity": 1})[0] == 200
    status, quote = call(url, "GET", "/quote/ann")
    assert (status, quote["payable"]) == (200, {"amount": "2999.00", "currency": "CNY"})
    status, placed = call(
        url, "POST", "/orders", {"customer": "ann", "expected_payable": quote["payable"]}
    )
    assert status == 200
    api.app.gateways["wechat_pay"].pending_next()
    status, paid = call(
        url, "POST", "/payments", {"parent_id": placed["parent_id"], "channel": "wechat_pay"}
    )
    assert (status, paid["status"]) == (200, "initiated")

    gateway = api.app.gateways["wechat_pay"]
    gateway.settle(gateway.query(payment_id=paid["payment_id"]).reference, succeeded=True)
    (note,) = gateway.take_notifications()
    body = {
        "event_id": note.event_id,
        "payment_id": note.payment_id,
        "operation": note.operation.value,
        "status": note.status.value,
        "amount": {"amount": str(note.amount.amount), "currency": note.amount.currency},
        "reference": note.reference,
    }
    for _ in range(2):  # delivered twice: same answer, nothing moves twice
        status, answer = call(url, "POST", "/notifications/wechat_pay", body)
        assert status == 200
    forged = dict(body, operation="capture")
    status, answer = call(url, "POST", "/notifications/wechat_pay", forged)
    assert (status, answer["error"]) == (409, "IdempotencyConflict")


def test_bad_input_is_a_typed_error_over_http(base: tuple[str, host_service.Api]) -> None:
    url, _ = base
    assert call(url, "GET", "/quote/nobody")[0] == 404
    status, answer = call(url, "POST", "/carts/x/items", {"sku": "phone", "quantity": 0})
    assert (status, answer["error"]) == (400, "InvalidQuantity")
    assert (
        call(url, "POST", "/payments", {"parent_id": "ord-9", "channel": "moon"})[1]["error"]
        == "UnknownChannel"
    )
    assert call(url, "GET", "/nowhere")[0] == 404


def test_a_request_sent_again_with_its_idempotency_key_gets_the_same_answer(
    base: tuple[str, host_service.Api],
) -> None:
    url, api = base
    customer = {"id": "bo", "name": "Bo", "phone": "1", "region": "Shanghai", "address": "r"}
    call(url, "POST", "/customers", customer)
    call(url, "POST", "/carts/bo/items", {"sku": "phone", "quantity": 1})
    first = call(url, "POST", "/orders", {"customer": "bo"}, key="order-bo-1")
    again = call(url, "POST", "/orders", {"customer": "bo"}, key="order-bo-1")  # lost reply
    assert first == again
    assert first[0] == 200
    pay = {"parent_id": first[1]["parent_id"], "channel": "alipay"}
    paid = call(url, "POST", "/payments", pay, key="pay-bo-1")
    assert call(url, "POST", "/payments", pay, key="pay-bo-1") == paid
    assert paid[1]["status"] == "succeeded"
    with api.app.unit_of_work() as uow:
        assert len(list(uow.repo(orders.ParentOrder).ids())) == 1
    status, answer = call(url, "POST", "/payments", pay, key="order-bo-1")  # another request
    assert (status, answer["error"]) == (409, "IdempotencyKeyReused")


@pytest.mark.parametrize(
    ("path", "body", "names"),
    [
        ("/customers", {"id": "x", "name": "X", "phone": "1", "region": "Shanghai"}, "address"),
        ("/carts/ann/items", {"sku": "phone", "quantity": True}, "quantity"),
        ("/carts/ann/items", {"sku": "phone", "quantity": 1.5}, "quantity"),
        ("/carts/ann/items", {"sku": "phone", "quantity": "2"}, "quantity"),
        ("/carts/ann/items", [{"sku": "phone", "quantity": 1}], "JSON object"),
        ("/orders", {"customer": 7}, "customer"),
        ("/orders", {"customer": "ann", "expected_payable": "2999.00"}, "money"),
        ("/payments", {}, "parent_id"),
        ("/notifications/alipay", {"event_id": "e"}, "payment_id"),
    ],
)
def test_every_bad_body_is_a_400_in_the_merx_error_shape(
    base: tuple[str, host_service.Api], path: str, body: Any, names: str
) -> None:
    url, _ = base
    status, answer = call(url, "POST", path, body)
    assert status == 400
    assert set(answer) == {"error", "message"}
    assert answer["error"] in {"ValidationError", "InvalidQuantity"}
    assert names in answer["message"]


def test_a_body_that_is_not_json_is_a_400(base: tuple[str, host_service.Api]) -> None:
    url, _ = base
    request = urllib.request.Request(url + "/orders", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["error"] == "ValidationError"


def test_an_order_is_read_by_its_id(base: tuple[str, host_service.Api]) -> None:
    url, _ = base
    customer = {"id": "cy", "name": "Cy", "phone": "1", "region": "Shanghai", "address": "r"}
    call(url, "POST", "/customers", customer)
    call(url, "POST", "/carts/cy/items", {"sku": "phone", "quantity": 2})
    _, placed = call(url, "POST", "/orders", {"customer": "cy"})
    status, parent = call(url, "GET", f"/orders/{placed['parent_id']}")
    assert (status, parent["status"], parent["order_ids"]) == (
        200,
        "pending_payment",
        placed["order_ids"],
    )
    status, order = call(url, "GET", f"/orders/{placed['order_ids'][0]}")
    assert (status, order["lines"]) == (200, [{"sku": "phone", "quantity": 2}])
    assert call(url, "GET", "/orders/nope")[0] == 404


def test_the_service_says_how_to_run_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        host_service.main(["--help"])
    assert done.value.code == 0
    assert "--port" in capsys.readouterr().out


def test_a_customers_orders_come_newest_first_a_page_at_a_time(
    base: tuple[str, host_service.Api],
) -> None:
    url, _ = base
    customer = {"id": "di", "name": "Di", "phone": "1", "region": "Shanghai", "address": "r"}
    call(url, "POST", "/customers", customer)
    placed = []
    for _ in range(3):
        call(url, "POST", "/carts/di/items", {"sku": "phone", "quantity": 1})
        placed.append(call(url, "POST", "/orders", {"customer": "di"})[1]["parent_id"])
    status, first = call(url, "GET", "/customers/di/orders?limit=2")
    assert status == 200
    assert [o["parent_id"] for o in first["orders"]] == placed[::-1][:2]
    last = first["orders"][-1]["parent_id"]
    _, rest = call(url, "GET", f"/customers/di/orders?limit=2&before={last}")
    assert [o["parent_id"] for o in rest["orders"]] == placed[:1]
    status, answer = call(url, "GET", "/customers/di/orders?limit=0")
    assert (status, answer["error"]) == (400, "ValidationError")


def test_a_customers_points_and_their_entries_a_page_at_a_time(
    base: tuple[str, host_service.Api],
) -> None:
    url, api = base
    for n in range(55):
        api.app.handle(points.EarnPoints(CustomerId("eve"), 10, "task", f"t{n}"))
    status, first = call(url, "GET", "/customers/eve/points")
    assert (status, first["balance"], first["next_page"]) == (200, 550, 1)
    assert [e["seq"] for e in first["entries"]] == list(range(50))
    assert first["entries"][0] == {
        "seq": 0, "key": "earned:task:t0", "kind": "earned", "points": 10, "ref": "task:t0",
        "cause": None, "at": first["entries"][0]["at"],
    }  # fmt: skip
    _, rest = call(url, "GET", "/customers/eve/points?page=1")
    assert ([e["seq"] for e in rest["entries"]], rest["next_page"]) == (list(range(50, 55)), None)
    status, answer = call(url, "GET", "/customers/eve/points?page=-1")
    assert (status, answer["error"]) == (400, "ValidationError")
    assert call(url, "GET", "/customers/nobody/points")[1]["balance"] == 0
    assert call(url, "GET", "/customers/eve/nothing")[0] == 404
